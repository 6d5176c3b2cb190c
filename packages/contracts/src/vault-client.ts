import { headers, type NatsConnection } from '@nats-io/nats-core';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { callerHeaders, serviceErrorOf, type ClientOptions } from './client.js';
import { CredentialTypeInfo, type CredentialTypeDefinition } from './credential-types.js';
import {
  CredentialDetails,
  CredentialRotation,
  CredentialSubjects,
  CredentialTestResult,
  CredentialWorkList,
  CredentialWorkValues,
  type CredentialWork,
  type CredentialWorkReport,
} from './credentials.js';
import { ErrorCode, HearthError } from './errors.js';
import {
  EngineHealth,
  EngineInfo,
  LeasedPassword,
  LeaseInfo,
  LeaseRenewed,
  LeaseRoleInfo,
  LeasesRevoked,
  LeaseSubjects,
  SealedLease,
  type EngineConfig,
  type LeaseRole,
  type LeaseState,
} from './leases.js';
import { ResolvedSet, type ResolveRequest } from './resolve.js';
import { openSealed, sealToVault, signRequest, type PrincipalKeys } from './vault-crypto.js';
import {
  deriveSessionKeys,
  ephemeralKey,
  openFromSession,
  sessionHeaders,
  SessionOpened,
  type SessionKeys,
} from './vault-session.js';
import {
  PolicyRule,
  SealedSecret,
  SecretMetadata,
  SecretValues,
  SecretVersionInfo,
  SecretWritten,
  VaultSubjects,
  type SecretListRequest,
  type SecretWrite,
  type SecretWriteRequest,
} from './vault.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A secret as the caller reads it: sealed to its key on the wire, opened here. */
export interface OpenedSecret {
  path: string;
  version: number;
  values: SecretValues;
  read_event_id: string;
}

/** A resolution as its caller holds it: the sealed values opened (empty for a preview). */
export type ResolvedCredentials = Omit<ResolvedSet, 'sealed'> & { values: SecretValues };

/** A lease as its caller holds it: the password opened from the sealed reply. */
export interface Lease {
  lease_id: string;
  username: string;
  password: string;
  ttl: number;
  expires_at: string;
  max_expires_at: string;
}

export interface VaultClientOptions extends ClientOptions {
  /** The vault's seal public key (VAULT_SEAL_PUBLIC_KEY), pinned from configuration: writes seal their values to it. */
  vaultSealKey?: string;
  /**
   * Whether requests go in a session (the default): one signed handshake, then each request MACed
   * and each read's value sealed with the session's key. false signs every request with the
   * principal's key and has values sealed to it: for a one-off caller (a CLI command), where a
   * handshake would cost more than it saves.
   */
  sessions?: boolean;
}

/** A session as the client holds it, and when it opens the next one rather than use this one any longer. */
interface ClientSession {
  id: string;
  keys: SessionKeys;
  renewAt: number;
}

/** What a request and its reply were authenticated with, so a sealed value in the reply is opened the same way. */
type Opener = (sealed: string) => Uint8Array;

/** A session is renewed once this share of its life is gone: never used up to the vault's last millisecond. */
const RENEW_AT_SHARE = 0.9;

const VersionsChanged = z.object({ path: z.string(), versions: z.array(z.number()) }).strict();

/**
 * The vault's typed client: signs every request as its principal and opens sealed replies with the
 * principal's key, so a value is readable by this caller only, never by another bus subscriber.
 */
export class VaultClient {
  private readonly timeoutMs: number;
  private session: ClientSession | null = null;
  private opening: Promise<ClientSession> | null = null;
  /** How each claimed work item is opened (its claim's session and nonce), kept no longer than the item. */
  private readonly workOpeners = new WeakMap<CredentialWork, Opener>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly actor: string,
    private readonly keys: PrincipalKeys,
    private readonly options: VaultClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  async read(path: string, version?: number): Promise<OpenedSecret> {
    const { reply, open } = await this.exchange(
      VaultSubjects.read,
      { path, ...(version ? { version } : {}) },
      SealedSecret,
    );
    const opened = open(reply.sealed);
    try {
      const values = SecretValues.parse(JSON.parse(decoder.decode(opened)));
      return { path: reply.path, version: reply.version, values, read_event_id: reply.read_event_id };
    } finally {
      opened.fill(0);
    }
  }

