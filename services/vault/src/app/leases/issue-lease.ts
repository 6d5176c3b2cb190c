import {
  credsPath,
  ErrorCode,
  HearthError,
  LeaseIssueRequest,
  parseRequest,
  type SealedLease,
} from '@hearth/contracts';
import type { Clock, UnitOfWork } from '@hearth/platform/ports';
import type { z } from 'zod';
import { leaseIssued } from '../../domain/lease/events.js';
import { issueTimes, LEASE_RANDOM_CHARS, leaseIdOf } from '../../domain/lease/lease.js';
import { renderUsername, USERNAME_RANDOM_CHARS } from '../../domain/lease/templates.js';
import type { Admission, AdmissionRule } from '../admission/admission.js';
import type { Caller, SignedRequest } from '../admission/caller-identity.js';
import type { AuditTrail } from '../audit-trail.js';
import type {
  EngineStore,
  Passwords,
  LeaseStatements,
  LeaseStore,
  RoleStore,
  StoredLease,
  TargetDatabases,
} from '../ports.js';
import { endLease } from './end-lease.js';
import { randomPart } from './random-part.js';

type IssueRequest = z.output<typeof LeaseIssueRequest>;
const issue: AdmissionRule<IssueRequest> = {
  capability: 'read',
  parse: (payload) => parseRequest(LeaseIssueRequest, payload),
  path: ({ role }) => credsPath(role),
};

/** The lease's intent, committed with the request's nonce before any user exists. */
interface Intent {
  lease: StoredLease;
  statements: LeaseStatements;
  /** Seals the password for the caller alone: in its session, bound to this request, or to its key. */
  seal: Caller['seal'];
  nonce: string;
}

/**
 * Issues a lease: its intent (state `creating`, with the revocation it will need) commits with the
 * request's nonce before `CREATE ROLE`, so a crash in between leaves a lease the sweeper finds and a
 * user it removes; then the user is made from the password's SCRAM verifier (the password never
 * leaves the vault but sealed to its caller); then the lease is active and LeaseIssuedV1 recorded.
 */
export class IssueLease {
  constructor(
    private readonly admission: Pick<Admission, 'run'>,
    private readonly unitOfWork: UnitOfWork,
    private readonly roles: Pick<RoleStore, 'find'>,
    private readonly engines: Pick<EngineStore, 'find'>,
    private readonly leases: Pick<LeaseStore, 'insert' | 'find' | 'update'>,
    private readonly target: Pick<TargetDatabases, 'createUser' | 'dropUser'>,
    private readonly passwords: Passwords,
    private readonly audit: Pick<AuditTrail, 'record'>,
    private readonly clock: Clock,
  ) {}

  async run(signed: SignedRequest): Promise<SealedLease> {
    const intent = await this.admission.run(signed, issue, async (tx, caller, { role: name, ttl }) => {
      // Read in the transaction (one pooled connection per request, however many wait), and share-locked:
      // issuers never wait for each other, while a role's replacement or an engine's deletion, which
      // counts live leases, waits for this intent or sees it.
      const role = await this.roles.find(name, tx, 'share');
      if (!role) throw new HearthError(ErrorCode.RoleNotFound, `no role ${name}`);
      const engine = await this.engines.find(role.engine, tx, 'share');
      if (!engine) throw new HearthError(ErrorCode.EngineNotFound, `role ${name}'s engine ${role.engine} is gone`);
      const now = this.clock.now();
      const lease: StoredLease = {
        leaseId: leaseIdOf(name, randomPart(LEASE_RANDOM_CHARS)),
        role: name,
        engine: engine.name,
        workspace: engine.workspace,
        username: renderUsername(role.usernameTemplate, name, randomPart(USERNAME_RANDOM_CHARS), now),
        state: 'creating',
        revocation: role.statements.revocation,
        issuedBy: caller.principal.name,
        issuedAt: now,
        ...issueTimes(now, role, ttl),
        revokedAt: null,
        attempts: 0,
        nextAttemptAt: null,
        lastError: null,
      };
      await this.leases.insert(tx, lease);
      return {
        lease,
        statements: role.statements,
        seal: (plaintext: Uint8Array) => caller.seal(plaintext),
        nonce: caller.nonce,
      };
    });
    const password = this.passwords.generate();
    const verifier = await this.passwords.verifierOf(password);
    await this.createUser(intent, verifier);
    await this.activate(intent);
    // A JS string cannot be zeroed; the bytes sealed can, and are.
    const plaintext = Buffer.from(JSON.stringify({ password }), 'utf8');
    try {
      const { lease } = intent;
      return {
        lease_id: lease.leaseId,
        username: lease.username,
        ttl: Math.round((lease.expiresAt.getTime() - lease.issuedAt.getTime()) / 1000),
        expires_at: lease.expiresAt.toISOString(),
        max_expires_at: lease.maxExpiresAt.toISOString(),
        sealed: Buffer.from(intent.seal(plaintext)).toString('base64'),
      };
    } finally {
      plaintext.fill(0);
    }
  }

  /**
   * A failure the adapter rolled back (a statement refused: nothing was made) puts the lease on the
   * books as revoked; any other (the server gone mid-way: the user may exist) leaves it `creating`
   * for the sweeper. The caller learns the code and what failed, never the password or verifier.
   */
  private async createUser({ lease, statements }: Intent, verifier: string): Promise<void> {
    const user = { username: lease.username, verifier, expiresAt: lease.expiresAt };
    try {
      await this.target.createUser(lease.engine, user, statements);
    } catch (error) {
      const refused = error instanceof HearthError && error.code === ErrorCode.RoleInvalid;
      if (refused) {
        await this.unitOfWork.run((tx) =>
          endLease(tx, this.leases, this.audit, lease.leaseId, {
            state: 'revoked',
            reason: 'rolled_back',
            by: lease.issuedBy,
            at: this.clock.now(),
          }),
        );
      }
      // The adapter's and the engine credentials' errors name what failed, never a secret; anything else is only named.
      if (error instanceof HearthError) throw error;
      throw new HearthError(ErrorCode.EngineUnavailable, `engine ${lease.engine} could not create the user`);
    }
  }

  /**
   * Active, and LeaseIssuedV1 recorded. A revocation may have met the intent while the user was being
   * made, and dropped a user not yet there: the user is dropped again and the caller told it ended.
   */
  private async activate({ lease, nonce }: Intent): Promise<void> {
    const active = await this.unitOfWork.run(async (tx) => {
      const current = await this.leases.find(lease.leaseId, tx);
      if (current?.state !== 'creating') return false;
      await this.leases.update(tx, lease.leaseId, { state: 'active' });
      await this.audit.record(tx, leaseIssued(lease, lease.issuedBy, nonce), lease.issuedBy);
      return true;
    });
    if (!active) {
      await this.target.dropUser(lease.engine, lease.username, lease.revocation);
      throw new HearthError(ErrorCode.LeaseEnded, `${lease.leaseId} was revoked while it was being issued`);
    }
  }
}
