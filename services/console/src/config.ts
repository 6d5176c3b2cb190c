import { AuditEmitterEnv, busKeysEnv, loadConfig, PlatformEnv, PortSchema } from '@hearth/platform/config';
import { DEFAULT_ENGINE, DeploymentEngine, PrincipalKeyFile } from '@hearth/contracts';
import { z } from 'zod';
import type { EngineCapacity } from './domain/engine/placement.js';

/** What an engine holds when its entry names no capacity: the thousand workspaces a Docker host is sized for. */
const DEFAULT_CAPACITY = 1_000;

/** `name` or `name:capacity`. */
const EngineEntry = z
  .string()
  .trim()
  .transform((entry, ctx): EngineCapacity => {
    const [name = '', capacity, ...rest] = entry.split(':');
    const parsedName = DeploymentEngine.safeParse(name);
    const workspaces = capacity === undefined ? DEFAULT_CAPACITY : Number(capacity);
    if (!parsedName.success || rest.length > 0 || !Number.isInteger(workspaces) || workspaces < 1) {
      ctx.addIssue({ code: 'custom', message: `${entry}: an engine is name or name:capacity (a positive integer)` });
      return z.NEVER;
    }
    return { name: parsedName.data, capacity: workspaces };
  });

/** A principal key file's JSON, checked without a word of it in the error: the key is a secret. */
const PrincipalKeyJson = z.string().transform((text, ctx): PrincipalKeyFile => {
  let parsed;
  try {
    parsed = PrincipalKeyFile.safeParse(JSON.parse(text));
  } catch {
    parsed = null;
  }
  if (!parsed?.success) {
    ctx.addIssue({
      code: 'custom',
      message: 'a principal key file as hearth init writes it: {name, publicKey, secretKey}',
    });
    return z.NEVER;
  }
  return parsed.data;
});

export const ConsoleEnv = PlatformEnv.extend({
  ...AuditEmitterEnv,
  CONSOLE_PORT: PortSchema.default(7700),
  CONSOLE_HOST: z.string().default('127.0.0.1'),
  CONSOLE_DATABASE: z.string().default('hearth_console'),
  /** How many workspaces discovery's cache holds at most (unknown ones included). */
  CONSOLE_DISCOVERY_CACHE_ENTRIES: z.coerce.number().int().positive().default(50_000),
  /**
   * The engines deployments are placed on, comma-separated, each `name` (its driver's
   * DRIVER_INSTANCE) or `name:capacity` (most workspaces it holds; 1000 when not named). Deployments
   * made before there were several engines live on the first.
   */
  CONSOLE_ENGINES: z
    .string()
    .default(DEFAULT_ENGINE)
    .transform((value) => value.split(',').filter((entry) => entry.trim() !== ''))
    .pipe(
      z
        .array(EngineEntry)
        .min(1)
        .refine((engines) => new Set(engines.map((e) => e.name)).size === engines.length, 'engine names are unique'),
    ),
  /** How long a web console session left alone stays signed in (30 minutes). */
  CONSOLE_SESSION_IDLE_SECONDS: z.coerce.number().int().positive().default(1800),
  /** The vault's HTTP edge, whose reads the console proxies at /v1/vault/… for the web console. */
  CONSOLE_VAULT_URL: z.url().default('http://127.0.0.1:7701'),
  /** hatch's HTTP edge, whose reads the console proxies at /v1/audit/… for the web console. */
  CONSOLE_HATCH_URL: z.url().default('http://127.0.0.1:7702'),
  /**
   * The web console's origin as browsers reach it (https://console.example.com), when a proxy in front
   * rewrites Host or ends TLS: cookie writes must then come from exactly it, and the cookie is Secure
   * when it is https. Unset, the request's own scheme and Host.
   */
  CONSOLE_PUBLIC_ORIGIN: z
    .url({ protocol: /^https?$/ })
    .refine((url) => {
      if (!URL.canParse(url)) return false; // z.url has said so already
      const { pathname, search, hash } = new URL(url);
      return pathname === '/' && search === '' && hash === '';
    }, 'an origin only: scheme, host and port, no path')
    .transform((url) => new URL(url).origin)
    .optional(),
  /** The built web console (packages/web/dist, found from the repository when not given). */
  CONSOLE_WEB_ROOT: z.string().min(1).optional(),
  /** The first admin's bearer token; hashed on start, never stored in clear. No default. */
  HEARTH_BOOTSTRAP_ADMIN_TOKEN: z.string().min(24, { message: 'must be at least 24 characters' }),
  /**
   * The console's own vault principal (`console`), which carries the web console's writes to the
   * vault: its key file's JSON, as `hearth init` writes keys/console.json (best by
   * CONSOLE_PRINCIPAL_KEY_FILE). Without it the console starts, and those routes answer
   * CONSOLE.VAULT_WRITES_UNCONFIGURED.
   */
  CONSOLE_PRINCIPAL_KEY: PrincipalKeyJson.optional(),
  /** The vault's seal public key (VAULT_SEAL_PUBLIC_KEY_FILE works), which the browser seals values to: served at /v1/vault-seal-key. */
  VAULT_SEAL_PUBLIC_KEY: z.base64().length(44).optional(),
  ...busKeysEnv('CONSOLE_SIGNING_KEY'),
});
export type ConsoleConfig = z.infer<typeof ConsoleEnv>;

export function loadConsoleConfig(env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  return loadConfig(ConsoleEnv, env);
}
