/**
 * Stable error codes, one list for every service. A code never changes meaning once shipped;
 * the edges (HTTP, NATS) map them to a status, never the other way round.
 */
export const ErrorCode = {
  InvalidRequest: 'HEARTH.INVALID_REQUEST',
  MalformedJson: 'HEARTH.MALFORMED_JSON',
  Internal: 'HEARTH.INTERNAL',
  Unavailable: 'HEARTH.UNAVAILABLE',
  /** The service's own database cannot be reached: transient, try again. */
  DatabaseUnavailable: 'HEARTH.DATABASE_UNAVAILABLE',
  Unauthenticated: 'AUTH.UNAUTHENTICATED',
  Forbidden: 'AUTH.FORBIDDEN',
  VersionConflict: 'STORE.VERSION_CONFLICT',
  InvalidSlug: 'CONSOLE.INVALID_SLUG',
  DeploymentExists: 'CONSOLE.DEPLOYMENT_EXISTS',
  DeploymentNotFound: 'CONSOLE.DEPLOYMENT_NOT_FOUND',
  IllegalTransition: 'CONSOLE.ILLEGAL_TRANSITION',
  TokenExists: 'CONSOLE.TOKEN_EXISTS',
  TokenNotFound: 'CONSOLE.TOKEN_NOT_FOUND',
  SecretInSpec: 'CONSOLE.SECRET_IN_SPEC',
  TenantExists: 'CONSOLE.TENANT_EXISTS',
  TenantNotFound: 'CONSOLE.TENANT_NOT_FOUND',
  WorkspaceNotFound: 'CONSOLE.WORKSPACE_NOT_FOUND',
  WorkloadNotFound: 'CONSOLE.WORKLOAD_NOT_FOUND',
  EngineUnknown: 'CONSOLE.ENGINE_UNKNOWN',
  EngineFull: 'CONSOLE.ENGINE_FULL',
  /** A cookie-authenticated write without its session's X-CSRF-Token, or from another origin. */
  CsrfRefused: 'CONSOLE.CSRF_REFUSED',
  /** Too many refused sign-ins from one address of late: it may try again once the window has passed. */
  SignInThrottled: 'CONSOLE.SIGN_IN_THROTTLED',
  /** The token already holds as many live streams open as one may: close one (a tab) first. */
  TooManyStreams: 'CONSOLE.TOO_MANY_STREAMS',
  /** The console was given no vault principal (CONSOLE_PRINCIPAL_KEY) or seal key: it makes no write to the vault. */
  VaultWritesUnconfigured: 'CONSOLE.VAULT_WRITES_UNCONFIGURED',
  NotFound: 'HEARTH.NOT_FOUND',
  InvalidPath: 'VAULT.INVALID_PATH',
  InvalidPattern: 'VAULT.INVALID_PATTERN',
  ValueTooLarge: 'VAULT.VALUE_TOO_LARGE',
  SecretNotFound: 'VAULT.SECRET_NOT_FOUND',
  SecretExpired: 'VAULT.SECRET_EXPIRED',
  CasMismatch: 'VAULT.CAS_MISMATCH',
  ProviderConflict: 'VAULT.PROVIDER_CONFLICT',
  Unsigned: 'VAULT.UNSIGNED',
  BadSignature: 'VAULT.BAD_SIGNATURE',
  StaleRequest: 'VAULT.STALE_REQUEST',
  ReplayedNonce: 'VAULT.REPLAYED_NONCE',
  SessionUnknown: 'VAULT.SESSION_UNKNOWN',
  SessionExpired: 'VAULT.SESSION_EXPIRED',
  SessionRevoked: 'VAULT.SESSION_REVOKED',
  SessionMismatch: 'VAULT.SESSION_MISMATCH',
  BadMac: 'VAULT.BAD_MAC',
  SessionLimit: 'VAULT.SESSION_LIMIT',
  PolicyDenied: 'VAULT.POLICY_DENIED',
  PrincipalExists: 'VAULT.PRINCIPAL_EXISTS',
  PrincipalNotFound: 'VAULT.PRINCIPAL_NOT_FOUND',
  ReadNotRecorded: 'VAULT.READ_NOT_RECORDED',
  DecryptFailed: 'VAULT.DECRYPT_FAILED',
  UnknownKek: 'VAULT.UNKNOWN_KEK',
  UnsealedValue: 'VAULT.UNSEALED_VALUE',
  BadSeal: 'VAULT.BAD_SEAL',
  AutoManagedValue: 'VAULT.AUTO_MANAGED_VALUE',
  GrantExceedsOwn: 'VAULT.GRANT_EXCEEDS_OWN',
  EngineInvalidConfig: 'VAULT.ENGINE_INVALID_CONFIG',
  EngineNotFound: 'VAULT.ENGINE_NOT_FOUND',
  EngineInUse: 'VAULT.ENGINE_IN_USE',
  EngineUnavailable: 'VAULT.ENGINE_UNAVAILABLE',
  EngineCredential: 'VAULT.ENGINE_CREDENTIAL',
  RotationInProgress: 'VAULT.ROTATION_IN_PROGRESS',
  RoleInvalid: 'VAULT.ROLE_INVALID',
  RoleNotFound: 'VAULT.ROLE_NOT_FOUND',
  LeaseNotFound: 'VAULT.LEASE_NOT_FOUND',
  LeaseEnded: 'VAULT.LEASE_ENDED',
  LeaseMaxTtl: 'VAULT.LEASE_MAX_TTL',
  InvalidFields: 'VAULT.INVALID_FIELDS',
  TypeNotFound: 'VAULT.TYPE_NOT_FOUND',
  TypeConflict: 'VAULT.TYPE_CONFLICT',
  SystemType: 'VAULT.SYSTEM_TYPE',
  CredentialInactive: 'VAULT.CREDENTIAL_INACTIVE',
  RotationUnsupported: 'VAULT.ROTATION_UNSUPPORTED',
  TestUnsupported: 'VAULT.TEST_UNSUPPORTED',
  WorkNotFound: 'VAULT.WORK_NOT_FOUND',
  ScopeMismatch: 'VAULT.SCOPE_MISMATCH',
  ResolveConflict: 'VAULT.RESOLVE_CONFLICT',
  ResolveRefused: 'VAULT.RESOLVE_REFUSED',
  HostPortWithAutoCredential: 'DRIVER.HOST_PORT_WITH_AUTO_CREDENTIAL',
  HostPortUnsupported: 'DRIVER.HOST_PORT_UNSUPPORTED',
  PrivilegedRefused: 'DRIVER.PRIVILEGED_REFUSED',
  NetworkModeRefused: 'DRIVER.NETWORK_MODE_REFUSED',
  CapabilitiesRefused: 'DRIVER.CAPABILITIES_REFUSED',
  MountRefused: 'DRIVER.MOUNT_REFUSED',
  CredentialConflict: 'DRIVER.CREDENTIAL_CONFLICT',
  AuthWeakened: 'DRIVER.AUTH_WEAKENED',
  CredentialByEnvRefused: 'DRIVER.CREDENTIAL_BY_ENV_REFUSED',
  ImageNotFound: 'DRIVER.IMAGE_NOT_FOUND',
  SidecarNotReady: 'DRIVER.SIDECAR_NOT_READY',
  SubnetPoolExhausted: 'DRIVER.SUBNET_POOL_EXHAUSTED',
  BusUnsigned: 'BUS.UNSIGNED',
  BusBadSignature: 'BUS.BAD_SIGNATURE',
  BusWrongOrigin: 'BUS.WRONG_ORIGIN',
  BusBadReplyKey: 'BUS.BAD_REPLY_KEY',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The kind of failure, which each edge maps to its own status (HTTP 4xx/5xx, NATS header). */
export type ErrorKind =
  'invalid' | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'throttled' | 'unavailable' | 'internal';

export const ERROR_KINDS: Readonly<Record<ErrorCode, ErrorKind>> = {
  'HEARTH.INVALID_REQUEST': 'invalid',
  'HEARTH.MALFORMED_JSON': 'invalid',
  'HEARTH.INTERNAL': 'internal',
  'HEARTH.UNAVAILABLE': 'unavailable',
  'HEARTH.DATABASE_UNAVAILABLE': 'unavailable',
  'AUTH.UNAUTHENTICATED': 'unauthenticated',
  'AUTH.FORBIDDEN': 'forbidden',
  'STORE.VERSION_CONFLICT': 'conflict',
  'CONSOLE.INVALID_SLUG': 'invalid',
  'CONSOLE.DEPLOYMENT_EXISTS': 'conflict',
  'CONSOLE.DEPLOYMENT_NOT_FOUND': 'not_found',
  'CONSOLE.ILLEGAL_TRANSITION': 'conflict',
  'CONSOLE.TOKEN_EXISTS': 'conflict',
  'CONSOLE.TOKEN_NOT_FOUND': 'not_found',
  'CONSOLE.SECRET_IN_SPEC': 'invalid',
  'CONSOLE.TENANT_EXISTS': 'conflict',
  'CONSOLE.TENANT_NOT_FOUND': 'not_found',
  'CONSOLE.WORKSPACE_NOT_FOUND': 'not_found',
  'CONSOLE.WORKLOAD_NOT_FOUND': 'not_found',
  'CONSOLE.ENGINE_UNKNOWN': 'not_found',
  'CONSOLE.ENGINE_FULL': 'conflict',
  'CONSOLE.CSRF_REFUSED': 'forbidden',
  'CONSOLE.SIGN_IN_THROTTLED': 'throttled',
  'CONSOLE.TOO_MANY_STREAMS': 'throttled',
  'CONSOLE.VAULT_WRITES_UNCONFIGURED': 'unavailable',
  'HEARTH.NOT_FOUND': 'not_found',
  'VAULT.INVALID_PATH': 'invalid',
  'VAULT.INVALID_PATTERN': 'invalid',
  'VAULT.VALUE_TOO_LARGE': 'invalid',
  'VAULT.SECRET_NOT_FOUND': 'not_found',
  'VAULT.SECRET_EXPIRED': 'not_found',
  'VAULT.CAS_MISMATCH': 'conflict',
  'VAULT.PROVIDER_CONFLICT': 'conflict',
  'VAULT.UNSIGNED': 'unauthenticated',
  'VAULT.BAD_SIGNATURE': 'unauthenticated',
  'VAULT.STALE_REQUEST': 'unauthenticated',
  'VAULT.REPLAYED_NONCE': 'unauthenticated',
  'VAULT.SESSION_UNKNOWN': 'unauthenticated',
  'VAULT.SESSION_EXPIRED': 'unauthenticated',
  'VAULT.SESSION_REVOKED': 'unauthenticated',
  'VAULT.SESSION_MISMATCH': 'unauthenticated',
  'VAULT.BAD_MAC': 'unauthenticated',
  'VAULT.SESSION_LIMIT': 'conflict',
  'VAULT.POLICY_DENIED': 'forbidden',
  'VAULT.PRINCIPAL_EXISTS': 'conflict',
  'VAULT.PRINCIPAL_NOT_FOUND': 'not_found',
  'VAULT.READ_NOT_RECORDED': 'unavailable',
  'VAULT.DECRYPT_FAILED': 'internal',
  'VAULT.UNKNOWN_KEK': 'internal',
  'VAULT.UNSEALED_VALUE': 'invalid',
  'VAULT.BAD_SEAL': 'invalid',
  'VAULT.AUTO_MANAGED_VALUE': 'forbidden',
  'VAULT.GRANT_EXCEEDS_OWN': 'forbidden',
  'VAULT.ENGINE_INVALID_CONFIG': 'invalid',
  'VAULT.ENGINE_NOT_FOUND': 'not_found',
  'VAULT.ENGINE_IN_USE': 'conflict',
  'VAULT.ENGINE_UNAVAILABLE': 'unavailable',
  'VAULT.ENGINE_CREDENTIAL': 'forbidden',
  'VAULT.ROTATION_IN_PROGRESS': 'conflict',
  'VAULT.ROLE_INVALID': 'invalid',
  'VAULT.ROLE_NOT_FOUND': 'not_found',
  'VAULT.LEASE_NOT_FOUND': 'not_found',
  'VAULT.LEASE_ENDED': 'conflict',
  'VAULT.LEASE_MAX_TTL': 'conflict',
  'VAULT.INVALID_FIELDS': 'invalid',
  'VAULT.TYPE_NOT_FOUND': 'not_found',
  'VAULT.TYPE_CONFLICT': 'conflict',
  'VAULT.SYSTEM_TYPE': 'conflict',
  'VAULT.CREDENTIAL_INACTIVE': 'forbidden',
  'VAULT.ROTATION_UNSUPPORTED': 'invalid',
  'VAULT.TEST_UNSUPPORTED': 'invalid',
  'VAULT.WORK_NOT_FOUND': 'not_found',
  'VAULT.SCOPE_MISMATCH': 'forbidden',
  'VAULT.RESOLVE_CONFLICT': 'conflict',
  'VAULT.RESOLVE_REFUSED': 'forbidden',
  'DRIVER.HOST_PORT_WITH_AUTO_CREDENTIAL': 'invalid',
  'DRIVER.HOST_PORT_UNSUPPORTED': 'invalid',
  'DRIVER.PRIVILEGED_REFUSED': 'invalid',
  'DRIVER.NETWORK_MODE_REFUSED': 'invalid',
  'DRIVER.CAPABILITIES_REFUSED': 'invalid',
  'DRIVER.MOUNT_REFUSED': 'invalid',
  'DRIVER.CREDENTIAL_CONFLICT': 'invalid',
  'DRIVER.AUTH_WEAKENED': 'invalid',
  'DRIVER.CREDENTIAL_BY_ENV_REFUSED': 'invalid',
  'DRIVER.IMAGE_NOT_FOUND': 'invalid',
  'DRIVER.SIDECAR_NOT_READY': 'unavailable',
  'DRIVER.SUBNET_POOL_EXHAUSTED': 'unavailable',
  'BUS.UNSIGNED': 'unauthenticated',
  'BUS.BAD_SIGNATURE': 'unauthenticated',
  'BUS.WRONG_ORIGIN': 'forbidden',
  'BUS.BAD_REPLY_KEY': 'invalid',
};

/** A failure with a stable code. Messages are for people and never carry secret material. */
export class HearthError extends Error {
  override readonly name = 'HearthError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }

  get kind(): ErrorKind {
    return ERROR_KINDS[this.code];
  }
}

/**
 * A request refused field by field (VAULT.INVALID_FIELDS): each field's name and code travel with the
 * error, never a value. The edges carry `fields` in the error body (HTTP) and a header (NATS).
 */
export class InvalidFieldsError extends HearthError {
  constructor(
    message: string,
    readonly fields: ReadonlyArray<{ field: string; code: string; message: string }>,
  ) {
    super(ErrorCode.InvalidFields, message);
  }
}

export type FieldRefusal = InvalidFieldsError['fields'][number];

/** A header's worth of fields: a NATS header is no place for an unbounded list. */
const FIELDS_HEADER_MAX = 4096;

/**
 * An InvalidFieldsError's fields as one header value (JSON, no line break): as many as fit in 4 KiB,
 * in their order, so a type with many failing fields still names the first ones.
 */
export function fieldsHeaderOf(fields: readonly FieldRefusal[]): string {
  const kept: FieldRefusal[] = [];
  for (const { field, code, message } of fields) {
    if (JSON.stringify([...kept, { field, code, message }]).length > FIELDS_HEADER_MAX) break;
    kept.push({ field, code, message });
  }
  return JSON.stringify(kept);
}

/** The fields a header carried, or none when it is absent or not what fieldsHeaderOf writes. */
export function fieldsOfHeader(value: string | undefined): FieldRefusal[] {
  if (!value) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.filter(isFieldRefusal) : [];
  } catch {
    return [];
  }
}

function isFieldRefusal(item: unknown): item is FieldRefusal {
  if (typeof item !== 'object' || item === null) return false;
  const { field, code, message } = item as Record<string, unknown>;
  return typeof field === 'string' && typeof code === 'string' && typeof message === 'string';
}

/** The body every edge answers a failure with. */
export interface ErrorBody {
  error: { code: string; message: string; fields?: readonly FieldRefusal[] };
}
