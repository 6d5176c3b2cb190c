/** The HATCH action of each vault event: `hatch.vault.<action>`. */
export const AUDIT_ACTIONS = {
  SecretVersionWrittenV1: 'secret.write',
  SecretVersionsDeletedV1: 'secret.delete',
  SecretVersionsUndeletedV1: 'secret.undelete',
  SecretVersionsDestroyedV1: 'secret.destroy',
  SecretReadV1: 'secret.read',
  AccessDeniedV1: 'access.denied',
  PrincipalCreatedV1: 'principal.create',
  PolicyGrantedV1: 'policy.grant',
  PolicyRevokedV1: 'policy.revoke',
} as const;
export type AuditedEventType = keyof typeof AUDIT_ACTIONS;
