import type {
  DeploymentList,
  DeploymentListQuery,
  DeploymentRef,
  Envelope,
  ErrorCode,
  Org,
  ParkedMessage,
  Team,
  TeamListQuery,
  TokenSummary,
  VaultClient,
  Workspace,
  WorkspaceListQuery,
} from '@hearth/contracts';
import type { Transaction } from '@hearth/platform/ports';
import type { DeploymentCommand } from '../domain/deployment/deployment.js';
import type { TenancyCommand, Tenant } from '../domain/tenancy/tenancy.js';
import type { OperatorToken } from '../domain/operator/operator.js';
import type { VaultWrite } from '../domain/operator/operator-audit.js';

/** Who asks for a change to a deployment, and in answer to what. */
export interface CommandOrigin {
  actor: string;
  /** The event or request this command answers to. */
  causationId?: string | null;
  /** The flow's id when the command comes off the bus (a driver's event carries it); else the request's. */
  correlationId?: string;
}

/** Deployments as their event streams. */
export interface Deployments {
  /**
   * Decides `command` on the deployment's state and commits its events together with the
   * deployment_refs row and the driver commands they call for; answers the ref as committed (null
   * while there is no deployment). Given a worker's `tx`, the command joins it.
   */
  execute(
    slug: string,
    command: DeploymentCommand,
    origin: CommandOrigin,
    tx?: Transaction,
  ): Promise<DeploymentRef | null>;
  /** The deployment's events as stored, oldest first; none when there is no such deployment. */
  history(slug: string): Promise<Envelope[]>;
}

/** The deployment_refs projection, as discovery and the operators' list read it. */
export interface DeploymentRefReader {
  get(slug: string): Promise<DeploymentRef | null>;
  /** Paged by slug: `cursor` is the last slug of the previous page. */
  list(query: DeploymentListQuery): Promise<DeploymentList>;
}

/** The workspaces each engine holds, as placement counts them. */
export interface EngineLoads {
  /**
   * Holds every other placement back until `tx` ends, then counts per engine the deployments that
   * live there (all not deprovisioned), as committed.
   */
  holdAndCount(tx: Transaction): Promise<Map<string, number>>;
}

/** The deployment_refs projection, as a rebuild replaces it inside one transaction. */
export interface DeploymentRefRebuild {
  /** Makes the projection's writers wait until `tx` ends, while readers go on reading the old rows. */
  holdWriters(tx: Transaction): Promise<void>;
  /** True when some deployment's events are ahead of its row, it has none, or its row names no engine (it predates engines). */
  behindEvents(): Promise<boolean>;
  clear(tx: Transaction): Promise<void>;
  put(tx: Transaction, ref: DeploymentRef, streamVersion: number): Promise<void>;
}

/** The tenancy tree as event streams, one a tenant. */
export interface Tenancy {
  /**
   * Decides `command` on its tenant's stream (new, or refused with CONSOLE.TENANT_EXISTS) and commits
   * the event with its projection row and its audit event; answers the tenant created.
   */
  create(command: TenancyCommand, origin: CommandOrigin): Promise<Tenant>;
}

/** The tenancy projection (orgs, teams, workspaces), as the API, deployments and the vault read it. */
export interface TenancyReader {
  org(slug: string): Promise<Org | null>;
  team(slug: string): Promise<Team | null>;
  workspace(slug: string): Promise<Workspace | null>;
  orgs(): Promise<Org[]>;
  teams(query: TeamListQuery): Promise<Team[]>;
  workspaces(query: WorkspaceListQuery): Promise<Workspace[]>;
}

/** The tenancy projection, as a rebuild replaces it inside one transaction (see DeploymentRefRebuild). */
export interface TenancyRebuild {
  holdWriters(tx: Transaction): Promise<void>;
  /** True when some tenant's stream has no row. */
  behindEvents(): Promise<boolean>;
  clear(tx: Transaction): Promise<void>;
  put(tx: Transaction, tenant: Tenant): Promise<void>;
}

/** Every committed event of the console's store, in global order. */
export interface EventLog {
  /** A page of the events after `after`, for a reader whose writers already wait (see RebuildProjection). */
  readAllCommitted(
    tx: Transaction,
    after: bigint,
    limit: number,
  ): Promise<Array<Envelope & { globalPosition: bigint }>>;
}

