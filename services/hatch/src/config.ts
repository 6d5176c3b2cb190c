import { loadConfig, operatorRolesEnv, PlatformEnv, PortSchema } from '@hearth/platform/config';
import { ServiceKeysJson } from '@hearth/contracts';
import { z } from 'zod';

const seconds = z.coerce.number().positive();

export const HatchEnv = PlatformEnv.extend({
  HATCH_PORT: PortSchema.default(7702),
  HATCH_HOST: z.string().default('127.0.0.1'),
  HATCH_DATABASE: z.string().default('hearth_hatch'),
  /** The ed25519 key of its checkpoints and its messages, PEM or base64 PKCS#8 (or from HATCH_SIGNING_KEY_FILE). No default. */
  HATCH_SIGNING_KEY: z.string().min(1),
  /** Every service's pinned public key (JSON, as service-keys.json): whose signature each audit event must carry. */
  HEARTH_SERVICE_KEYS: ServiceKeysJson,
  /** A checkpoint every this many records … */
  HATCH_CHECKPOINT_EVERY: z.coerce.number().int().min(1).default(100),
  /** … and, if records arrived since the last one, every this many seconds; each source's numbering is checked as often. */
  HATCH_CHECKPOINT_SECONDS: seconds.default(10),
  /** The services whose audit events are numbered: hatch watches each one's sequence for gaps. */
  HATCH_AUDIT_SOURCES: z
    .string()
    .default('vault,console')
    .transform((list) =>
      list
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[a-z0-9-]+$/)).max(32)),
  /** The HATCH stream keeps events this long (0: for ever); hatch's own log is kept regardless. */
  HATCH_STREAM_MAX_AGE_SECONDS: z.coerce
    .number()
    .nonnegative()
    .default(30 * 24 * 3600),
  /** JetStream drops a re-published event id within this window; hatch's ledger catches the rest. */
  HATCH_STREAM_DUPLICATE_WINDOW_SECONDS: seconds.default(120),
  /** Most events appended in one transaction when they arrive faster than they commit. */
  HATCH_INGEST_BATCH: z.coerce.number().int().min(1).max(1000).default(256),
  /** Roles that may read the audit API. */
  HATCH_READER_ROLES: operatorRolesEnv('admin,auditor'),
  /** How long an answer from the console about a token is trusted. */
  HATCH_TOKEN_CACHE_SECONDS: z.coerce.number().nonnegative().default(30),
}).refine(
  (env) =>
    env.HATCH_STREAM_MAX_AGE_SECONDS === 0 ||
    env.HATCH_STREAM_DUPLICATE_WINDOW_SECONDS <= env.HATCH_STREAM_MAX_AGE_SECONDS,
  {
    message: 'the duplicate window cannot outlast the stream max age',
    path: ['HATCH_STREAM_DUPLICATE_WINDOW_SECONDS'],
  },
);
export type HatchConfig = z.infer<typeof HatchEnv>;

export function loadHatchConfig(env: NodeJS.ProcessEnv = process.env): HatchConfig {
  return loadConfig(HatchEnv, env);
}
