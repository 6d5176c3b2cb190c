import { AuditEmitterEnv, busKeysEnv, loadConfig, PlatformEnv, PortSchema } from '@hearth/platform/config';
import { z } from 'zod';

export const ConsoleEnv = PlatformEnv.extend({
  ...AuditEmitterEnv,
  CONSOLE_PORT: PortSchema.default(7700),
  CONSOLE_HOST: z.string().default('127.0.0.1'),
  CONSOLE_DATABASE: z.string().default('hearth_console'),
  /** How many workspaces discovery's cache holds at most (unknown ones included). */
  CONSOLE_DISCOVERY_CACHE_ENTRIES: z.coerce.number().int().positive().default(50_000),
  /** The first admin's bearer token; hashed on start, never stored in clear. No default. */
  HEARTH_BOOTSTRAP_ADMIN_TOKEN: z.string().min(24, { message: 'must be at least 24 characters' }),
  ...busKeysEnv('CONSOLE_SIGNING_KEY'),
});
export type ConsoleConfig = z.infer<typeof ConsoleEnv>;

export function loadConsoleConfig(env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  return loadConfig(ConsoleEnv, env);
}
