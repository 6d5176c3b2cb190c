import { z } from 'zod';
import { OperatorRole } from './operator.js';

/** What a role lets an operator do, as the console grants it and the web console shows or hides it. */
export const Permission = z.enum([
  'deployment.read',
  'deployment.write',
  'tenancy.read',
  'tenancy.write',
  'token.create',
  'token.revoke',
  'credential.read',
  'credential.write',
  'lease.read',
  'lease.write',
  'audit.read',
]);
export type Permission = z.infer<typeof Permission>;

/** `POST /v1/session`: the operator token is exchanged for a browser session (a cookie); it is never kept. */
export const SessionCreate = z.object({ token: z.string().min(1).max(512) }).strict();
export type SessionCreate = z.infer<typeof SessionCreate>;

/**
 * `POST/GET /v1/session`: who the browser session is, as the session's token is now. `csrf_token` goes
 * back in `X-CSRF-Token` on every write; the session secret itself lives only in the HttpOnly cookie.
 */
export const Session = z
  .object({
    operator: z.object({ name: z.string(), role: OperatorRole }).strict(),
    permissions: z.array(Permission),
    csrf_token: z.string().min(1),
    idle_expires_at: z.iso.datetime(),
  })
  .strict();
export type Session = z.infer<typeof Session>;