  /**
   * A workspace's credentials as resolved for it (vault.secret.resolve): where each name came from
   * and, unless `preview`, the values opened from the sealed reply. The caller zeroes nothing: values
   * are strings; keep them no longer than the dispatch needs.
   */
  async resolve(request: ResolveRequest): Promise<ResolvedCredentials> {
    const { reply, open } = await this.exchange(VaultSubjects.resolve, request, ResolvedSet);
    const { sealed, ...rest } = reply;
    if (sealed === null) return { ...rest, values: {} };
    const opened = open(sealed);
    try {
      return { ...rest, values: SecretValues.parse(JSON.parse(decoder.decode(opened))) };
    } finally {
      opened.fill(0);
    }
  }

  /** The values leave sealed to the vault's seal key with the path they are for: no subscriber reads them. */
  write(write: SecretWrite): Promise<SecretWritten> {
    const { values, ...fields } = write;
    return this.writeSealed({ ...fields, sealed_values: this.sealForVault(write.path, values) });
  }

  /**
   * A write whose values someone else sealed to the vault's seal key (the web console's browser):
   * forwarded as they are, so this caller never holds them in clear. The vault opens them only for
   * `request.path` (VAULT.BAD_SEAL otherwise).
   */
  writeSealed(request: SecretWriteRequest): Promise<SecretWritten> {
    return this.call(VaultSubjects.write, request, SecretWritten);
  }

  private sealForVault(path: string, values: SecretValues): string {
    const { vaultSealKey } = this.options;
    if (vaultSealKey === undefined) {
      throw new HearthError(
        ErrorCode.UnsealedValue,
        "a write needs the vault's seal public key (VAULT_SEAL_PUBLIC_KEY)",
      );
    }
    const plaintext = encoder.encode(JSON.stringify({ path, values }));
    try {
      return Buffer.from(sealToVault(vaultSealKey, plaintext)).toString('base64');
    } finally {
      plaintext.fill(0);
    }
  }

  list(prefix = '', filters: Omit<SecretListRequest, 'prefix'> = {}): Promise<SecretMetadata[]> {
    return this.call(VaultSubjects.list, { prefix, ...filters }, z.array(SecretMetadata));
  }

  credentialTypes(): Promise<CredentialTypeInfo[]> {
    return this.call(CredentialSubjects.types, {}, z.array(CredentialTypeInfo));
  }

  defineCredentialType(type: CredentialTypeDefinition): Promise<CredentialTypeInfo> {
    return this.call(CredentialSubjects.defineType, type, CredentialTypeInfo);
  }

  credential(path: string): Promise<CredentialDetails> {
    return this.call(CredentialSubjects.get, { path }, CredentialDetails);
  }

  setCredentialActive(path: string, active: boolean): Promise<CredentialDetails> {
    return this.call(CredentialSubjects.status, { path, active }, CredentialDetails);
  }

  testCredential(path: string): Promise<CredentialTestResult> {
    return this.call(CredentialSubjects.test, { path }, CredentialTestResult);
  }

  /** A USER credential rotates to `values` (sealed like a write's); an AUTO_MANAGED one takes none. */
  rotateCredential(path: string, values?: SecretValues): Promise<CredentialRotation> {
    return this.rotateSealed(path, values === undefined ? undefined : this.sealForVault(path, values));
  }

