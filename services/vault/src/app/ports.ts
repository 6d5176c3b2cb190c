import type {
  CredentialTypeInfo,
  EngineHealth,
  ParsedCredentialType,
  TestStatus,
  Tester,
  Envelope,
  LeaseState,
  PolicyRule,
  Provider,
  SecretMetadata,
  SecretVersionInfo,
  SslMode,
  VaultEvent,
  WorkspaceScope,
} from '@hearth/contracts';
import type { Transaction } from '@hearth/platform/ports';
import type { Candidate } from '../domain/resolve/resolution.js';
import type { SecretEvent } from '../domain/secret/secret.js';

// What the use cases need of the world, each port as narrow as its users. infra/ implements them;
// compose.ts joins the two.

/** A sealed secret version: the value under its own DEK, the DEK under the KEK named `kekId`. */
export interface SealedVersion {
  kekId: string;
  wrappedDek: Uint8Array;
  dekNonce: Uint8Array;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
  format: string;
}
/** What a version's sealing is bound to: moved to another path or version, it no longer opens. */
export interface VersionRef {
  path: string;
  version: number;
}
export type WrappedKey = Pick<SealedVersion, 'kekId' | 'wrappedDek' | 'dekNonce'>;

/** Envelope encryption: seals a value, opens it, moves its key under the active KEK. */
export interface Cipher {
  /** `format` names what the plaintext is (a version's values unless said), and is bound into the sealing. */
  seal(plaintext: Uint8Array, ref: VersionRef, format?: string): SealedVersion;
  open(sealed: SealedVersion, ref: VersionRef): Uint8Array;
  rewrap(sealed: SealedVersion, ref: VersionRef): WrappedKey;
}

/** A version as the read finds it: what decides whether it may be read, and its sealed value (null once destroyed). */
export interface StoredVersion {
  version: number;
  /** The path's provider: an AUTO_MANAGED value is read only by a principal granted its workspace. */
  provider: Provider;
  deleted: boolean;
  destroyed: boolean;
  expiresAt: Date | null;
  /** The path's active flag: a deactivated credential is not read (VAULT.CREDENTIAL_INACTIVE). */
  active: boolean;
  sealed: SealedVersion | null;
}

/** The read's lookup: the named version of a path, or its current one. */
export interface SecretVersions {
  findForRead(path: string, version: number | undefined): Promise<StoredVersion | null>;
}

/** What a list narrows to besides its prefix; absent, no narrowing. */
export interface SecretFilter {
  type?: string;
  environment?: string;
  active?: boolean;
  /** Only what expires by then (expired ones too): the list's `expiring_within_seconds` from now. */
  expiringBy?: Date;
}

/** A resolution's candidate as the store finds it: its current version's metadata and that version's sealed value. */
export type StoredCandidate = Candidate & { sealed: SealedVersion };

/** What a resolution looks through. */
export interface ResolutionCandidates {
  /**
   * The current version of every credential at or below `scopePaths` (`hearth/web`, `team/platform`,
   * `org/acme`) that can be handed out at all: neither deleted nor destroyed, nor an engine's root.
   */
  candidatesAt(scopePaths: readonly string[]): Promise<StoredCandidate[]>;
}

/**
 * The tenancy tree, as the console keeps it: a workspace's team and org, or null when the console
 * knows no such workspace. HEARTH.UNAVAILABLE when the console does not answer.
 */
export interface TenancyTree {
  scopeOf(workspace: string): Promise<WorkspaceScope | null>;
}

/** Metadata only, never a value. */
export interface SecretCatalog {
  list(prefix: string, filter?: SecretFilter): Promise<SecretMetadata[]>;
  /** One path's metadata, or null; in a transaction, as that transaction sees it. */
  find(path: string, tx?: Transaction): Promise<SecretMetadata | null>;
  versions(path: string, tx?: Transaction): Promise<SecretVersionInfo[]>;
}

/** Custom credential types, versioned (system types live in contracts). */
export interface CredentialTypeStore {
  /** The latest version of a custom type, or null. */
  find(name: string): Promise<{ type: ParsedCredentialType; version: number } | null>;
  /** Every custom type at its latest version. */
  list(): Promise<CredentialTypeInfo[]>;
  /** Keeps `type` as its next version (1 for a new one) and returns that version. */
  define(tx: Transaction, type: ParsedCredentialType, created: { at: string; by: string }): Promise<number>;
}

