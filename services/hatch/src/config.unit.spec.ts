import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@hearth/platform/config';
import { sharedServiceKeys } from '@hearth/testkit';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadHatchConfig } from './config.js';
import { Ed25519Signer } from './infra/crypto/ed25519-signer.js';

const key = generateKeyPairSync('ed25519');
const pem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const base64 = key.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
const publicPem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
/** Every service's pinned key, which hatch needs besides its own. */
const bus = { HEARTH_SERVICE_KEYS: sharedServiceKeys().pinned };

describe("hatch's configuration", () => {
  it('has the documented defaults, and no default key', () => {
    expect(loadHatchConfig({ ...bus, HATCH_SIGNING_KEY: pem })).toMatchObject({
      HATCH_PORT: 7702,
      HATCH_HOST: '127.0.0.1',
      HATCH_DATABASE: 'hearth_hatch',
      HATCH_CHECKPOINT_EVERY: 100,
      HATCH_CHECKPOINT_SECONDS: 10,
      HATCH_STREAM_MAX_AGE_SECONDS: 2_592_000,
      HATCH_STREAM_DUPLICATE_WINDOW_SECONDS: 120,
      HATCH_INGEST_BATCH: 256,
      HATCH_READER_ROLES: ['admin', 'auditor'],
      HATCH_TOKEN_CACHE_SECONDS: 30,
    });
    expect(() => loadHatchConfig({})).toThrow(ConfigError);
    expect(() => loadHatchConfig({ ...bus, HATCH_SIGNING_KEY: pem, HATCH_SIGNING_KEY_FILE: '/k' })).toThrow(
      ConfigError,
    );
  });

  it('refuses a duplicate window longer than the stream keeps events, and unknown roles', () => {
    expect(() =>
      loadHatchConfig({
        ...bus,
        HATCH_SIGNING_KEY: pem,
        HATCH_STREAM_MAX_AGE_SECONDS: '60',
        HATCH_STREAM_DUPLICATE_WINDOW_SECONDS: '120',
      }),
    ).toThrow(/duplicate window/);
    expect(() => loadHatchConfig({ ...bus, HATCH_SIGNING_KEY: pem, HATCH_READER_ROLES: 'auditor,root' })).toThrow(
      ConfigError,
    );
    expect(loadHatchConfig({ ...bus, HATCH_SIGNING_KEY: pem, HATCH_READER_ROLES: 'auditor, operator' })).toMatchObject({
      HATCH_READER_ROLES: ['auditor', 'operator'],
    });
  });

  it('takes the signing key as PEM, as base64 PKCS#8, or from a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hatch-key-'));
    try {
      const file = join(dir, 'hatch.pem');
      writeFileSync(file, pem, { mode: 0o600 });
      for (const env of [{ HATCH_SIGNING_KEY: pem }, { HATCH_SIGNING_KEY: base64 }, { HATCH_SIGNING_KEY_FILE: file }]) {
        expect(Ed25519Signer.fromConfig(loadHatchConfig({ ...bus, ...env })).publicKeyPem).toBe(publicPem);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a key that is not ed25519 without quoting it', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    expect(() => Ed25519Signer.fromConfig({ HATCH_SIGNING_KEY: rsa.toString() })).toThrow('not an ed25519 key');
    const garbage = 'not-a-key-but-a-secret-value';
    expect(() => Ed25519Signer.fromConfig({ HATCH_SIGNING_KEY: garbage })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(garbage) }),
    );
  });
});