  /** A rotation whose new values someone else sealed to the vault's seal key, forwarded as they are (see writeSealed). */
  rotateSealed(path: string, sealedValues?: string): Promise<CredentialRotation> {
    const sealed = sealedValues === undefined ? {} : { sealed_values: sealedValues };
    return this.call(CredentialSubjects.rotate, { path, ...sealed }, CredentialRotation);
  }

  scheduleRotation(path: string, everyDays: number | null): Promise<CredentialDetails> {
    return this.call(CredentialSubjects.schedule, { path, every_days: everyDays }, CredentialDetails);
  }

  /** The driver's rotation work: what it has to apply or check in its sidecars, values sealed for it (like a read's). */
  async claimCredentialWork(): Promise<CredentialWork[]> {
    const { reply, open } = await this.exchange(CredentialSubjects.workClaim, {}, CredentialWorkList);
    for (const work of reply.work) this.workOpeners.set(work, open);
    return reply.work;
  }

  /**
   * Opens a work item this client claimed, as its claim's reply is opened; the caller zeroes nothing
   * (strings), so it keeps them no longer than it needs.
   */
  openCredentialWork(work: CredentialWork): CredentialWorkValues {
    const open = this.workOpeners.get(work);
    if (!open) throw new HearthError(ErrorCode.BadSeal, 'the work was not claimed by this client');
    const opened = open(work.sealed);
    try {
      const values = CredentialWorkValues.parse(JSON.parse(decoder.decode(opened)));
      if (values.path !== work.path || values.version !== work.version) {
        throw new HearthError(ErrorCode.BadSeal, 'the sealed work is not for this credential');
      }
      return values;
    } finally {
      opened.fill(0);
    }
  }

  reportCredentialWork(report: CredentialWorkReport): Promise<{ path: string; version: number }> {
    return this.call(
      CredentialSubjects.workReport,
      report,
      z.object({ path: z.string(), version: z.number() }).strict(),
    );
  }

  versions(path: string): Promise<SecretVersionInfo[]> {
    return this.call(VaultSubjects.versions, { path }, z.array(SecretVersionInfo));
  }

  delete(path: string, versions: number[]) {
    return this.call(VaultSubjects.delete, { path, versions }, VersionsChanged);
  }

  undelete(path: string, versions: number[]) {
    return this.call(VaultSubjects.undelete, { path, versions }, VersionsChanged);
  }

  destroy(path: string, versions?: number[]) {
    return this.call(VaultSubjects.destroy, { path, ...(versions ? { versions } : {}) }, VersionsChanged);
  }

  /** Ends a principal: its key, rules and sessions (never root's). */
  revokePrincipal(name: string) {
    return this.call(VaultSubjects.principalRevoke, { name }, z.object({ name: z.string() }));
  }

  createPrincipal(name: string, publicKey: string) {
    return this.call(VaultSubjects.principalCreate, { name, public_key: publicKey }, z.object({ name: z.string() }));
  }

  grant(principal: string, rule: z.input<typeof PolicyRule>) {
    return this.call(VaultSubjects.policyGrant, { principal, rule }, z.object({ name: z.string(), rule: PolicyRule }));
  }

  revoke(principal: string, pattern: string) {
    return this.call(
      VaultSubjects.policyRevoke,
      { principal, pattern },
      z.object({ name: z.string(), revoked: z.boolean() }),
    );
  }

  configureEngine(engine: EngineConfig): Promise<EngineInfo> {
    return this.call(LeaseSubjects.engineConfigure, engine, EngineInfo);
  }

  engine(name: string): Promise<EngineInfo> {
    return this.call(LeaseSubjects.engineGet, { name }, EngineInfo);
  }

  engines(): Promise<EngineInfo[]> {
    return this.call(LeaseSubjects.engineList, {}, z.array(EngineInfo));
  }

  engineHealth(name: string): Promise<EngineHealth> {
    return this.call(LeaseSubjects.engineHealth, { name }, EngineHealth);
  }