/**
 * A credential's test: a real connection (or request) with its values, under a timeout. Never throws
 * for the credential's own failure: FAILED or TIMEOUT with a reason a person can act on ("password
 * authentication failed for user app", "connection refused at 127.0.0.1:5432"), from which each of
 * `secrets` is scrubbed whatever the client library's error said.
 */
export interface CredentialTesters {
  test(
    tester: Tester,
    values: Readonly<Record<string, string>>,
    secrets: readonly string[],
    timeoutMs: number,
  ): Promise<{ status: TestStatus; message: string }>;
}

/**
 * Tests of AUTO_MANAGED sidecar credentials, whose host only the sidecar's private network reaches:
 * a `check` work item for the driver that made the credential, answered when the driver reports (or
 * TIMEOUT when it does not within `timeoutMs`). The message is the driver's reason, never a value.
 */
export interface SidecarChecks {
  check(path: string, version: number, timeoutMs: number): Promise<{ status: TestStatus; message: string }>;
}

/** What a write or a version change leaves beside its events, in their transaction. */
export interface SecretRecords {
  insertVersion(
    tx: Transaction,
    ref: VersionRef,
    sealed: SealedVersion,
    created: { at: string; by: string },
  ): Promise<void>;
  /** Keeps the secrets and their versions in step with the events (the inline projection). */
  project(tx: Transaction, events: readonly SecretEvent[]): Promise<void>;
  /** A rotation's new value, sealed aside (bound to the path and `version`) until it is promoted or abandoned. */
  keepPending(tx: Transaction, ref: VersionRef, sealed: SealedVersion): Promise<void>;
}

/**
 * A key another KEK than the active one wraps: a version's, or a rotation's pending value (`pending`,
 * bound to the path and the pending version), which must open after the old KEK is retired too.
 */
export type StaleKey = VersionRef & { sealed: SealedVersion; pending: boolean };

/** Keys another KEK than the active one wraps, for the resumable rewrap. */
export interface StaleKeys {
  /** Up to `limit` of them, locked; those another transaction holds are passed over. */
  lock(tx: Transaction, activeKek: string, limit: number): Promise<StaleKey[]>;
  replace(tx: Transaction, stale: StaleKey, key: WrappedKey): Promise<void>;
  /** How many are left, locked or not. */
  count(activeKek: string): Promise<number>;
}

/** Request nonces seen inside the freshness window, each principal's its own: one cannot burn another's. */
export interface Nonces {
  /** Keeps `principal`'s `nonce` in the transaction; false when it was kept before (the request is a replay). */
  remember(tx: Transaction, principal: string, nonce: string): Promise<boolean>;
  /** Forgets nonces older than that: a request that old is refused as stale anyway. */
  sweep(olderThanSeconds: number): Promise<number>;
}

/**
 * The commit of a read: its nonce, its event and the event's HATCH message, all or nothing, before
 * any value leaves; reads arriving together may share one commit. Settles only once the commit
 * holding this read's event has ended. False when the nonce was kept before, by an earlier request or
 * an earlier read of the same commit (nothing is recorded for this read then).
 */
export interface ReadRecorder {
  record(principal: string, nonce: string, event: VaultEvent): Promise<boolean>;
}

/** Vault events in the store and on their way to HATCH. */
export interface AuditedEvents {
  /** Appends a fact as a stream of its own, and queues it for HATCH. */
  append(tx: Transaction, event: VaultEvent): Promise<void>;
  /** `append`, unless an event with its id exists: replays of one refused request wait for each other and record it once. */
  appendOnce(tx: Transaction, event: VaultEvent): Promise<void>;
  /** Queues events already appended (by a command) for HATCH. */
  queueForHatch(tx: Transaction, events: readonly Envelope[]): Promise<void>;
}

/** A principal: the key its requests are signed with, and its rules. */
export interface Principal {
  name: string;
  publicKey: string;
  rules: PolicyRule[];
}

/** A session as kept: who opened it with which key, its keys sealed like a value, and when it ends. */
export interface SessionRecord {
  id: string;
  principal: string;
  principalKey: string;
  sealed: SealedVersion;
  expiresAt: Date;
}

