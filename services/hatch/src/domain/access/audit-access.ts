import { ErrorCode, HearthError, type AuthenticatedOperator, type OperatorRole } from '@hearth/contracts';

/**
 * Reading the audit log is granted by role (admin and auditor unless configured otherwise).
 * Nothing grants writing: the log's only writer is the HATCH stream.
 */
export function authorizeAuditRead(caller: AuthenticatedOperator, readerRoles: readonly OperatorRole[]): void {
  if (!readerRoles.includes(caller.role)) {
    throw new HearthError(ErrorCode.Forbidden, `role ${caller.role} may not read the audit log`);
  }
}