/** Operator bearer tokens, kept as SHA-256 hashes only. */
export interface OperatorTokenStore {
  /** Refused with CONSOLE.TOKEN_EXISTS when the name is taken. */
  insert(token: OperatorToken, secret: string, tx?: Transaction): Promise<void>;
  /** Makes `secret` the token named `token.name`, replacing whatever that name held. */
  replace(token: OperatorToken, secret: string): Promise<void>;
  /** Forgets the token named `name`; what it was, or null if there was none. */
  deleteByName(name: string, tx?: Transaction): Promise<OperatorToken | null>;
  findBySecret(secret: string): Promise<OperatorToken | null>;
  findBySha256(hash: Buffer): Promise<OperatorToken | null>;
}

/** A browser session as stored: hashes only, and the token it was opened with. */
export interface StoredSession {
  id: string;
  secretSha256: Buffer;
  csrfSha256: Buffer;
  tokenId: string;
  createdAt: Date;
  lastSeenAt: Date;
}

/** The web console's browser sessions (operator_sessions); a revoked token takes its sessions with it. */
export interface OperatorSessionStore {
  insert(tx: Transaction, session: StoredSession): Promise<void>;
  /** The session with this secret hash and its token as it is now; null when either is gone. */
  findBySecretSha256(hash: Buffer): Promise<{ session: StoredSession; token: OperatorToken } | null>;
  touch(id: string, at: Date): Promise<void>;
  /** Forgets the session; false when it was gone already. */
  delete(id: string, tx?: Transaction): Promise<boolean>;
  /** Forgets every session last seen before `cutoff`. */
  deleteSeenBefore(cutoff: Date): Promise<void>;
}

/** The operator tokens as `GET /v1/tokens` lists them, by name. */
export interface OperatorTokenList {
  list(): Promise<TokenSummary[]>;
}

/** Operators' token and session actions and writes to the vault, as audit events for HATCH in the action's transaction. */
export interface OperatorAudit {
  tokenCreated(tx: Transaction, token: OperatorToken, caller: OperatorToken): Promise<void>;
  tokenRevoked(tx: Transaction, token: OperatorToken, caller: OperatorToken): Promise<void>;
  signedIn(tx: Transaction, caller: OperatorToken): Promise<void>;
  signedOut(tx: Transaction, caller: OperatorToken): Promise<void>;
  signInRefused(tx: Transaction): Promise<void>;
  /** `refusal`: the vault's code when it refused (or gave no answer); null when it did what was asked. */
  vaultWritten(tx: Transaction, write: VaultWrite, refusal: ErrorCode | null, caller: OperatorToken): Promise<void>;
}

/**
 * The vault, as the console's own principal writes to it (VaultClient over NATS, each request signed):
 * values arrive sealed to the vault's seal key and leave so; nothing here answers a value.
 */
export type VaultWriter = Pick<
  VaultClient,
  'testCredential' | 'rotateSealed' | 'writeSealed' | 'renewLease' | 'revokeLease'
>;

/** A message off the bus, as a worker takes it: `id` is its `Nats-Msg-Id`. */
export interface InboundMessage {
  id: string;
  subject: string;
  /** Its sequence in its stream: the order its sender published it in. */
  streamSeq: number;
  body: unknown;
}

/**
 * A durable consumer: each message is acked once `handle` resolves, dropped when `handle` refuses
 * it for good (a HearthError that is no outage), delivered again otherwise.
 */
export interface DurableInbox {
  start(handle: (message: InboundMessage) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/** The ledger that makes a consumer idempotent: a message id is claimed in the transaction it takes effect in. */
export interface ProcessedMessages {
  /** False when `consumer` has taken `messageId` before (a redelivery). */
  claim(tx: Transaction, consumer: string, messageId: string): Promise<boolean>;
}

/** The messages the console's consumers parked (parked_messages), newest first. */
export interface ParkedMessageReader {
  latest(): Promise<ParkedMessage[]>;
}

/** A committed change to a deployment, as live streams pass it on; `lost` when changes may have gone unheard. */
export type DeploymentChange =
  { kind: 'deployment'; ref: DeploymentRef } | { kind: 'deleted'; slug: string } | { kind: 'lost' };

/** Committed changes to deployments, as they happen. */
export interface DeploymentChanges {
  /** Calls `listener` with every change from now on, until the function it answers is called. */
  subscribe(listener: (change: DeploymentChange) => void): () => void;
}