export interface SessionRecords {
  /** Drops the principal's ended sessions and counts its live ones, in the transaction that opens another: its other handshakes wait for that one. */
  live(tx: Transaction, principal: string, now: Date): Promise<number>;
  insert(tx: Transaction, session: SessionRecord): Promise<void>;
  /** A request's session, on a process that has not seen it yet. */
  find(id: string): Promise<SessionRecord | null>;
}

/** Every request looks its signer up. */
export interface PrincipalDirectory {
  find(name: string): Promise<Principal | null>;
  /**
   * As the table holds it now, past what this process holds (and kept from then on): a grant made
   * through another vault may not have been heard here yet.
   */
  findCurrent(name: string): Promise<Principal | null>;
  /** After this process committed a change: stop trusting what it holds. */
  forget(): void;
}

export interface PrincipalRegistry {
  /** Refused with VAULT.PRINCIPAL_EXISTS when the name is taken. */
  create(tx: Transaction, name: string, publicKey: string): Promise<void>;
  /** Sets a principal's key, creating it if needed (the principals pinned by configuration). */
  upsert(tx: Transaction, name: string, publicKey: string): Promise<void>;
  /** Refused with VAULT.PRINCIPAL_NOT_FOUND for a principal that does not exist. */
  grant(tx: Transaction, name: string, rule: PolicyRule): Promise<void>;
  /** Whether a rule was there to revoke. */
  revoke(tx: Transaction, name: string, pattern: string): Promise<boolean>;
  /** The principal, its rules and its sessions gone; refused with VAULT.PRINCIPAL_NOT_FOUND when there is none. */
  remove(tx: Transaction, name: string): Promise<void>;
}

/** Where a use case reports a failure operators must see (pino's logger is one). */
export interface FailureLog {
  error(fields: Record<string, unknown>, message: string): void;
}

/** How the vault logs in to an engine's database: where it is, and the root credential it keeps for it. */
export interface EngineConnection {
  engine: string;
  host: string;
  port: number;
  database: string;
  sslmode: SslMode;
  username: string;
  password: string;
}

/** An engine's connection with its root credential as the vault holds it now (each such read recorded). */
export type ConnectionOf = (engine: string) => Promise<EngineConnection>;

/**
 * A role's statement templates as a lease runs them (`{{name}}`, `{{password}}`, `{{expiration}}`);
 * an empty list means the built-in statements.
 */
export interface LeaseStatements {
  creation: readonly string[];
  renew: readonly string[];
  revocation: readonly string[];
  rollback: readonly string[];
}

/** A leased user as its statements see it: the password only as its SCRAM-SHA-256 verifier. */
export interface LeasedUser {
  username: string;
  verifier: string;
  expiresAt: Date;
}

/**
 * The Postgres servers engines mint users on. Role DDL runs one call at a time per engine (Postgres
 * fails concurrent role DDL); a call (re)connects with the engine's credentials when it must. A failure
 * is a HearthError whose message names what failed, never a password or verifier: VAULT.ENGINE_UNAVAILABLE
 * when the server cannot be reached or refuses the root login, VAULT.ROLE_INVALID when a statement fails.
 */
export interface TargetDatabases {
  /** A test connection with `connection` (configure, health): each step, and a reason a person can act on. */
  probe(connection: EngineConnection): Promise<Omit<EngineHealth, 'name' | 'checked_at'>>;
  /**
   * The statements with sample values, in a transaction that is rolled back: creation (which must make
   * the user), renew, rollback and revocation, as a lease runs them. VAULT.ROLE_INVALID names the first
   * that fails (`creation_statements[1]`) with Postgres's reason.
   */
  validate(engine: string, statements: LeaseStatements): Promise<void>;
  /** The creation statements in one transaction; if they fail, the rollback statements. */
  createUser(engine: string, user: LeasedUser, statements: LeaseStatements): Promise<void>;
  renewUser(engine: string, user: Omit<LeasedUser, 'verifier'>, statements: LeaseStatements): Promise<void>;
  /**
   * Revokes completely — no new login, sessions terminated, objects reassigned to the engine's admin,
   * what it still owns or was granted dropped, the role dropped — then checks the role is gone.
   * Revoking a user that does not exist succeeds.
   */
  dropUser(engine: string, username: string, revocation: readonly string[]): Promise<void>;
  userExists(engine: string, username: string): Promise<boolean>;
  /** Sets the engine admin's password by its verifier (root rotation). */
  setRootVerifier(engine: string, verifier: string): Promise<void>;
  /**
   * Whether `connection` logs in (root rotation's test login): false when the server refuses the
   * login; a server that cannot be reached is VAULT.ENGINE_UNAVAILABLE, not an answer.
   */
  canLogin(connection: EngineConnection): Promise<boolean>;
  /** Drops the engine's connection: its configuration or root credential changed, or it was deleted. */
  forget(engine: string): Promise<void>;
  /** Calls waiting in the engine's DDL queue. */
  queueDepth(engine: string): number;
  close(): Promise<void>;
}