  /** Refused (VAULT.ENGINE_IN_USE) while leases live, unless `force` takes them off the books. */
  deleteEngine(name: string, force = false): Promise<{ name: string; leases_forced: number }> {
    return this.call(
      LeaseSubjects.engineDelete,
      { name, force },
      z.object({ name: z.string(), leases_forced: z.number() }).strict(),
    );
  }

  rotateRoot(name: string): Promise<EngineInfo> {
    return this.call(LeaseSubjects.engineRotateRoot, { name }, EngineInfo);
  }

  defineRole(role: LeaseRole): Promise<LeaseRoleInfo> {
    return this.call(LeaseSubjects.roleCreate, role, LeaseRoleInfo);
  }

  role(name: string): Promise<LeaseRoleInfo> {
    return this.call(LeaseSubjects.roleGet, { name }, LeaseRoleInfo);
  }

  roles(engine?: string): Promise<LeaseRoleInfo[]> {
    return this.call(LeaseSubjects.roleList, engine === undefined ? {} : { engine }, z.array(LeaseRoleInfo));
  }

  deleteRole(name: string): Promise<{ name: string }> {
    return this.call(LeaseSubjects.roleDelete, { name }, z.object({ name: z.string() }).strict());
  }

  /** A new database user for `role`; the password arrives sealed for this caller (like a read's value) and is opened here. */
  async issueLease(role: string, ttl?: number): Promise<Lease> {
    const { reply, open } = await this.exchange(
      LeaseSubjects.leaseIssue,
      { role, ...(ttl ? { ttl } : {}) },
      SealedLease,
    );
    const opened = open(reply.sealed);
    try {
      const { password } = LeasedPassword.parse(JSON.parse(decoder.decode(opened)));
      const { lease_id, username, ttl, expires_at, max_expires_at } = reply;
      return { lease_id, username, password, ttl, expires_at, max_expires_at };
    } finally {
      opened.fill(0);
    }
  }

  /**
   * Borrows a database user for `work`: issued, handed to it, revoked when it is done. A failed
   * revocation is reported only when the work succeeded (the sweeper revokes the user at its expiry anyway).
   */
  async withLease<T>(role: string, work: (lease: Lease) => Promise<T>, ttl?: number): Promise<T> {
    const lease = await this.issueLease(role, ttl);
    let result: T;
    try {
      result = await work(lease);
    } catch (error) {
      await this.revokeLease(lease.lease_id).catch(() => undefined);
      throw error;
    }
    await this.revokeLease(lease.lease_id);
    return result;
  }

  /** Extends a lease by `ttl` (its role's default), capped at its max TTL; refused (VAULT.LEASE_MAX_TTL) once there. */
  renewLease(leaseId: string, ttl?: number): Promise<LeaseRenewed> {
    return this.call(LeaseSubjects.leaseRenew, { lease_id: leaseId, ...(ttl ? { ttl } : {}) }, LeaseRenewed);
  }

  revokeLease(leaseId: string, options: { force?: boolean } = {}): Promise<LeasesRevoked> {
    return this.call(LeaseSubjects.leaseRevoke, { lease_id: leaseId, force: options.force ?? false }, LeasesRevoked);
  }

  /** Every live lease whose id starts with `prefix` (`db/creds/<role>`, say). */
  revokeLeases(prefix: string, options: { force?: boolean } = {}): Promise<LeasesRevoked> {
    return this.call(LeaseSubjects.leaseRevoke, { prefix, force: options.force ?? false }, LeasesRevoked);
  }

  leases(
    filter: { role?: string; engine?: string; workspace?: string; state?: LeaseState; limit?: number } = {},
  ): Promise<LeaseInfo[]> {
    return this.call(LeaseSubjects.leaseList, filter, z.array(LeaseInfo));
  }

  /**
   * Opens the session now (the first request would otherwise), so that request pays no handshake; a
   * no-op without sessions or with one held that is not due for renewal.
   */
  async openSession(): Promise<void> {
    if (this.options.sessions !== false) await this.currentSession();
  }

