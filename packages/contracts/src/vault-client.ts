import { headers, type NatsConnection } from '@nats-io/nats-core';
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
}

const VersionsChanged = z.object({ path: z.string(), versions: z.array(z.number()) }).strict();

/**
 * The vault's typed client: signs every request as its principal and opens sealed replies with the
 * principal's key, so a value is readable by this caller only, never by another bus subscriber.
 */
export class VaultClient {
  private readonly timeoutMs: number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly actor: string,
    private readonly keys: PrincipalKeys,
    private readonly options: VaultClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  async read(path: string, version?: number): Promise<OpenedSecret> {
    const reply = await this.call(VaultSubjects.read, { path, ...(version ? { version } : {}) }, SealedSecret);
    const opened = openSealed(Buffer.from(reply.sealed, 'base64'), this.keys);
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
    const reply = await this.call(VaultSubjects.resolve, request, ResolvedSet);
    const { sealed, ...rest } = reply;
    if (sealed === null) return { ...rest, values: {} };
    const opened = openSealed(Buffer.from(sealed, 'base64'), this.keys);
    try {
      return { ...rest, values: SecretValues.parse(JSON.parse(decoder.decode(opened))) };
    } finally {
      opened.fill(0);
    }
  }

  /** The values leave sealed to the vault's seal key with the path they are for: no subscriber reads them. */
  write(write: SecretWrite): Promise<SecretWritten> {
    const { values, ...fields } = write;
    const request: SecretWriteRequest = { ...fields, sealed_values: this.sealForVault(write.path, values) };
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
    const sealed = values === undefined ? {} : { sealed_values: this.sealForVault(path, values) };
    return this.call(CredentialSubjects.rotate, { path, ...sealed }, CredentialRotation);
  }

  scheduleRotation(path: string, everyDays: number | null): Promise<CredentialDetails> {
    return this.call(CredentialSubjects.schedule, { path, every_days: everyDays }, CredentialDetails);
  }

  /** The driver's rotation work: what it has to apply or check in its sidecars, values sealed to its key. */
  async claimCredentialWork(): Promise<CredentialWork[]> {
    return (await this.call(CredentialSubjects.workClaim, {}, CredentialWorkList)).work;
  }

  /** Opens a work item's values; the caller zeroes nothing (strings), so it keeps them no longer than it needs. */
  openCredentialWork(work: CredentialWork): CredentialWorkValues {
    const opened = openSealed(Buffer.from(work.sealed, 'base64'), this.keys);
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

  /** A new database user for `role`; the password arrives sealed to this caller's key and is opened here. */
  async issueLease(role: string, ttl?: number): Promise<Lease> {
    const reply = await this.call(LeaseSubjects.leaseIssue, { role, ...(ttl ? { ttl } : {}) }, SealedLease);
    const opened = openSealed(Buffer.from(reply.sealed, 'base64'), this.keys);
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

  private async call<S extends z.ZodType>(subject: string, body: unknown, reply: S): Promise<z.infer<S>> {
    const bytes = encoder.encode(JSON.stringify(body));
    const h = headers();
    for (const [name, value] of Object.entries(signRequest(subject, bytes, this.actor, this.keys.secretKey)))
      h.set(name, value);
    callerHeaders(this.options, h);
    const msg = await this.nc.request(subject, bytes, { timeout: this.timeoutMs, headers: h });
    const error = serviceErrorOf(msg.headers);
    if (error) throw error;
    return reply.parse(msg.json());
  }
}