/** An engine as the vault keeps it: where its database is, and which version of its root credential Postgres accepts. */
export interface StoredEngine {
  name: string;
  host: string;
  port: number;
  database: string;
  sslmode: SslMode;
  rootPath: string;
  workspace: string | null;
  rotationDays: number | null;
  rootVersion: number;
  /** A root rotation in flight: its new value sealed aside (never a secret version yet), and how far it got. */
  rotation: { step: 'pending' | 'applied'; sealed: SealedVersion } | null;
  lastRotatedAt: Date | null;
  updatedAt: Date;
}

export interface StoredRole {
  name: string;
  engine: string;
  statements: LeaseStatements;
  defaultTtl: number;
  maxTtl: number;
  usernameTemplate: string;
  updatedAt: Date;
}

/** A lease: its user, its times, and the revocation it was issued with (a role replaced later strands nobody). */
export interface StoredLease {
  leaseId: string;
  role: string;
  engine: string;
  workspace: string | null;
  username: string;
  state: LeaseState;
  revocation: readonly string[];
  issuedBy: string;
  issuedAt: Date;
  expiresAt: Date;
  maxExpiresAt: Date;
  revokedAt: Date | null;
  attempts: number;
  /** The sweeper leaves the lease alone until then (a retry's backoff, or another sweeper's claim). */
  nextAttemptAt: Date | null;
  lastError: string | null;
}

export type LeaseChange = Partial<
  Pick<StoredLease, 'state' | 'expiresAt' | 'revokedAt' | 'attempts' | 'nextAttemptAt' | 'lastError'>
>;

export interface LeaseFilter {
  role?: string;
  engine?: string;
  workspace?: string;
  state?: LeaseState;
  /** Lease ids starting so. */
  prefix?: string;
  limit: number;
}

/** How a read in a transaction locks its row: for update (the default), or shared. */
export type RowLock = 'update' | 'share';

export interface EngineStore {
  /**
   * In a transaction: the row locked until it ends — for update, or shared, which lets many issuers
   * read it at once while a replacement or a deletion waits for them.
   */
  find(name: string, tx?: Transaction, lock?: RowLock): Promise<StoredEngine | null>;
  list(): Promise<StoredEngine[]>;
  /** Creates or replaces. */
  save(tx: Transaction, engine: StoredEngine): Promise<void>;
  /** The engine and its roles (its leases stay, on the record). */
  delete(tx: Transaction, name: string): Promise<void>;
}

export interface RoleStore {
  find(name: string, tx?: Transaction, lock?: RowLock): Promise<StoredRole | null>;
  list(engine?: string): Promise<StoredRole[]>;
  /** Creates or replaces; true when it created. */
  save(tx: Transaction, role: StoredRole): Promise<boolean>;
  delete(tx: Transaction, name: string): Promise<boolean>;
}

export interface LeaseStore {
  insert(tx: Transaction, lease: StoredLease): Promise<void>;
  /** In a transaction: the row locked until it ends. */
  find(leaseId: string, tx?: Transaction): Promise<StoredLease | null>;
  /** Newest first; in a transaction, read on its connection (without locking). */
  list(filter: LeaseFilter, tx?: Transaction): Promise<StoredLease[]>;
  update(tx: Transaction, leaseId: string, change: LeaseChange): Promise<void>;
  /**
   * Claims up to `limit` leases of `engine` due for revocation at `now` — active past their expiry, or
   * still `creating` from before `creatingBefore` (a crash between intent and CREATE ROLE) — whose next
   * attempt is due, by moving their next attempt to `claimUntil` in one statement: two sweepers never
   * take the same lease, and no transaction stays open while the engine's database is asked.
   */
  claimDue(engine: string, now: Date, creatingBefore: Date, claimUntil: Date, limit: number): Promise<StoredLease[]>;
  /** Engines with a lease due (as claimDue counts it). */
  enginesDue(now: Date, creatingBefore: Date): Promise<string[]>;
  /** Leases not yet ended (creating or active) of an engine or a role. */
  liveCount(of: { engine: string } | { role: string }, tx?: Transaction): Promise<number>;
  /** For the gauges: live leases per role, active ones past their expiry, irrevocable ones. */
  stats(now: Date): Promise<{ liveByRole: Map<string, number>; expiredUnrevoked: number; irrevocable: number }>;
}

