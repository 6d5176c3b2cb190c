import {
  ErrorCode,
  HearthError,
  OrgCreatedV1,
  TeamCreatedV1,
  WorkspaceCreatedV1,
  type EventBody,
  type Org,
  type OrgCreateRequest,
  type Team,
  type TeamCreateRequest,
  type TenancyEvent,
  type Workspace,
  type WorkspaceCreateRequest,
} from '@hearth/contracts';
import type { Decider } from '@hearth/platform/ports';
import { z } from 'zod';

// ── Events ───────────────────────────────────────────────────────────────────────────────────────
// Their schemas are in contracts (console/events.ts): one stream a tenant, created once, never changed.

export type TenancyEventBody = EventBody<TenancyEvent>;

const body = { type: true, data: true } as const;
const TenancyEventBody = z.discriminatedUnion('type', [
  OrgCreatedV1.pick(body),
  TeamCreatedV1.pick(body),
  WorkspaceCreatedV1.pick(body),
]);

/** A stored tenancy event, checked against its schema (a V2 would be upcast here). */
export function upcastTenancyEvent(stored: { type: string; data: unknown }): TenancyEventBody {
  const event = TenancyEventBody.safeParse({ type: stored.type, data: stored.data });
  if (!event.success) throw new Error(`not a tenancy event this console reads: ${stored.type}`);
  return event.data;
}

// ── Commands ─────────────────────────────────────────────────────────────────────────────────────
// A tenant's parent is looked up before deciding and passed in: tenants are never removed, so what
// was found stays true while the command commits.

export type TenancyCommand =
  | { type: 'CreateOrg'; request: OrgCreateRequest; now: string }
  | { type: 'CreateTeam'; request: TeamCreateRequest; orgExists: boolean; now: string }
  /** `teamOrg`: the org of the team the workspace joins, null when there is no such team. */
  | { type: 'CreateWorkspace'; request: WorkspaceCreateRequest; teamOrg: string | null; now: string };

// ── State ────────────────────────────────────────────────────────────────────────────────────────

export type TenantKind = 'org' | 'team' | 'workspace';

export type Tenant =
  { kind: 'org'; org: Org } | { kind: 'team'; team: Team } | { kind: 'workspace'; workspace: Workspace };

export type TenantState = { status: 'absent' } | { status: 'created'; tenant: Tenant };

export const initialState: TenantState = { status: 'absent' };

export function evolve(_: TenantState, event: TenancyEventBody): TenantState {
  return { status: 'created', tenant: tenantOf(event) };
}

/** The tenant a creation event describes, as the API and the projection show it. */
export function tenantOf(event: TenancyEventBody): Tenant {
  switch (event.type) {
    case 'OrgCreatedV1': {
      const { created_at, ...org } = event.data;
      return { kind: 'org', org: { ...org, created: created_at } };
    }
    case 'TeamCreatedV1': {
      const { created_at, ...team } = event.data;
      return { kind: 'team', team: { ...team, created: created_at } };
    }
    case 'WorkspaceCreatedV1': {
      const { created_at, ...workspace } = event.data;
      return { kind: 'workspace', workspace: { ...workspace, created: created_at } };
    }
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function slugOfTenant(tenant: Tenant): string {
  switch (tenant.kind) {
    case 'org':
      return tenant.org.slug;
    case 'team':
      return tenant.team.slug;
    case 'workspace':
      return tenant.workspace.slug;
    default: {
      const unknown: never = tenant;
      return unknown;
    }
  }
}

// ── Decisions ────────────────────────────────────────────────────────────────────────────────────

export function decide(command: TenancyCommand, state: TenantState): TenancyEventBody[] {
  const kind = kindOf(command);
  const { slug, display_name } = command.request;
  if (state.status !== 'absent') throw new HearthError(ErrorCode.TenantExists, `${kind} ${slug} already exists`);
  switch (command.type) {
    case 'CreateOrg':
      return [{ type: 'OrgCreatedV1', data: { slug, display_name, created_at: command.now } }];
    case 'CreateTeam': {
      const { org } = command.request;
      if (!command.orgExists) throw new HearthError(ErrorCode.TenantNotFound, `no org ${org}`);
      return [{ type: 'TeamCreatedV1', data: { slug, display_name, org, created_at: command.now } }];
    }
    case 'CreateWorkspace': {
      const { team } = command.request;
      if (command.teamOrg === null) throw new HearthError(ErrorCode.TenantNotFound, `no team ${team}`);
      return [
        {
          type: 'WorkspaceCreatedV1',
          data: { slug, display_name, team, org: command.teamOrg, created_at: command.now },
        },
      ];
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

export function kindOf(command: TenancyCommand): TenantKind {
  switch (command.type) {
    case 'CreateOrg':
      return 'org';
    case 'CreateTeam':
      return 'team';
    case 'CreateWorkspace':
      return 'workspace';
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

export const tenancyDecider: Decider<TenancyCommand, TenancyEventBody, TenantState> = {
  decide,
  evolve,
  initialState,
};

/** `org-<slug>`, `team-<slug>`, `workspace-<slug>`: a slug is taken once, by its stream's first event. */
export function tenantStreamOf(kind: TenantKind, slug: string): string {
  return `${kind}-${slug}`;
}
