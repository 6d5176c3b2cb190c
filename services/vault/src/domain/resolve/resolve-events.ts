import type { AuditOutcome, EventBody, SecretReadV1, SecretsResolvedV1 } from '@hearth/contracts';
import { refusalOutcome, refusedReadEvent, secretReadEvent } from '../read.js';
import type { NameDecision } from './resolution.js';

/**
 * A resolution as far as it is known when it is recorded: who asked, for which workspace, its team
 * and org as the console answered them (null before it did), under which signed nonce.
 */
export interface ResolveAttempt {
  actor: string;
  workspace: string;
  team: string | null;
  org: string | null;
  nonce: string;
  preview: boolean;
}

/**
 * The record of one resolution: each name decided, where it came from and how it ended (a name that
 * would have resolved in a refused resolution is OK there: the outcome of the whole says nothing left).
 */
export function secretsResolvedEvent(
  attempt: ResolveAttempt,
  decisions: readonly NameDecision[],
  outcome: AuditOutcome,
  reason?: string,
): EventBody<SecretsResolvedV1> {
  return {
    type: 'SecretsResolvedV1',
    data: {
      actor: attempt.actor,
      workspace_slug: attempt.workspace,
      team: attempt.team,
      org: attempt.org,
      request_id: attempt.nonce,
      preview: attempt.preview,
      outcome,
      ...(reason === undefined ? {} : { reason }),
      names: decisions.map((d) => ({
        name: d.name,
        scope: d.candidate?.scope ?? null,
        path: d.candidate?.path ?? null,
        version: d.candidate?.version ?? null,
        outcome: d.outcome === 'resolved' ? 'OK' : refusalOutcome(d.code),
      })),
    },
  };
}

/** What a resolution refused for its names comes to: their common outcome (all EXPIRED, say), else DENIED. */
export function refusedNamesOutcome(refused: readonly NameDecision[]): AuditOutcome {
  const outcomes = new Set(refused.map((d) => (d.outcome === 'refused' ? refusalOutcome(d.code) : 'OK')));
  const [only] = outcomes;
  return outcomes.size === 1 && only !== undefined && only !== 'OK' ? only : 'DENIED';
}

/**
 * The read of each name's credential, pointing at its resolution: OK for a value handed out, the
 * refusal's outcome for a credential that was found and refused. A name no credential offers was
 * read from nowhere, so it has no read, only its line in the resolution's record.
 */
export function resolvedReadEvents(
  attempt: ResolveAttempt,
  decisions: readonly NameDecision[],
  resolveId: string,
): EventBody<SecretReadV1>[] {
  return decisions.flatMap((d) => {
    if (d.candidate === null) return [];
    const read = { actor: attempt.actor, path: d.candidate.path, nonce: attempt.nonce };
    const body =
      d.outcome === 'resolved'
        ? secretReadEvent(read, d.candidate.version, 'OK')
        : refusedReadEvent(read, d.candidate.version, d.code);
    const resolved = { name: d.name, scope: d.candidate.scope, resolve_id: resolveId };
    return [{ ...body, data: { ...body.data, resolved } }];
  });
}
