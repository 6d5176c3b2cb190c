import {
  cryptoReady,
  ErrorCode,
  HearthError,
  PrincipalKeyFile,
  VaultClient,
  type PrincipalKeys,
} from '@hearth/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hearthHome, natsUrl } from './config.js';
import { HomeFiles } from './commands/init.js';
import { connectAsOperator } from './nats-session.js';

/** A principal's key file, as `hearth principal create --out` and `hearth init` write it. */
export const KeyFile = PrincipalKeyFile;
export type KeyFile = PrincipalKeyFile;

/** The key file the CLI signs with: HEARTH_KEY_FILE, or the root key `hearth init` writes. */
export function readKeyFile(path = process.env.HEARTH_KEY_FILE ?? join(hearthHome(), 'keys/root.json')): KeyFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(
      `no key file at ${path}: set HEARTH_KEY_FILE to a principal's key file (hearth init writes keys/root.json in HEARTH_HOME)`,
    );
  }
  return KeyFile.parse(JSON.parse(text));
}

/**
 * The vault's seal public key the CLI pins: VAULT_SEAL_PUBLIC_KEY (or the file VAULT_SEAL_PUBLIC_KEY_FILE
 * names), else the one `hearth init` writes in HEARTH_HOME. Never learned from the bus. Undefined when
 * there is none: reads work without it, a write is refused before anything is sent.
 */
export function vaultSealKey(): string | undefined {
  if (process.env.VAULT_SEAL_PUBLIC_KEY !== undefined) return process.env.VAULT_SEAL_PUBLIC_KEY;
  const path = process.env.VAULT_SEAL_PUBLIC_KEY_FILE ?? join(hearthHome(), HomeFiles.vaultSealPublicKey);
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Runs `work` with a vault client signing as the key file's principal, then closes the connection;
 * `work` may sign as another principal on the same connection. `timeoutMs` bounds each request (the
 * client's default unless given): longer for a request the vault itself takes long to answer.
 */
export async function withVault<T>(
  work: (vault: VaultClient, nc: NatsConnection) => Promise<T>,
  { timeoutMs }: { timeoutMs?: number } = {},
): Promise<T> {
  await cryptoReady();
  const key = readKeyFile();
  const keys: PrincipalKeys = { publicKey: key.publicKey, secretKey: key.secretKey };
  const nc = await connectAsOperator();
  try {
    const sealKey = vaultSealKey();
    // A command makes a request or two and exits: signing each costs less than a session's handshake.
    const options = {
      sessions: false,
      ...(sealKey === undefined ? {} : { vaultSealKey: sealKey }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    };
    return await work(new VaultClient(nc, key.name, keys, options), nc);
  } catch (error) {
    if (/no responders/i.test(String(error))) {
      throw new HearthError(ErrorCode.Unavailable, `no vault answers on NATS at ${natsUrl()}: is it running?`);
    }
    throw error;
  } finally {
    await nc.close();
  }
}
