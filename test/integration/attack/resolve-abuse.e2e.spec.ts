import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generatePrincipalKeys, HatchStream, HearthError, VaultClient } from '@hearth/contracts';
import { registerWorkspace, startDriverStack, streamMessages, until, type DriverStack } from '@hearth/testkit';
import { randomBytes } from 'node:crypto';

/** A HATCH message as text: its subject and body. */
interface Recorded {
  subject: string;
  body: string;
}

/**
 * Attack: resolving a workspace's credentials without the right to. A principal granted `resolve` on
 * workspace A asks for workspace B, then asks for A while claiming B's team (the team and org come
 * from the console, never from the caller). Each is refused with its code, nothing is handed out,
 * and each refusal is a DENIED event in HATCH.
 */
describe('attack: resolving another workspace’s credentials', () => {
  let stack: DriverStack;
  let a: string;
  let b: string;
  let intruder: VaultClient;
  const name = `agent-${randomBytes(4).toString('hex')}`;
  const shared = `sk-${randomBytes(12).toString('hex')}`;

  const codeOf = (attempt: Promise<unknown>) =>
    attempt.then(
      () => null,
      (error: unknown) => (error instanceof HearthError ? error.code : String(error)),
    );
  /** What HATCH holds that `name` was refused. */
  const denials = async (): Promise<Recorded[]> =>
    (await streamMessages(stack.jsm, HatchStream.name))
      .map((m) => ({ subject: m.subject, body: Buffer.from(m.data).toString('utf8') }))
      .filter((m) => m.body.includes(`"actor":"${name}"`) && m.body.includes('"DENIED"'));

  beforeAll(async () => {
    stack = await startDriverStack([]);
    a = stack.newSlug();
    b = stack.newSlug();
    await registerWorkspace(stack.console.url, stack.console.adminToken, a, { org: 'acme', team: 'team-a' });
    await registerWorkspace(stack.console.url, stack.console.adminToken, b, { org: 'acme', team: 'team-b' });
    await stack.root.write({ path: 'org/acme/openai', values: { OPENAI_API_KEY: shared } });

    const keys = generatePrincipalKeys();
    await stack.root.createPrincipal(name, keys.publicKey);
    // Workspace A's agent: resolve on A and on what A inherits from its org, and nothing on B.
    await stack.root.grant(name, { pattern: `hearth/${a}/*`, capabilities: ['resolve'] });
    await stack.root.grant(name, { pattern: 'org/acme/*', capabilities: ['resolve'] });
    intruder = new VaultClient(stack.nc, name, keys, { vaultSealKey: stack.vault.sealPublicKey });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('resolves its own workspace: the grants above are enough for A', async () => {
    const own = await intruder.resolve({ workspace: a, refs: ['OPENAI_API_KEY'] });
    expect(own).toMatchObject({ workspace: a, team: 'team-a', org: 'acme', refused: [] });
    expect(own.values).toEqual({ OPENAI_API_KEY: shared });
  });

  it('is refused workspace B (VAULT.POLICY_DENIED), recorded DENIED in HATCH', async () => {
    expect(await codeOf(intruder.resolve({ workspace: b, refs: ['OPENAI_API_KEY'] }))).toBe('VAULT.POLICY_DENIED');
    expect(await codeOf(intruder.resolve({ workspace: b, preview: true }))).toBe('VAULT.POLICY_DENIED');
    await until(async () => (await denials()).some((m) => m.body.includes(b)), {
      timeoutMs: 10_000,
      what: 'the refusal of B in HATCH',
    });
  });

  it('is refused A when it claims B’s team (VAULT.SCOPE_MISMATCH), recorded DENIED in HATCH', async () => {
    expect(await codeOf(intruder.resolve({ workspace: a, team: 'team-b', refs: ['OPENAI_API_KEY'] }))).toBe(
      'VAULT.SCOPE_MISMATCH',
    );
    // Its own resolution of A was OK: a DENIED naming A is this refusal.
    await until(async () => (await denials()).some((m) => m.body.includes(a)), {
      timeoutMs: 10_000,
      what: 'the refusal of the claimed team in HATCH',
    });
    const refused = (await denials()).filter((m) => m.body.includes(a));
    expect(refused.some((m) => m.body.includes('SCOPE_MISMATCH') || m.body.includes('team-b'))).toBe(true);
    // No refusal carried the value it guarded.
    expect((await denials()).filter((m) => m.body.includes(shared))).toEqual([]);
  });
});
