import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CONSOLE_PRINCIPAL,
  CredentialSubjects,
  HearthError,
  LeaseSubjects,
  VaultClient,
  VaultSubjects,
  type PrincipalKeys,
} from '@hearth/contracts';
import { consolePrincipal, startNats, startVaultProcess, type RunningVault, type TestNats } from '@hearth/testkit';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * Attack class: the console's vault principal, stolen. Whoever holds the key the console signs its
 * writes with — its process, its key file — tries to read what the console only ever forwards sealed:
 * a value by its path, a workspace's resolution, a lease's password, a session, a grant of `read` to
 * itself. The vault refuses each on its policy (the principal holds no `read` anywhere), and the
 * console's own NATS identity may not even send those requests (infra/nats.conf).
 */
describe('attack: the console principal reads nothing', () => {
  let nats: TestNats;
  let vault: RunningVault;
  let nc: NatsConnection;
  let root: VaultClient;
  let keys: PrincipalKeys;
  const connections: NatsConnection[] = [];
  const secret = 'hearth/acme/db';

  /** The code a promise was refused with; `answered` when it was not. */
  const refusal = (work: Promise<unknown>) =>
    work.then(
      () => 'answered',
      (error: unknown) => (error instanceof HearthError ? error.code : String(error)),
    );

  beforeAll(async () => {
    nats = await startNats({ auth: true });
    const principal = await consolePrincipal();
    keys = principal.keys;
    vault = await startVaultProcess(nats, principal.vaultEnv);
    nc = await nats.connect('admin');
    root = new VaultClient(nc, 'root', vault.rootKeys, { vaultSealKey: vault.sealPublicKey });
    await root.write({ path: secret, values: { password: 'the-value-under-attack' } });
  });
  afterAll(async () => {
    for (const connection of connections) await connection.close().catch(() => undefined);
    await nc?.close();
    await vault?.stop();
    await nats?.stop();
  });

  it('is refused every read by the vault, signed or in a session, whatever connection carries it', async () => {
    const signed = new VaultClient(nc, CONSOLE_PRINCIPAL, keys, { sessions: false, vaultSealKey: vault.sealPublicKey });
    // Its writes work: the key is the console's, the refusals below are its policy's.
    expect(await refusal(signed.write({ path: 'hearth/acme/by-console', values: { A: 'b' } }))).toBe('answered');
    expect(await refusal(signed.read(secret))).toBe('VAULT.POLICY_DENIED');
    expect(await refusal(signed.resolve({ workspace: 'acme' }))).toBe('VAULT.POLICY_DENIED');
    expect(await refusal(signed.issueLease('reporting-ro'))).toBe('VAULT.POLICY_DENIED');
    expect(await refusal(signed.grant(CONSOLE_PRINCIPAL, { pattern: 'hearth/*', capabilities: ['read'] }))).toBe(
      'VAULT.POLICY_DENIED',
    );
    expect(await refusal(signed.createPrincipal('accomplice', keys.publicKey))).toBe('VAULT.POLICY_DENIED');
    // A session opens (any principal's may), and reads in it are refused all the same.
    const session = new VaultClient(nc, CONSOLE_PRINCIPAL, keys);
    expect(await refusal(session.read(secret))).toBe('VAULT.POLICY_DENIED');
  });

  it('may not even send a read on its own NATS identity', async () => {
    const asConsole = await nats.connect('console', { reconnect: false });
    connections.push(asConsole);
    for (const subject of [
      VaultSubjects.read,
      VaultSubjects.resolve,
      VaultSubjects.sessionOpen,
      VaultSubjects.policyGrant,
      LeaseSubjects.leaseIssue,
      CredentialSubjects.workClaim,
    ]) {
      const outcome = await asConsole.request(subject, '{}', { timeout: 2_000 }).then(
        () => 'answered',
        (error: unknown) => String(error),
      );
      expect({ subject, outcome }).toEqual({
        subject,
        outcome: expect.stringMatching(new RegExp(`Permissions Violation for Publish to "${subject}"`)),
      });
    }
    // What it carries for operators, it may send (the vault answers, here with a refusal of the body).
    const test = await asConsole.request(CredentialSubjects.test, '{}', { timeout: 5_000 }).then(
      () => 'answered',
      (error: unknown) => String(error),
    );
    expect(test).toBe('answered');
  });
});
