import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  cryptoReady,
  generatePrincipalKeys,
  HearthError,
  ServiceErrorHeaders,
  SignatureHeaders,
  signingPayload,
  VaultClient,
  VaultSubjects,
  type PrincipalKeys,
} from '@hearth/contracts';
import {
  freePort,
  queryDatabase,
  startNats,
  startVaultProcess,
  until,
  type RunningVault,
  type TestNats,
} from '@hearth/testkit';
import { connect, headers, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { createPrivateKey, randomBytes, sign } from 'node:crypto';

const encoder = new TextEncoder();
const CACHE_BOUND = 100;

/**
 * The vault's own rules, tried as an attacker tries them against the vault as a process: a plain
 * subscriber on the bus, the root key the CLI signs with, a principal allowed to manage only itself,
 * a principal that sends another's nonce first, and a flood of made-up actors.
 */
describe('attack: the vault’s own rules', () => {
  let nats: TestNats;
  let vault: RunningVault;
  let nc: NatsConnection;
  let root: VaultClient;
  let metricsPort: number;

  /** `body` signed as `actor` with a nonce of the caller's choosing, as anyone holding the key can. */
  const signedWith = (subject: string, body: unknown, actor: string, keys: PrincipalKeys, nonce: string) => {
    const timestamp = String(Date.now());
    const seed = Buffer.from(keys.secretKey, 'base64').subarray(0, 32);
    const key = createPrivateKey({
      key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
      format: 'der',
      type: 'pkcs8',
    });
    const bytes = encoder.encode(JSON.stringify(body));
    const signature = sign(null, signingPayload(subject, timestamp, nonce, bytes), key).toString('base64');
    return {
      [SignatureHeaders.actor]: actor,
      [SignatureHeaders.timestamp]: timestamp,
      [SignatureHeaders.nonce]: nonce,
      [SignatureHeaders.signature]: signature,
    };
  };
  /** A request with these headers: its error code, null when it was answered. */
  const send = async (subject: string, body: unknown, signed: Record<string, string>) => {
    const h = headers();
    for (const [name, value] of Object.entries(signed)) h.set(name, value);
    const reply = await nc.request(subject, encoder.encode(JSON.stringify(body)), { timeout: 10_000, headers: h });
    return reply.headers?.get(ServiceErrorHeaders.code) || null;
  };
  const codeOf = (attempt: Promise<unknown>) =>
    attempt.then(
      () => null,
      (error: unknown) => (error instanceof HearthError ? error.code : String(error)),
    );
  const principal = async (name: string, rules: Array<Parameters<VaultClient['grant']>[1]>) => {
    const keys = generatePrincipalKeys();
    await root.createPrincipal(name, keys.publicKey);
    for (const rule of rules) await root.grant(name, rule);
    return { keys, client: new VaultClient(nc, name, keys, { vaultSealKey: vault.sealPublicKey }) };
  };

  beforeAll(async () => {
    await cryptoReady();
    nats = await startNats();
    metricsPort = await freePort();
    vault = await startVaultProcess(nats.url, {
      LOG_LEVEL: 'info',
      VAULT_PRINCIPAL_CACHE_ENTRIES: String(CACHE_BOUND),
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
    });
    nc = await connect({ servers: nats.url });
    root = new VaultClient(nc, 'root', vault.rootKeys, { vaultSealKey: vault.sealPublicKey });
  });
  afterAll(async () => {
    await nc?.close();
    await vault?.stop();
    await nats?.stop();
  });

  it('a subscriber on the bus never sees a written value in clear, in any message', async () => {
    const canary = `canary-${randomBytes(16).toString('hex')}`;
    const seen: Msg[] = [];
    const everything = nc.subscribe('>', { callback: (_error, msg) => void seen.push(msg) });
    await nc.flush();
    try {
      await root.write({ path: 'hearth/clear-user', values: { TOKEN: canary } });
      await root.write({ path: 'hearth/clear-auto', values: { POSTGRES_PASSWORD: canary }, provider: 'AUTO_MANAGED' });
      await until(() => seen.filter((m) => m.subject === VaultSubjects.write).length >= 2, {
        what: 'both writes seen on the bus',
      });
    } finally {
      everything.unsubscribe();
    }
    const text = seen.map((m) => `${m.subject} ${Buffer.from(m.data).toString('latin1')}`).join('\n');
    for (const form of [canary, Buffer.from(canary).toString('base64'), Buffer.from(canary).toString('hex')])
      expect({ form, found: text.includes(form) }).toEqual({ form, found: false });
  });

  it('root and an operator of every workspace never read an AUTO_MANAGED value, of any version', async () => {
    const path = 'hearth/attack-auto';
    await root.write({
      path,
      values: { POSTGRES_PASSWORD: randomBytes(16).toString('hex') },
      provider: 'AUTO_MANAGED',
    });
    const { client: operator } = await principal('every-workspace', [{ pattern: 'hearth/*', capabilities: ['read'] }]);
    for (const reader of [root, operator]) {
      expect(await codeOf(reader.read(path))).toBe('VAULT.AUTO_MANAGED_VALUE');
      expect(await codeOf(reader.read(path, 1))).toBe('VAULT.AUTO_MANAGED_VALUE');
    }
    // writing a USER version over it, to read it as a USER secret or version 1 after it, is refused
    expect(await codeOf(root.write({ path, values: { POSTGRES_PASSWORD: 'mine' }, provider: 'USER' }))).toBe(
      'VAULT.PROVIDER_CONFLICT',
    );
    expect(await codeOf(root.read(path, 1))).toBe('VAULT.AUTO_MANAGED_VALUE');
    expect((await root.versions(path)).map((v) => v.version)).toEqual([1]);
    // the workspace's own subsystem does read it
    const { client: own } = await principal('attack-auto-app', [
      { pattern: 'hearth/attack-auto/*', capabilities: ['read'] },
    ]);
    expect((await own.read(path)).version).toBe(1);
  });

  it('a principal allowed to manage only itself cannot grant itself *', async () => {
    const { client } = await principal('self-manager', [
      { pattern: 'hearth/self/*', capabilities: ['read'] },
      { pattern: 'sys/principals/self-manager', capabilities: ['write'] },
    ]);
    const all = ['read', 'write', 'list', 'delete', 'destroy'] as const;
    expect(await codeOf(client.grant('self-manager', { pattern: '*', capabilities: [...all] }))).toBe(
      'VAULT.GRANT_EXCEEDS_OWN',
    );
    expect(await codeOf(client.grant('self-manager', { pattern: 'hearth/*', capabilities: ['read'] }))).toBe(
      'VAULT.GRANT_EXCEEDS_OWN',
    );
    const rules = await queryDatabase<{ pattern: string }>(
      vault.db.name,
      "SELECT pattern FROM policy_rules WHERE principal = 'self-manager' ORDER BY pattern",
    );
    expect(rules.map((r) => r.pattern)).toEqual(['hearth/self/*', 'sys/principals/self-manager']);
  });

  it("a principal that sends another's nonce first burns nothing of the other's", async () => {
    await root.write({ path: 'hearth/nonces', values: { K: 'nonce-value' } });
    const victim = await principal('nonce-victim', [{ pattern: 'hearth/nonces', capabilities: ['read'] }]);
    const burner = await principal('nonce-burner', [{ pattern: 'hearth/nonces', capabilities: ['read'] }]);
    const body = { path: 'hearth/nonces' };
    const nonce = randomBytes(16).toString('base64url');
    expect(
      await send(VaultSubjects.read, body, signedWith(VaultSubjects.read, body, 'nonce-burner', burner.keys, nonce)),
    ).toBeNull();
    const victims = signedWith(VaultSubjects.read, body, 'nonce-victim', victim.keys, nonce);
    expect(await send(VaultSubjects.read, body, victims)).toBeNull();
    expect(await send(VaultSubjects.read, body, victims)).toBe('VAULT.REPLAYED_NONCE');
  });

  it('a write tagged like a secret is refused, so no write can make its own audit event unrecordable', async () => {
    // Hatch parks an event carrying a secret-looking field: a tag `token` would keep the write out of HATCH.
    await expect(root.write({ path: 'hearth/tagged/api', values: { KEY: 'v' }, tags: { token: 'x' } })).rejects.toThrow(
      /tags\.token/,
    );
    expect(await root.list('hearth/tagged/')).toEqual([]);
  });

  it('a flood of made-up actors leaves the principal cache within its bound', async () => {
    const body = { path: 'hearth/nonces' };
    const stranger = generatePrincipalKeys();
    for (let batch = 0; batch < 20; batch++) {
      const codes = await Promise.all(
        Array.from({ length: 50 }, (_, n) => {
          const actor = `made-up-${batch}-${n}-${'x'.repeat(batch % 2 === 0 ? 0 : 6_000)}`;
          const nonce = randomBytes(16).toString('base64url');
          return send(VaultSubjects.read, body, signedWith(VaultSubjects.read, body, actor, stranger, nonce));
        }),
      );
      expect(new Set(codes)).toEqual(new Set(['VAULT.BAD_SIGNATURE']));
    }
    const scraped = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const entries = /^vault_principal_cache_entries(?:\{[^}]*\})? (\d+)/m.exec(scraped)?.[1];
    expect(entries).toBeDefined();
    expect(Number(entries)).toBeLessThanOrEqual(CACHE_BOUND);
    expect(Number(entries)).toBeGreaterThan(0);
  });
});
