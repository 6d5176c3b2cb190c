import { describe, expect, it } from '@jest/globals';
import { cryptoReady, generatePrincipalKeys } from '@hearth/contracts';
import { ConfigError } from '@hearth/platform/config';
import { sharedServiceKeys } from '@hearth/testkit';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConsoleConfig } from './config.js';

/** Its signing key and every service's pinned key, which the console needs besides its token. */
const bus = sharedServiceKeys().env('console');

function failure(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConsoleConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

describe('the console’s configuration', () => {
  it('fails fast without a bootstrap admin token: there is no default', () => {
    expect(failure({}).message).toContain('HEARTH_BOOTSTRAP_ADMIN_TOKEN');
  });

  it('refuses a short bootstrap token without echoing it', () => {
    const short = 'tooShort-9f3k2';
    const error = failure({ HEARTH_BOOTSTRAP_ADMIN_TOKEN: short });
    expect(error.message).toContain('HEARTH_BOOTSTRAP_ADMIN_TOKEN');
    expect(error.message).toContain('at least 24');
    expect(error.message).not.toContain(short);
    expect(String(error.stack)).not.toContain(short);
  });

  it('takes a long enough token and the DESIGN.md defaults for the rest', () => {
    const token = 'x'.repeat(12) + 'long-enough-token';
    expect(loadConsoleConfig({ ...bus, HEARTH_BOOTSTRAP_ADMIN_TOKEN: token })).toMatchObject({
      HEARTH_BOOTSTRAP_ADMIN_TOKEN: token,
      CONSOLE_PORT: 7700,
      CONSOLE_HOST: '127.0.0.1',
      CONSOLE_DATABASE: 'hearth_console',
      NATS_URL: 'nats://127.0.0.1:4222',
      CONSOLE_ENGINES: [{ name: 'default', capacity: 1000 }],
    });
  });

  it('reads the engines it places on, each with its capacity or the default one, and refuses a malformed list', () => {
    const token = 'x'.repeat(12) + 'long-enough-token';
    const engines = (CONSOLE_ENGINES: string) =>
      loadConsoleConfig({ ...bus, HEARTH_BOOTSTRAP_ADMIN_TOKEN: token, CONSOLE_ENGINES }).CONSOLE_ENGINES;
    expect(engines('east:50, west')).toEqual([
      { name: 'east', capacity: 50 },
      { name: 'west', capacity: 1000 },
    ]);
    for (const bad of ['east:0', 'east:x', 'east:1:2', 'East', 'a.b', 'east,east', ' , ']) {
      const error = failure({ ...bus, HEARTH_BOOTSTRAP_ADMIN_TOKEN: token, CONSOLE_ENGINES: bad });
      expect(error.message).toContain('CONSOLE_ENGINES');
    }
  });

  it('reads the token from the file HEARTH_BOOTSTRAP_ADMIN_TOKEN_FILE names, so it need not sit in the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-config-'));
    try {
      const token = 'from-a-file-' + 'y'.repeat(20);
      writeFileSync(join(dir, 'token'), `${token}\n`);
      const file = join(dir, 'token');
      expect(loadConsoleConfig({ ...bus, HEARTH_BOOTSTRAP_ADMIN_TOKEN_FILE: file }).HEARTH_BOOTSTRAP_ADMIN_TOKEN).toBe(
        token,
      );
      // Both a value and a file is refused, not resolved; a file that cannot be read is named, its contents never.
      expect(
        failure({ HEARTH_BOOTSTRAP_ADMIN_TOKEN: token.toUpperCase(), HEARTH_BOOTSTRAP_ADMIN_TOKEN_FILE: file }).message,
      ).toContain('HEARTH_BOOTSTRAP_ADMIN_TOKEN: set it or HEARTH_BOOTSTRAP_ADMIN_TOKEN_FILE, not both');
      const missing = join(dir, 'missing');
      expect(failure({ HEARTH_BOOTSTRAP_ADMIN_TOKEN_FILE: missing }).message).toContain(
        `HEARTH_BOOTSTRAP_ADMIN_TOKEN_FILE: cannot read ${missing}`,
      );
      writeFileSync(join(dir, 'short'), 'tooShort-9f3k2');
      const error = failure({ HEARTH_BOOTSTRAP_ADMIN_TOKEN_FILE: join(dir, 'short') });
      expect(error.message).toContain('at least 24');
      expect(error.message).not.toContain('tooShort-9f3k2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes its vault principal as hearth init writes it, and refuses a broken one without a word of the key', async () => {
    await cryptoReady();
    const token = 'x'.repeat(12) + 'long-enough-token';
    const keys = generatePrincipalKeys();
    const key = JSON.stringify({ name: 'console', ...keys });
    expect(loadConsoleConfig({ ...bus, HEARTH_BOOTSTRAP_ADMIN_TOKEN: token }).CONSOLE_PRINCIPAL_KEY).toBeUndefined();
    expect(
      loadConsoleConfig({ ...bus, HEARTH_BOOTSTRAP_ADMIN_TOKEN: token, CONSOLE_PRINCIPAL_KEY: key })
        .CONSOLE_PRINCIPAL_KEY,
    ).toEqual({ name: 'console', ...keys });
    const other = generatePrincipalKeys();
    for (const broken of [
      key.slice(0, -2),
      JSON.stringify({ name: 'console', publicKey: other.publicKey, secretKey: keys.secretKey }),
      keys.secretKey,
    ]) {
      const error = failure({ ...bus, HEARTH_BOOTSTRAP_ADMIN_TOKEN: token, CONSOLE_PRINCIPAL_KEY: broken });
      expect(error.message).toContain('CONSOLE_PRINCIPAL_KEY');
      expect(error.message).not.toContain(keys.secretKey.slice(0, 16));
    }
  });

  it('takes CONSOLE_PUBLIC_ORIGIN as an origin only', () => {
    const base = { ...bus, HEARTH_BOOTSTRAP_ADMIN_TOKEN: 'x'.repeat(30) };
    expect(loadConsoleConfig({ ...base, CONSOLE_PUBLIC_ORIGIN: 'https://console.example.com/' })).toMatchObject({
      CONSOLE_PUBLIC_ORIGIN: 'https://console.example.com',
    });
    expect(loadConsoleConfig(base).CONSOLE_PUBLIC_ORIGIN).toBeUndefined();
    for (const wrong of ['https://console.example.com/app', 'ftp://console.example.com', 'console.example.com']) {
      expect(failure({ ...base, CONSOLE_PUBLIC_ORIGIN: wrong }).message).toContain('CONSOLE_PUBLIC_ORIGIN');
    }
  });
});
