import { generatePrincipalKeys, VaultClient, type PrincipalKeys } from '@hearth/contracts';
import { createTestDatabase, freePort, startNats, type TestDatabase, type TestNats } from '@hearth/testkit';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { VaultEnv } from '../config.js';
import { startVault, type RunningVault } from '../vault.app.js';

export interface VaultHarness {
  running: RunningVault;
  nats: TestNats;
  db: TestDatabase;
  nc: NatsConnection;
  root: VaultClient;
  /** A new principal with `rules`, and a client signing as it. */
  principal(
    name: string,
    rules: Array<{
      pattern: string;
      capabilities: Array<'read' | 'write' | 'list' | 'delete' | 'destroy'>;
      effect?: 'allow' | 'deny';
    }>,
  ): Promise<{ client: VaultClient; keys: PrincipalKeys }>;
  close(): Promise<void>;
}

/**
 * The vault in-process over its own database and a nats-server of the test's own; `env` overrides
 * its settings (the KEKs, say).
 */
export async function startVaultHarness(env: Record<string, string> = {}): Promise<VaultHarness> {
  const nats = await startNats();
  const db = await createTestDatabase('hearth_vault');
  const rootKeys = generatePrincipalKeys();
  const running = await startVault(
    VaultEnv.parse({
      ...process.env,
      NATS_URL: nats.url,
      VAULT_DATABASE: db.name,
      VAULT_PORT: String(await freePort()),
      VAULT_KEKS: `k1:${randomBytes(32).toString('base64')}`,
      VAULT_ACTIVE_KEK: 'k1',
      VAULT_ROOT_PUBLIC_KEY: rootKeys.publicKey,
      LOG_LEVEL: 'silent',
      ...env,
    }),
  );
  const nc = await connect({ servers: nats.url });
  const root = new VaultClient(nc, 'root', rootKeys);
  return {
    running,
    nats,
    db,
    nc,
    root,
    principal: async (name, rules) => {
      const keys = generatePrincipalKeys();
      await root.createPrincipal(name, keys.publicKey);
      for (const rule of rules) await root.grant(name, rule);
      return { client: new VaultClient(nc, name, keys), keys };
    },
    close: async () => {
      await nc.close();
      await running.stop();
      await db.drop();
      await nats.stop();
    },
  };
}
