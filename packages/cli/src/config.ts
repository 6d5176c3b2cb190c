import { ErrorCode, HearthError } from '@hearth/contracts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_CONSOLE_URL = 'http://127.0.0.1:7700';
/** Where `pnpm start` writes the first admin token, relative to the directory the CLI runs in. */
export const ADMIN_TOKEN_FILE = '.hearth/admin-token';

export interface ConsoleConnection {
  baseUrl: string;
  token: string;
}

/**
 * Where the console is and who we are to it. Read only when a command is about to call the API,
 * so input errors are reported even on a machine with nothing configured.
 */
export function consoleConnection(env = process.env, cwd = process.cwd()): ConsoleConnection {
  return { baseUrl: consoleUrl(env.HEARTH_CONSOLE_URL ?? DEFAULT_CONSOLE_URL), token: operatorToken(env, cwd) };
}

function consoleUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new HearthError(ErrorCode.InvalidRequest, `HEARTH_CONSOLE_URL is not a URL: ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HearthError(ErrorCode.InvalidRequest, `HEARTH_CONSOLE_URL must be http(s): ${text}`);
  }
  return url.href.replace(/\/+$/, '');
}

function operatorToken(env: NodeJS.ProcessEnv, cwd: string): string {
  const fromEnv = env.HEARTH_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  const file = join(cwd, ADMIN_TOKEN_FILE);
  let fromFile = '';
  try {
    fromFile = readFileSync(file, 'utf8').trim();
  } catch {
    // No file is the common case outside the repository; the error below says what to do.
  }
  if (fromFile) return fromFile;
  throw new HearthError(
    ErrorCode.Unauthenticated,
    `no operator token: set HEARTH_TOKEN (or run from the directory where pnpm start wrote ${ADMIN_TOKEN_FILE})`,
  );
}
