import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  generatePrincipalKeys,
  SignatureHeaders,
  signRequest,
  VaultSubjects,
  type PrincipalKeys,
} from '@hearth/contracts';
import { eventMark } from '@hearth/testkit';
import { refusal, signAs, startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';

const encoder = new TextEncoder();

/** The one gate every signed request passes, the read included: who signed it, fresh, once, allowed. */
describe('admission', () => {
  let h: VaultHarness;
  let acmeKeys: PrincipalKeys;
  const read = { path: 'hearth/acme' };
  const denied = { path: 'hearth/globex' };
  const signed = (subject: string, body: unknown, now?: number) =>
    signAs(subject, body, 'acme-app', acmeKeys.secretKey, now);

  beforeAll(async () => {
    h = await startVaultHarness();
    await h.root.write({ path: 'hearth/acme', values: { POSTGRES_PASSWORD: 'acme-password-1' } });
    await h.root.write({ path: 'hearth/globex', values: { POSTGRES_PASSWORD: 'globex-password-1' } });
    ({ keys: acmeKeys } = await h.principal('acme-app', [{ pattern: 'hearth/acme/*', capabilities: ['read'] }]));
  });
  afterAll(() => h?.close());

  it('refuses an unsigned request', async () => {
    expect((await h.raw(VaultSubjects.read, read)).code).toBe('VAULT.UNSIGNED');
  });

  it('refuses a request signed with the wrong key, or by another signer than the claimed actor', async () => {
    const body = encoder.encode(JSON.stringify(read));
    const forged = signRequest(VaultSubjects.read, body, 'acme-app', generatePrincipalKeys().secretKey);
    expect((await h.raw(VaultSubjects.read, read, forged)).code).toBe('VAULT.BAD_SIGNATURE');
    const rootSigned = signRequest(VaultSubjects.read, body, 'root', acmeKeys.secretKey);
    expect((await h.raw(VaultSubjects.read, read, rootSigned)).code).toBe('VAULT.BAD_SIGNATURE');
  });

  it('refuses a body that is not the one signed', async () => {
    expect((await h.raw(VaultSubjects.read, denied, signed(VaultSubjects.read, read))).code).toBe(
      'VAULT.BAD_SIGNATURE',
    );
  });

  it('records nothing for a request whose signer is unknown: unsigned, or signed with the wrong key', async () => {
    const from = await eventMark(h.db.name);
    const malformed = { path: 'hearth/../x' };
    expect((await h.raw(VaultSubjects.read, malformed)).code).toBe('VAULT.UNSIGNED');
    const forged = signAs(VaultSubjects.read, malformed, 'acme-app', generatePrincipalKeys().secretKey);
    expect((await h.raw(VaultSubjects.read, malformed, forged)).code).toBe('VAULT.BAD_SIGNATURE');
    expect(await h.refusalsSince(from)).toEqual([]);
  });

  it('refuses a replayed nonce and a stale timestamp, recording each as DENIED with its reason', async () => {
    const from = await eventMark(h.db.name);
    const once = signed(VaultSubjects.read, read);
    expect((await h.raw(VaultSubjects.read, read, once)).code).toBeNull();
    const replay = await h.raw(VaultSubjects.read, read, once);
    expect(replay.code).toBe('VAULT.REPLAYED_NONCE');
    expect(replay.body).not.toContain('sealed');

    const stale = signed(VaultSubjects.read, read, Date.now() - 60_000);
    expect((await h.raw(VaultSubjects.read, read, stale)).code).toBe('VAULT.STALE_REQUEST');
    expect(await h.refusalsSince(from)).toEqual([
      refusal('SecretReadV1', 'acme-app', 'VAULT.REPLAYED_NONCE', { request_id: once[SignatureHeaders.nonce] }),
      refusal('SecretReadV1', 'acme-app', 'VAULT.STALE_REQUEST', { request_id: stale[SignatureHeaders.nonce] }),
    ]);
  });

  it('burns the nonce of a refused request: replayed, it is a replay, and however often, recorded once', async () => {
    const from = await eventMark(h.db.name);
    const refused = signed(VaultSubjects.read, denied);
    expect((await h.raw(VaultSubjects.read, denied, refused)).code).toBe('VAULT.POLICY_DENIED');
    for (let n = 0; n < 5; n++)
      expect((await h.raw(VaultSubjects.read, denied, refused)).code).toBe('VAULT.REPLAYED_NONCE');

    const accepted = signed(VaultSubjects.read, read);
    expect((await h.raw(VaultSubjects.read, read, accepted)).code).toBeNull();
    for (let n = 0; n < 5; n++)
      expect((await h.raw(VaultSubjects.read, read, accepted)).code).toBe('VAULT.REPLAYED_NONCE');

    const badWrite = h.sealedWrite({ path: 'hearth/../x', values: { K: 'v' } });
    const write = signed(VaultSubjects.write, badWrite);
    expect((await h.raw(VaultSubjects.write, badWrite, write)).code).toBe('VAULT.INVALID_PATH');
    for (let n = 0; n < 5; n++)
      expect((await h.raw(VaultSubjects.write, badWrite, write)).code).toBe('VAULT.REPLAYED_NONCE');

    expect(await h.refusalsSince(from)).toEqual([
      refusal('SecretReadV1', 'acme-app', 'VAULT.POLICY_DENIED', { path: 'hearth/globex' }),
      refusal('SecretReadV1', 'acme-app', 'VAULT.REPLAYED_NONCE', { path: 'hearth/globex' }),
      refusal('SecretReadV1', 'acme-app', 'VAULT.REPLAYED_NONCE', { path: 'hearth/acme' }),
      refusal('AccessDeniedV1', 'acme-app', 'VAULT.INVALID_PATH', { capability: 'write', path: 'hearth/../x' }),
      refusal('AccessDeniedV1', 'acme-app', 'VAULT.REPLAYED_NONCE', { capability: 'write', path: 'hearth/../x' }),
    ]);
  });

  it('answers replays sent at the same moment each as a replay, recorded once', async () => {
    const from = await eventMark(h.db.name);
    const refused = signed(VaultSubjects.read, denied);
    expect((await h.raw(VaultSubjects.read, denied, refused)).code).toBe('VAULT.POLICY_DENIED');
    const replays = await Promise.all(Array.from({ length: 20 }, () => h.raw(VaultSubjects.read, denied, refused)));
    expect(replays.map((r) => r.code)).toEqual(Array(20).fill('VAULT.REPLAYED_NONCE'));
    expect(await h.refusalsSince(from)).toEqual([
      refusal('SecretReadV1', 'acme-app', 'VAULT.POLICY_DENIED', { path: 'hearth/globex' }),
      refusal('SecretReadV1', 'acme-app', 'VAULT.REPLAYED_NONCE', { path: 'hearth/globex' }),
    ]);
  });

  it('answers the replays of an accepted write at the same moment each as a replay, and writes once', async () => {
    const body = h.sealedWrite({ path: 'hearth/acme/once', values: { K: 'written-once' } });
    const { keys } = await h.principal('acme-writer', [{ pattern: 'hearth/acme/*', capabilities: ['write', 'list'] }]);
    const write = signAs(VaultSubjects.write, body, 'acme-writer', keys.secretKey);
    const answers = await Promise.all(Array.from({ length: 10 }, () => h.raw(VaultSubjects.write, body, write)));
    expect(answers.filter((a) => a.code === null)).toHaveLength(1);
    expect(answers.filter((a) => a.code === 'VAULT.REPLAYED_NONCE')).toHaveLength(9);
    expect((await h.root.versions('hearth/acme/once')).map((v) => v.version)).toEqual([1]);
  });

  it('keeps the nonce of every accepted change: a signed write, delete, destroy or grant replayed is refused', async () => {
    const { keys } = await h.principal('acme-ops', [
      { pattern: 'hearth/acme/*', capabilities: ['write', 'delete', 'destroy'] },
      { pattern: 'sys/principals/acme-ops', capabilities: ['write'] },
    ]);
    const path = 'hearth/acme/replayed';
    const requests: Array<[string, unknown]> = [
      [VaultSubjects.write, h.sealedWrite({ path, values: { K: 'first-value' } })],
      [VaultSubjects.write, h.sealedWrite({ path, values: { K: 'second-value' } })],
      [VaultSubjects.delete, { path, versions: [2] }],
      [VaultSubjects.destroy, { path, versions: [1] }],
      [
        VaultSubjects.policyGrant,
        { principal: 'acme-ops', rule: { pattern: 'hearth/acme/x', capabilities: ['write'] } },
      ],
    ];
    for (const [subject, body] of requests) {
      const once = signAs(subject, body, 'acme-ops', keys.secretKey);
      expect({ subject, code: (await h.raw(subject, body, once)).code }).toEqual({ subject, code: null });
      expect({ subject, code: (await h.raw(subject, body, once)).code }).toEqual({
        subject,
        code: 'VAULT.REPLAYED_NONCE',
      });
    }
    expect((await h.root.versions(path)).map((v) => [v.version, v.deleted, v.destroyed])).toEqual([
      [1, false, true],
      [2, true, false],
    ]);
  });

  it('refuses a request signed ahead of the clock by more than the allowed skew, and takes one within it', async () => {
    const ahead = signed(VaultSubjects.read, read, Date.now() + 60_000);
    expect((await h.raw(VaultSubjects.read, read, ahead)).code).toBe('VAULT.STALE_REQUEST');
    const slightlyAhead = signed(VaultSubjects.read, read, Date.now() + 10_000);
    expect((await h.raw(VaultSubjects.read, read, slightlyAhead)).code).toBeNull();
  });

  it("keeps each principal's nonces its own: one sending another's nonce first burns nothing", async () => {
    const { keys: otherKeys } = await h.principal('acme-other', [{ pattern: 'hearth/acme/*', capabilities: ['read'] }]);
    const nonce = 'nonce-chosen-by-the-other';
    const first = signAs(VaultSubjects.read, read, 'acme-other', otherKeys.secretKey, undefined, nonce);
    expect((await h.raw(VaultSubjects.read, read, first)).code).toBeNull();
    const own = signAs(VaultSubjects.read, read, 'acme-app', acmeKeys.secretKey, undefined, nonce);
    expect((await h.raw(VaultSubjects.read, read, own)).code).toBeNull();
    expect((await h.raw(VaultSubjects.read, read, own)).code).toBe('VAULT.REPLAYED_NONCE');
  });

  it('refuses signature headers longer than any it issues before looking anyone up, and records nothing', async () => {
    const from = await eventMark(h.db.name);
    const cached = h.vault.principalCache.cached;
    const long = { ...signed(VaultSubjects.read, read), [SignatureHeaders.actor]: 'a'.repeat(6_000) };
    expect((await h.raw(VaultSubjects.read, read, long)).code).toBe('VAULT.BAD_SIGNATURE');
    const longNonce = { ...signed(VaultSubjects.read, read), [SignatureHeaders.nonce]: 'n'.repeat(6_000) };
    expect((await h.raw(VaultSubjects.read, read, longNonce)).code).toBe('VAULT.BAD_SIGNATURE');
    expect(h.vault.principalCache.cached).toBeLessThanOrEqual(cached); // a change notification may empty it meanwhile
    expect(await h.refusalsSince(from)).toEqual([]);
  });

  it('records a request refused by policy as AccessDeniedV1 for its capability and path', async () => {
    const from = await eventMark(h.db.name);
    const { client } = await h.principal('acme-lister', [{ pattern: 'hearth/acme/*', capabilities: ['list'] }]);
    await expect(client.write({ path: 'hearth/acme', values: { K: 'no' } })).rejects.toMatchObject({
      code: 'VAULT.POLICY_DENIED',
    });
    expect(await h.refusalsSince(from)).toEqual([
      refusal('AccessDeniedV1', 'acme-lister', 'VAULT.POLICY_DENIED', { capability: 'write', path: 'hearth/acme' }),
    ]);
  });
});
