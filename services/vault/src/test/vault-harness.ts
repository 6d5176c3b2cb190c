import { expect } from '@jest/globals';
import {
  cryptoReady,
  generatePrincipalKeys,
  generateSealKeys,
  sealToVault,
  ServiceErrorHeaders,
  signRequest,
  VaultClient,
  type Capability,
  type PrincipalKeys,
  type SecretWrite,
  type SecretWriteRequest,
} from '@hearth/contracts';
import {
  createHatchStream,
  createTestDatabase,
  eventsSince,
  freePort,
  sharedServiceKeys,
  startNats,
  type RecordedEvent,
  type TestDatabase,
  type TestNats,
} from '@hearth/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { VaultEnv } from '../config.js';
import { startVault, type VaultService } from '../vault.app.js';

const encoder = new TextEncoder();

export interface VaultHarness {
  vault: VaultService;
  nats: TestNats;
  db: TestDatabase;
  nc: NatsConnection;
  /** The operators' HTTP API. */
  url: string;
  root: VaultClient;
  /** The vault's seal public key, as its callers pin it. */
  sealPublicKey: string;
  /** A write's body as a caller sends it: the values sealed to the vault with their path. */
  sealedWrite(write: SecretWrite): SecretWriteRequest;
  /** A new principal with `rules`, and a client signing as it. */
  principal(
    name: string,
    rules: Array<{ pattern: string; capabilities: Capability[]; effect?: 'allow' | 'deny' }>,
  ): Promise<{ client: VaultClient; keys: PrincipalKeys }>;
  /** Stops the vault and starts another on its database, as after a crash: `vault` is the new one. */
  restart(): Promise<void>;
  /** Every log line the vault wrote (at LOG_LEVEL, silent unless `env` says otherwise). */
  logs: string[];
  /** A request with whatever headers a test wants, as anyone on the bus could send: its error code (null on success) and body. */
  raw(subject: string, body: unknown, extra?: Record<string, string>): Promise<{ code: string | null; body: string }>;
  /** The refusals (SecretReadV1 other than OK, AccessDeniedV1) recorded since `mark`. */
  refusalsSince(mark: bigint): Promise<RecordedEvent[]>;
  close(): Promise<void>;
}

/**
 * The vault in-process over its own database and a nats-server of the test's own; `env` overrides
 * its settings (the KEKs, say).
 */
export async function startVaultHarness(env: Record<string, string> = {}): Promise<VaultHarness> {
  // The keys below are libsodium's, which is ready only once awaited (startVault awaits it too late for them).
  await cryptoReady();
  const nats = await startNats();
  const db = await createTestDatabase('hearth_vault');
  const rootKeys = generatePrincipalKeys();
  const seal = generateSealKeys();
  const port = await freePort();
  const nc = await connect({ servers: nats.url });
  await createHatchStream(await jetstreamManager(nc));
  const logs: string[] = [];
  const config = VaultEnv.parse({
    ...process.env,
    NATS_URL: nats.url,
    VAULT_DATABASE: db.name,
    VAULT_PORT: String(port),
    VAULT_KEKS: `k1:${randomBytes(32).toString('base64')}`,
    VAULT_ACTIVE_KEK: 'k1',
    VAULT_ROOT_PUBLIC_KEY: rootKeys.publicKey,
    VAULT_SEAL_KEY: seal.secretKey,
    LOG_LEVEL: 'silent',
    ...sharedServiceKeys().env('vault'),
    ...env,
  });
  const start = () => startVault(config, { logDestination: { write: (line: string) => void logs.push(line) } });
  const vault = await start();
  const sealed = { vaultSealKey: seal.publicKey };
  const root = new VaultClient(nc, 'root', rootKeys, sealed);
  // Sessions open before a test marks where its events begin: a test sees only the events it caused.
  await root.openSession();
  const harness: VaultHarness = {
    vault,
    restart: async () => {
      await harness.vault.stop();
      harness.vault = await start();
    },
    nats,
    db,
    nc,
    url: `http://127.0.0.1:${port}`,
    root,
    sealPublicKey: seal.publicKey,
    logs,
    sealedWrite: ({ values, ...fields }) => ({
      ...fields,
      sealed_values: Buffer.from(
        sealToVault(seal.publicKey, encoder.encode(JSON.stringify({ path: fields.path, values }))),
      ).toString('base64'),
    }),
    principal: async (name, rules) => {
      const keys = generatePrincipalKeys();
      await root.createPrincipal(name, keys.publicKey);
      for (const rule of rules) await root.grant(name, rule);
      const client = new VaultClient(nc, name, keys, sealed);
      await client.openSession();
      return { client, keys };
    },
    raw: async (subject, body, extra = {}) => {
      const h = headers();
      for (const [k, v] of Object.entries(extra)) h.set(k, v);
      const msg = await nc.request(subject, encoder.encode(JSON.stringify(body)), { timeout: 5_000, headers: h });
      return { code: msg.headers?.get(ServiceErrorHeaders.code) || null, body: msg.string() };
    },
    refusalsSince: async (mark) =>
      (await eventsSince(db.name, mark)).filter(
        (e) => e.type === 'AccessDeniedV1' || (e.type === 'SecretReadV1' && e.data.outcome !== 'OK'),
      ),
    close: async () => {
      await nc.close();
      await harness.vault.stop();
      await db.drop();
      await nats.stop();
    },
  };
  return harness;
}

/** Signature headers for `body` as `actor`, to send (and send again) with `raw`. */
export function signAs(subject: string, body: unknown, actor: string, secretKey: string, now?: number, nonce?: string) {
  return signRequest(subject, encoder.encode(JSON.stringify(body)), actor, secretKey, now, nonce);
}

/** A refusal as recorded: its type, and its data holding at least the actor, outcome DENIED, the reason and `more`. */
export function refusal(type: 'SecretReadV1' | 'AccessDeniedV1', actor: string, reason: string, more = {}) {
  return expect.objectContaining({
    type,
    data: expect.objectContaining({ actor, outcome: 'DENIED', reason, ...more }) as unknown,
  }) as unknown;
}