  private async call<S extends z.ZodType>(subject: string, body: unknown, reply: S): Promise<z.infer<S>> {
    return (await this.exchange(subject, body, reply)).reply;
  }

  /**
   * One request, in the session (opened or renewed first if need be) or signed on its own, and how to
   * open what its reply seals. A session the vault no longer knows or has ended by time is replaced
   * and the request sent once more; one whose principal or key was revoked is dropped and the error
   * thrown (a new handshake would be refused too).
   */
  private async exchange<S extends z.ZodType>(
    subject: string,
    body: unknown,
    schema: S,
    retried = false,
  ): Promise<{ reply: z.infer<S>; open: Opener }> {
    const bytes = encoder.encode(JSON.stringify(body));
    const session = this.options.sessions === false ? null : await this.currentSession();
    const nonce = randomBytes(16).toString('base64url');
    const auth = session
      ? sessionHeaders(session, subject, bytes, this.actor, Date.now(), nonce)
      : signRequest(subject, bytes, this.actor, this.keys.secretKey, Date.now(), nonce);
    try {
      const reply = await this.send(subject, bytes, auth, schema);
      const open: Opener = session
        ? (sealed) => openFromSession(session.keys.reply, session.id, nonce, Buffer.from(sealed, 'base64'))
        : (sealed) => openSealed(Buffer.from(sealed, 'base64'), this.keys);
      return { reply, open };
    } catch (error) {
      if (!session || !(error instanceof HearthError) || !SESSION_ENDS.has(error.code)) throw error;
      this.endSession(session);
      if (retried || error.code === ErrorCode.SessionRevoked) throw error;
      return this.exchange(subject, body, schema, true);
    }
  }

  private async send<S extends z.ZodType>(
    subject: string,
    bytes: Uint8Array,
    auth: Record<string, string>,
    schema: S,
  ): Promise<z.infer<S>> {
    const h = headers();
    for (const [name, value] of Object.entries(auth)) h.set(name, value);
    callerHeaders(this.options, h);
    const msg = await this.nc.request(subject, bytes, { timeout: this.timeoutMs, headers: h });
    const error = serviceErrorOf(msg.headers);
    if (error) throw error;
    return schema.parse(msg.json());
  }

  /** The session to use now: the one held until it is due for renewal, else one handshake shared by every caller waiting. */
  private currentSession(): Promise<ClientSession> {
    const held = this.session;
    if (held && Date.now() < held.renewAt) return Promise.resolve(held);
    return (this.opening ??= this.handshake().finally(() => {
      this.opening = null;
    }));
  }

  private async handshake(): Promise<ClientSession> {
    const own = ephemeralKey();
    const bytes = encoder.encode(JSON.stringify({ client_key: own.publicKey }));
    const subject = VaultSubjects.sessionOpen;
    const opened = await this.send(
      subject,
      bytes,
      signRequest(subject, bytes, this.actor, this.keys.secretKey),
      SessionOpened,
    );
    const keys = deriveSessionKeys(own.privateKey, opened.vault_key, {
      sessionId: opened.session_id,
      principal: this.actor,
      clientKey: own.publicKey,
      vaultKey: opened.vault_key,
    });
    const now = Date.now();
    const life = Math.max(0, Date.parse(opened.expires_at) - now);
    const session = { id: opened.session_id, keys, renewAt: now + life * RENEW_AT_SHARE };
    this.session = session;
    return session;
  }

  /**
   * Forgets a session; the next request opens another. Its keys are not wiped: requests sent in it may
   * still be waiting for replies they must open, and the keys go with the last of them.
   */
  private endSession(session: ClientSession): void {
    if (this.session === session) this.session = null;
  }
}

/** The answers that end a session: the client opens another (or, once revoked, gives up). */
const SESSION_ENDS: ReadonlySet<string> = new Set([
  ErrorCode.SessionUnknown,
  ErrorCode.SessionExpired,
  ErrorCode.SessionRevoked,
]);
