import { z } from 'zod';
import { AuditCheckpoint, OperatorRole } from '@hearth/contracts/web';

/**
 * Shapes the console's side of issue 18 adds to @hearth/contracts (branch web-server). They move to
 * contracts at merge, and this file goes: import them from '@hearth/contracts/web' instead.
 */

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

export const Session = z
  .object({
    operator: z.object({ name: z.string(), role: OperatorRole }).strict(),
    permissions: z.array(Permission),
    csrf_token: z.string(),
    idle_expires_at: z.iso.datetime(),
  })
  .strict();
export type Session = z.infer<typeof Session>;

export const SessionCreate = z.object({ token: z.string().min(1).max(512) }).strict();
export type SessionCreate = z.infer<typeof SessionCreate>;

export const AuditVerification = z
  .object({
    head_seq: z.number().int().nonnegative(),
    verified_through_seq: z.number().int().nonnegative(),
    ok: z.boolean(),
    problem: z.string().nullable(),
    last_checkpoint: AuditCheckpoint.nullable(),
    checked_at: z.iso.datetime(),
  })
  .strict();
export type AuditVerification = z.infer<typeof AuditVerification>;
