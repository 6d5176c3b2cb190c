import { connectNats } from '@hearth/platform/nats';
import type { NatsConnection } from '@nats-io/transport-node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HomeFiles } from './commands/init.js';
import { hearthHome, natsUrl } from './config.js';

/**
 * The seed the CLI connects to NATS with, as the `operator` identity: NATS_NKEY_SEED(_FILE), or the
 * one `hearth init` wrote in HEARTH_HOME; none (an unauthenticated NATS) when there is neither.
 */
function operatorNatsSeed(env = process.env): string | undefined {
  if (env.NATS_NKEY_SEED) return env.NATS_NKEY_SEED.trim();
  const file = env.NATS_NKEY_SEED_FILE ?? join(hearthHome(env), HomeFiles.natsSeed('operator'));
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    if (env.NATS_NKEY_SEED_FILE !== undefined) throw new Error(`cannot read NATS_NKEY_SEED_FILE ${file}`);
    return undefined;
  }
}

/** The CLI's connection to Hearth's NATS, as the `operator` identity; an error that says why not. */
export async function connectAsOperator(): Promise<NatsConnection> {
  const url = natsUrl();
  try {
    return await connectNats(url, 'operator', operatorNatsSeed());
  } catch (error) {
    const refused = /authorization/i.test(String(error));
    throw new Error(
      refused ? `NATS at ${url} refused the operator's nkey (NATS_NKEY_SEED_FILE)` : `cannot reach NATS at ${url}`,
      { cause: error },
    );
  }
}
