import { loadPrivateKey, publicKeyPem } from '@hearth/audit-chain';
import {
  CONSOLE_PRINCIPAL,
  cryptoReady,
  generatePrincipalKeys,
  generateSealKeys,
  NatsIdentities,
  rawPublicKeyOf,
  sealKeysOf,
  ServiceName,
  type NatsIdentity,
} from '@hearth/contracts';
import { createUser, fromSeed } from '@nats-io/nkeys';
import type { Command } from 'commander';
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hearthHome } from '../config.js';
import { printOut } from '../terminal.js';

/** Where `hearth init` puts each thing in HEARTH_HOME: the one description of that layout. */
export const HomeFiles = {
  adminToken: 'admin-token',
  vaultKek: 'vault-kek.json',
  /** The vault's X25519 seal key, and its public half that callers pin to seal the values they write. */
  vaultSealKey: 'vault-seal.key',
  vaultSealPublicKey: 'vault-seal.pub',
  rootKey: 'keys/root.json',
  rootPublicKey: 'keys/root.pub',
  driverKey: 'keys/driver-localdocker.json',
  driverPublicKey: 'keys/driver-localdocker.pub',
  /** The console's vault principal: the web console's writes, signed; it reads no value. */
  consoleKey: 'keys/console.json',
  consolePublicKey: 'keys/console.pub',
  hatchSigningKey: 'hatch-signing-key.pem',
  /** What an auditor pins `hearth audit verify` to. */
  hatchPublicKey: 'hatch-signing-key.pub',
  /** The other services' bus signing keys (hatch signs with its checkpoint key). */
  consoleSigningKey: 'keys/console-signing-key.pem',
  vaultSigningKey: 'keys/vault-signing-key.pem',
  driverSigningKey: 'keys/driver-localdocker-signing-key.pem',
  /** Every service's public signing key, pinned by every service (HEARTH_SERVICE_KEYS_FILE) and by `audit verify`. */
  serviceKeys: 'service-keys.json',
  /** The seed an identity connects to Hearth's NATS with (infra/nats.conf), and its public nkey. */
  natsSeed: (identity: NatsIdentity) => `nats/${identity}.seed`,
  natsPublicKey: (identity: NatsIdentity) => `nats/${identity}.pub`,
} as const;

/** Where each service's bus signing key is, in HEARTH_HOME. */
export const SigningKeyFiles: Readonly<Record<ServiceName, string>> = {
  console: HomeFiles.consoleSigningKey,
  vault: HomeFiles.vaultSigningKey,
  hatch: HomeFiles.hatchSigningKey,
  'driver-localdocker': HomeFiles.driverSigningKey,
};

export const DRIVER_PRINCIPAL = 'driver-localdocker';

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description(
      "generate, once, what Hearth's services need into HEARTH_HOME (the first admin token, the vault's KEK and seal key, the root, driver and console principals' keys, each service's signing key and service-keys.json pinning them, each NATS identity's nkey seed); files mode 600",
    )
    .action(async () => {
      for (const written of await initHome(hearthHome())) printOut(`hearth: generated ${written}`);
    });
}

/**
 * Writes into `home` whatever of its files is missing and never overwrites one: a key that exists may
 * already be trusted by a running vault or have signed a checkpoint. Answers the files it wrote.
 */
export async function initHome(home: string): Promise<string[]> {
  await cryptoReady();
  const written: string[] = [];
  const write = (name: string, make: () => string) => {
    const path = join(home, name);
    if (existsSync(path)) return;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, make(), { mode: 0o600, flag: 'wx' });
    written.push(path);
  };
  mkdirSync(home, { recursive: true, mode: 0o700 });
  chmodSync(home, 0o700);
  write(HomeFiles.adminToken, () => randomBytes(32).toString('base64url'));
  write(HomeFiles.vaultKek, () => JSON.stringify({ active: 'k1', keys: { k1: randomBytes(32).toString('base64') } }));
  write(HomeFiles.vaultSealKey, () => generateSealKeys().secretKey);
  write(
    HomeFiles.vaultSealPublicKey,
    () => sealKeysOf(readFileSync(join(home, HomeFiles.vaultSealKey), 'utf8')).publicKey,
  );
  for (const [name, key, pub] of [
    ['root', HomeFiles.rootKey, HomeFiles.rootPublicKey],
    [DRIVER_PRINCIPAL, HomeFiles.driverKey, HomeFiles.driverPublicKey],
    [CONSOLE_PRINCIPAL, HomeFiles.consoleKey, HomeFiles.consolePublicKey],
  ] as const) {
    const keys = generatePrincipalKeys();
    write(key, () => JSON.stringify({ name, ...keys }, null, 2));
    write(pub, () => publicKeyOf(join(home, key)));
  }
  for (const service of ServiceName.options) {
    write(SigningKeyFiles[service], () =>
      generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    );
  }
  write(HomeFiles.hatchPublicKey, () =>
    publicKeyPem(loadPrivateKey(readFileSync(join(home, HomeFiles.hatchSigningKey), 'utf8'))),
  );
  write(HomeFiles.serviceKeys, () => serviceKeysOf(home));
  for (const identity of NatsIdentities) {
    write(HomeFiles.natsSeed(identity), () => new TextDecoder().decode(createUser().getSeed()));
    write(HomeFiles.natsPublicKey(identity), () => natsPublicKeyOf(join(home, HomeFiles.natsSeed(identity))));
  }
  return written;
}

/** service-keys.json, made from the signing keys in `home` (HEARTH_SERVICE_KEYS' shape). */
function serviceKeysOf(home: string): string {
  const keys = ServiceName.options.map((service) => [
    service,
    rawPublicKeyOf(createPrivateKey(readFileSync(join(home, SigningKeyFiles[service]), 'utf8'))),
  ]);
  return `${JSON.stringify(Object.fromEntries(keys), null, 2)}\n`;
}

/** The public nkey of an identity's seed file. */
export function natsPublicKeyOf(seedFile: string): string {
  return fromSeed(new TextEncoder().encode(readFileSync(seedFile, 'utf8').trim())).getPublicKey();
}

/** A public key file is made from its key file, which may be older than it (homes made before .pub). */
function publicKeyOf(keyFile: string): string {
  return (JSON.parse(readFileSync(keyFile, 'utf8')) as { publicKey: string }).publicKey;
}
