import {
  enginePath,
  ErrorCode,
  HearthError,
  LeaseRole,
  parseRequest,
  rolePath,
  type LeaseRoleInfo,
  type ParsedLeaseRole,
} from '@hearth/contracts';
import type { Clock } from '@hearth/platform/ports';
import { createHash } from 'node:crypto';
import { checkUsernameTemplate, parseStatements } from '../../domain/lease/templates.js';
import { mayAccess } from '../../domain/policy/policy.js';
import type { Admission, AdmissionRule } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { AuditTrail } from '../audit-trail.js';
import type { EngineStore, LeaseStatements, LeaseStore, RoleStore, TargetDatabases } from '../ports.js';
import { atRole, roleInfo } from './role-info.js';

const define: AdmissionRule<ParsedLeaseRole> = {
  capability: 'write',
  parse: (payload) => parseRequest(LeaseRole, payload),
  path: (role) => rolePath(role.name),
};

/** One SHA-256 of all of a role's statements, kind by kind, as its event names them. */
export function statementsDigest(statements: LeaseStatements): string {
  return createHash('sha256').update(JSON.stringify(statements)).digest('hex');
}

/**
 * Creates or replaces a role on an existing engine whose configuration the caller may write. What its statements and username may hold is
 * checked before anything runs (placeholders, a username that is a plain identifier); then every
 * statement is tried on the engine's database in a transaction that is rolled back, so a role that is
 * saved is one whose statements Postgres accepts.
 */
export class DefineRole {
  constructor(
    private readonly admission: Pick<Admission, 'run'>,
    private readonly engines: Pick<EngineStore, 'find'>,
    private readonly roles: Pick<RoleStore, 'save'>,
    private readonly leases: Pick<LeaseStore, 'liveCount'>,
    private readonly target: Pick<TargetDatabases, 'validate'>,
    private readonly audit: Pick<AuditTrail, 'record'>,
    private readonly clock: Clock,
  ) {}

  run(signed: SignedRequest): Promise<LeaseRoleInfo> {
    return this.admission.run(signed, define, async (tx, caller, request) => {
      // A role's statements run as the engine's admin (at once, to validate them): defining one is as
      // much power over the engine as configuring it, so it takes that capability too.
      if (!mayAccess(caller.principal.rules, enginePath(request.engine), 'write')) {
        throw new HearthError(
          ErrorCode.PolicyDenied,
          `${caller.principal.name} may not write ${enginePath(request.engine)}, which a role on it needs: its statements run as the engine's admin`,
        );
      }
      // Held until the role is saved: the engine is neither deleted nor moved under it meanwhile.
      const engine = await this.engines.find(request.engine, tx);
      if (!engine) throw new HearthError(ErrorCode.EngineNotFound, `no engine ${request.engine}`);
      const statements: LeaseStatements = {
        creation: request.creation_statements,
        renew: request.renew_statements,
        revocation: request.revocation_statements,
        rollback: request.rollback_statements,
      };
      for (const kind of ['creation', 'renew', 'revocation', 'rollback'] as const)
        parseStatements(kind, statements[kind]);
      checkUsernameTemplate(request.username_template, request.name);
      await this.target.validate(engine.name, statements);
      const role = {
        name: request.name,
        engine: engine.name,
        statements,
        defaultTtl: request.default_ttl,
        maxTtl: request.max_ttl,
        usernameTemplate: request.username_template,
        updatedAt: this.clock.now(),
      };
      const created = await this.roles.save(tx, role);
      const actor = caller.principal.name;
      await this.audit.record(
        tx,
        {
          type: 'LeaseRoleDefinedV1',
          data: {
            ...atRole(role.name, engine, actor),
            statements_sha256: statementsDigest(statements),
            default_ttl: role.defaultTtl,
            max_ttl: role.maxTtl,
            username_template: role.usernameTemplate,
            created,
          },
        },
        actor,
      );
      return roleInfo(role, await this.leases.liveCount({ role: role.name }, tx));
    });
  }
}
