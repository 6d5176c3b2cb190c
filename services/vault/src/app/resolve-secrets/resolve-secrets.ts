import {
  ErrorCode,
  HearthError,
  parseRequest,
  ResolveRequest,
  scopeOfPath,
  scopePath,
  scopesOf,
  type RefusedName,
  type ResolvedName,
  type ResolvedSet,
  type SecretValues,
  type VaultEvent,
  type WorkspaceScope,
} from '@hearth/contracts';
import type { Clock, UnitOfWork } from '@hearth/platform/ports';
import type { z } from 'zod';
import { accessDenied } from '../../domain/access.js';
import { resolveNames, type NameDecision, type Refused, type Resolved } from '../../domain/resolve/resolution.js';
import {
  refusedNamesOutcome,
  resolvedReadEvents,
  secretsResolvedEvent,
  type ResolveAttempt,
} from '../../domain/resolve/resolve-events.js';
import { NonceSeen, type Admission, type AdmissionRule } from '../admission/admission.js';
import type { Caller, SignedRequest } from '../admission/caller-identity.js';
import type { Refusal, RefusalRecord } from '../admission/refusals.js';
import type { AuditTrail } from '../audit-trail.js';
import { describeFailure } from '../failure-cause.js';
import { openVersion } from '../credentials/rotation-versions.js';
import type {
  AuditedEvents,
  Cipher,
  FailureLog,
  Nonces,
  ResolutionCandidates,
  SealedVersion,
  TenancyTree,
} from '../ports.js';

type Request = z.output<typeof ResolveRequest>;

/**
 * A resolution refused once its workspace was known: besides the answer, what its record says
 * (the workspace's place, if the console gave it; every name decided; the refused ones, each read).
 */
class RefusedResolution extends HearthError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly attempt: ResolveAttempt,
    readonly decisions: readonly NameDecision[] = [],
  ) {
    super(code, message);
  }
}

/**
 * How a refused resolution is recorded. Refused by what it found: a SecretsResolvedV1 with every name
 * and a SecretReadV1 for each credential refused, pointing at it. Refused at the gate (denied on the
 * workspace, stale, a replay): a SecretsResolvedV1 DENIED naming nothing, or AccessDeniedV1 when the
 * request never got as far as naming a workspace (malformed, stale before its body was read).
 */
function recordOfRefusal(preview: boolean) {
  return ({ actor, nonce, capability, path, answer, cause, id }: Refusal): RefusalRecord => {
    if (cause instanceof RefusedResolution && cause === answer) {
      const refused = cause.decisions.filter((d) => d.outcome === 'refused');
      const outcome = refused.length > 0 ? refusedNamesOutcome(refused) : 'DENIED';
      return [
        secretsResolvedEvent(cause.attempt, cause.decisions, outcome, answer.code),
        ...resolvedReadEvents(cause.attempt, refused, id),
      ];
    }
    const scope = scopeOfPath(path);
    if (scope?.kind !== 'workspace') return accessDenied({ actor, capability, path }, answer.code);
    const attempt = { actor, workspace: scope.slug, team: null, org: null, nonce, preview };
    return secretsResolvedEvent(attempt, [], 'DENIED', answer.code);
  };
}

/** A dispatch needs `resolve` on the workspace; a preview, which hands nothing out, `list`. */
function ruleOf(preview: boolean): AdmissionRule<Request> {
  return {
    capability: preview ? 'list' : 'resolve',
    parse: (payload) => parseRequest(ResolveRequest, payload),
    path: (request) => scopePath({ kind: 'workspace', slug: request.workspace }),
    refusalEvent: recordOfRefusal(preview),
  };
}
const dispatch = ruleOf(false);
const preview = ruleOf(true);

/**
 * The rule is picked by a look at the raw body, before it is validated: `preview` is a strict boolean
 * in the contract, so a body that parses is a preview exactly when this look says so.
 */
const isPreview = (payload: unknown) =>
  typeof payload === 'object' && payload !== null && (payload as { preview?: unknown }).preview === true;

/**
 * vault.secret.resolve: admitted on the workspace → its team and org from the console (never the
 * caller's word) → the credentials of its three scopes → resolveNames decides each name → unless a
 * preview, every name resolved or none: each winner's decided version opened, then its reads, the
 * resolution and the nonce committed in one transaction, and only then the values sealed to the caller.
 */
export class ResolveSecrets {
  constructor(
    private readonly admission: Pick<Admission, 'runKeepingNonce'>,
    private readonly tenancy: TenancyTree,
    private readonly candidates: ResolutionCandidates,
    private readonly cipher: Pick<Cipher, 'open'>,
    private readonly unitOfWork: UnitOfWork,
    private readonly nonces: Pick<Nonces, 'remember'>,
    private readonly events: Pick<AuditedEvents, 'append'>,
    private readonly audit: Pick<AuditTrail, 'envelopeOf'>,
    private readonly log: FailureLog,
    private readonly clock: Clock,
  ) {}

  run(signed: SignedRequest): Promise<ResolvedSet> {
    return this.admission.runKeepingNonce(signed, isPreview(signed.payload) ? preview : dispatch, (caller, request) =>
      this.resolve(caller, request),
    );
  }