/**
 * Passwords the vault makes — leased users', and an engine's root at rotation — and the only form
 * of one a target database is sent: its SCRAM-SHA-256 verifier (so no statement log ever holds a
 * password). infra/target-postgres makes both.
 */
export interface Passwords {
  generate(): string;
  /** Its SCRAM-SHA-256 verifier (CPU-bound: run outside any engine's DDL queue). */
  verifierOf(password: string): Promise<string>;
}

/** What the driver is asked to do in a sidecar: make a rotation's pending value its own, or check a login. */
export type WorkKind = 'rotate' | 'check';
export type WorkOutcome = 'applied' | 'ok' | 'failed' | 'timeout';

/** A credential_work row: for the principal that generated the credential (`claimant`), open until reported. */
export interface StoredWork {
  id: string;
  kind: WorkKind;
  path: string;
  /** rotate: the pending version; check: the version tested. */
  version: number;
  claimant: string;
  doneAt: Date | null;
  outcome: WorkOutcome | null;
  message: string | null;
}

/** A credential as a rotation starts from it: its current version's metadata, who wrote it, and its sealed value. */
export interface RotationSubject {
  path: string;
  provider: Provider;
  type: string;
  environment: string;
  tags: Record<string, string>;
  description: string | null;
  expiresAt: Date | null;
  currentVersion: number;
  pendingVersion: number | null;
  /** The principal that wrote the current version: for an AUTO_MANAGED credential, the driver that made it. */
  createdBy: string;
  sealed: SealedVersion | null;
  /** The pending value of the rotation in flight (bound to pendingVersion), or null. */
  pending: SealedVersion | null;
}

/** A claimed work item with what its claimant needs to seal to it. */
export interface ClaimedWork extends StoredWork {
  type: string;
  tags: Record<string, string>;
  /** The version `current` is, and its sealed value (null once destroyed). */
  current: { version: number; sealed: SealedVersion | null };
  /** rotate: the pending value, sealed aside; null when the rotation is no longer pending. */
  pending: SealedVersion | null;
}

/** The driver's work queue: credential_work, beside the secrets it is about. */
export interface CredentialWorkStore {
  /** The credential at `path`, or null (in a transaction: its row locked until it ends). */
  subject(path: string, tx?: Transaction): Promise<RotationSubject | null>;
  insert(
    tx: Transaction,
    work: Pick<StoredWork, 'id' | 'kind' | 'path' | 'version' | 'claimant'>,
    at: Date,
  ): Promise<void>;
  /** The id of an open check of `path` at `version`, if one waits for its driver. */
  openCheck(tx: Transaction, path: string, version: number): Promise<string | null>;
  /**
   * Closes `claimant`'s rotate work whose rotation is no longer pending (abandoned by a new write), then
   * claims up to `limit` of its open work never claimed or claimed before `staleBefore` — rows another
   * transaction holds are passed over — marking each claimed at `now`.
   */
  claim(tx: Transaction, claimant: string, now: Date, staleBefore: Date, limit: number): Promise<ClaimedWork[]>;
  /** A work row, locked until the transaction ends. */
  find(tx: Transaction, id: string): Promise<StoredWork | null>;
  /** Records the report; the waiting SidecarChecks caller (in any vault process) learns of it at commit. */
  close(tx: Transaction, id: string, outcome: WorkOutcome, message: string, at: Date): Promise<void>;
  /** The report of a work item once it is closed, or null on `timeoutMs` without one. */
  waitFor(id: string, timeoutMs: number): Promise<{ outcome: WorkOutcome; message: string } | null>;
  /** AUTO_MANAGED credentials whose next rotation is due at `now` and none pending, locked (others' passed over), each one's next time moved a period on. */
  claimDue(tx: Transaction, now: Date, limit: number): Promise<string[]>;
}
