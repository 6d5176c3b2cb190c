import { ErrorCode, HearthError } from '@hearth/contracts';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const DEFAULT_CONSOLE_URL = 'http://127.0.0.1:7700';
/** The loopback port of the NATS `hearth up` runs (HEARTH_NATS_PORT); the machine's NATS on 4222 is not Hearth's. */
export const DEFAULT_NATS_PORT = 4223;

/**
 * Hearth's NATS: NATS_URL when it names one configured as infra/nats.conf (or a cluster's nodes,
 * comma-separated, configured as infra/nats-cluster.conf), else the one `hearth up` runs.
 */
export function natsUrl(env = process.env): string {
  return env.NATS_URL ?? `nats://127.0.0.1:${env.HEARTH_NATS_PORT ?? DEFAULT_NATS_PORT}`;
}
/**
 * Where `hearth init` (run by `npm start`) keeps what it generates (the first admin token, principal keys): HEARTH_HOME, or
 * `.hearth/` in the directory the CLI runs in.
 */
export function hearthHome(env = process.env, cwd = process.cwd()): string {
  return resolve(cwd, env.HEARTH_HOME ?? '.hearth');
}

export interface ConsoleConnection {
  baseUrl: string;
  token: string;
}

/**
 * Where the console is and who we are to it. Read only when a command is about to call the API,
 * so input errors are reported even on a machine with nothing configured.
 */
export function consoleConnection(env = process.env, cwd = process.cwd()): ConsoleConnection {
  return {
    baseUrl: httpBaseUrl('HEARTH_CONSOLE_URL', env.HEARTH_CONSOLE_URL ?? DEFAULT_CONSOLE_URL),
    token: operatorToken(env, cwd),
  };
}

/** An http(s) base URL from the setting `name`, without a trailing slash. */
export function httpBaseUrl(name: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new HearthError(ErrorCode.InvalidRequest, `${name} is not a URL: ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HearthError(ErrorCode.InvalidRequest, `${name} must be http(s): ${text}`);
  }
  return url.href.replace(/\/+$/, '');
}

function operatorToken(env: NodeJS.ProcessEnv, cwd: string): string {
  const fromEnv = env.HEARTH_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  const file = join(hearthHome(env, cwd), 'admin-token');
  let fromFile = '';
  try {
    fromFile = readFileSync(file, 'utf8').trim();
  } catch {
    // No file is the common case outside the repository; the error below says what to do.
  }
  if (fromFile) return fromFile;
  throw new HearthError(
    ErrorCode.Unauthenticated,
    `no operator token: set HEARTH_TOKEN (or HEARTH_HOME to where hearth init wrote admin-token; ${file} is not there)`,
  );
}