  private async resolve(caller: Caller, request: Request): Promise<ResolvedSet> {
    const { workspace } = request;
    const tree = await this.tenancy.scopeOf(workspace);
    const attempt: ResolveAttempt = {
      actor: caller.principal.name,
      workspace,
      team: tree?.team ?? null,
      org: tree?.org ?? null,
      nonce: caller.nonce,
      preview: request.preview,
    };
    if (tree === null) {
      throw new RefusedResolution(ErrorCode.WorkspaceNotFound, `the console knows no workspace ${workspace}`, attempt);
    }
    if ((request.team ?? tree.team) !== tree.team || (request.org ?? tree.org) !== tree.org) {
      throw new RefusedResolution(
        ErrorCode.ScopeMismatch,
        `${workspace} is not in the team and org the request states`,
        attempt,
      );
    }
    const candidates = await this.candidates.candidatesAt(scopesOf(tree).map(scopePath));
    const decisions = resolveNames({
      candidates,
      ...(request.refs === undefined ? {} : { refs: request.refs }),
      caller: { name: caller.principal.name, rules: caller.principal.rules },
      now: this.clock.now(),
      preview: request.preview,
    });
    if (request.preview) return this.preview(attempt, tree, decisions);
    const refused = decisions.filter((d): d is Refused => d.outcome === 'refused');
    if (refused.length > 0) {
      throw new RefusedResolution(ErrorCode.ResolveRefused, refusalMessage(refused), attempt, decisions);
    }
    const resolved = decisions.filter((d): d is Resolved => d.outcome === 'resolved');
    const sealed = new Map(candidates.map((c) => [c.path, c.sealed]));
    return this.handOut(caller, attempt, tree, resolved, sealed);
  }

  /** Names, scopes and versions, no value and so no read: one SecretsResolvedV1 with the nonce. */
  private async preview(
    attempt: ResolveAttempt,
    tree: WorkspaceScope,
    decisions: readonly NameDecision[],
  ): Promise<ResolvedSet> {
    const resolution = this.audit.envelopeOf(secretsResolvedEvent(attempt, decisions, 'OK'), attempt.actor);
    await this.commit(attempt, [resolution]);
    return {
      ...tree,
      resolve_event_id: resolution.id,
      names: decisions.flatMap((d) => (d.outcome === 'resolved' ? [resolvedName(d, null)] : [])),
      refused: decisions.flatMap((d) => (d.outcome === 'refused' ? [refusedName(d)] : [])),
      sealed: null,
    };
  }

  private async handOut(
    caller: Caller,
    attempt: ResolveAttempt,
    tree: WorkspaceScope,
    decisions: readonly Resolved[],
    sealed: ReadonlyMap<string, SealedVersion>,
  ): Promise<ResolvedSet> {
    const values = this.open(decisions, sealed);
    const resolution = this.audit.envelopeOf(secretsResolvedEvent(attempt, decisions, 'OK'), attempt.actor);
    const reads = resolvedReadEvents(attempt, decisions, resolution.id).map((read) =>
      this.audit.envelopeOf(read, attempt.actor),
    );
    await this.commit(attempt, [...reads, resolution]);
    // JS strings cannot be zeroed; the one buffer of them all together can, once sealed.
    const plaintext = Buffer.from(JSON.stringify(values), 'utf8');
    try {
      const box = caller.seal(plaintext);
      return {
        ...tree,
        resolve_event_id: resolution.id,
        names: decisions.map((d, i) => resolvedName(d, reads[i]!.id)),
        refused: [],
        sealed: Buffer.from(box).toString('base64'),
      };
    } finally {
      plaintext.fill(0);
    }
  }

  /** Each winner's decided version opened once however many of its values are named: `{NAME: value}`. */
  private open(decisions: readonly Resolved[], sealed: ReadonlyMap<string, SealedVersion>): SecretValues {
    const opened = new Map<string, SecretValues>();
    const values: SecretValues = {};
    for (const { name, candidate, valueName } of decisions) {
      const { path, version } = candidate;
      let versionValues = opened.get(path);
      if (versionValues === undefined) {
        versionValues = openVersion(this.cipher, sealed.get(path)!, { path, version });
        opened.set(path, versionValues);
      }
      const value = versionValues[valueName];
      if (value === undefined) throw new HearthError(ErrorCode.Internal, `${path} v${version} holds no ${valueName}`);
      values[name] = value;
    }
    return values;
  }

  /**
   * The commit point: the events and the nonce, all or nothing, before any value leaves. A failure's
   * cause is for operators (a database gone); the caller learns only the code.
   */
  private async commit(attempt: ResolveAttempt, events: readonly VaultEvent[]): Promise<void> {
    let kept: boolean;
    try {
      kept = await this.unitOfWork.run(async (tx) => {
        if (!(await this.nonces.remember(tx, attempt.actor, attempt.nonce))) return false;
        for (const event of events) await this.events.append(tx, event);
        return true;
      });
    } catch (error) {
      this.log.error(
        { cause: describeFailure(error), workspace: attempt.workspace, request_id: attempt.nonce },
        'a resolution could not be recorded; no value was returned',
      );
      throw new HearthError(ErrorCode.ReadNotRecorded, 'the resolution could not be recorded, so no value is returned');
    }
    if (!kept) throw new NonceSeen();
  }
}

function resolvedName({ name, candidate }: Resolved, readEventId: string | null): ResolvedName {
  const { scope, path, version, type } = candidate;
  return { name, scope, path, version, type, read_event_id: readEventId };
}

function refusedName({ name, candidate, code, reason }: Refused): RefusedName {
  return {
    name,
    scope: candidate?.scope ?? null,
    path: candidate?.path ?? null,
    version: candidate?.version ?? null,
    code,
    reason,
  };
}

/** Each refused name with its code and path (names and paths are not secret): `OPENAI_API_KEY (VAULT.SECRET_EXPIRED at hearth/web/openai)`. */
function refusalMessage(refused: readonly Refused[]): string {
  const each = refused.map(
    (d) => `${d.name} (${d.code} ${d.candidate ? `at ${d.candidate.path}` : 'offered nowhere'})`,
  );
  return `not every name resolves, so none is handed out: ${each.join('; ')}`;
}
