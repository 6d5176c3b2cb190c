import { describe, expect, it } from '@jest/globals';
import { ErrorCode } from '@hearth/contracts';
import { deciderSpec } from '@hearth/testkit';
import {
  evolve,
  initialState,
  tenancyDecider,
  tenantOf,
  upcastTenancyEvent,
  type TenancyEventBody,
} from './tenancy.js';

const now = '2026-12-03T10:00:00.000Z';
const orgCreated: TenancyEventBody = {
  type: 'OrgCreatedV1',
  data: { slug: 'acme', display_name: 'Acme', created_at: now },
};
const teamCreated: TenancyEventBody = {
  type: 'TeamCreatedV1',
  data: { slug: 'platform', display_name: 'Platform', org: 'acme', created_at: now },
};
const workspaceCreated: TenancyEventBody = {
  type: 'WorkspaceCreatedV1',
  data: { slug: 'web', display_name: 'Web', team: 'platform', org: 'acme', created_at: now },
};

const { given } = deciderSpec(tenancyDecider);

describe('an organisation', () => {
  it('is created once', () => {
    const command = { type: 'CreateOrg', request: { slug: 'acme', display_name: 'Acme' }, now } as const;
    given([]).when(command).then([orgCreated]);
    given([orgCreated]).when(command).thenThrows(ErrorCode.TenantExists);
  });
});

describe('a team', () => {
  const request = { slug: 'platform', display_name: 'Platform', org: 'acme' };

  it('is created in an org that exists, once', () => {
    given([]).when({ type: 'CreateTeam', request, orgExists: true, now }).then([teamCreated]);
    given([teamCreated]).when({ type: 'CreateTeam', request, orgExists: true, now }).thenThrows(ErrorCode.TenantExists);
  });

  it('is refused in an org that does not exist', () => {
    given([]).when({ type: 'CreateTeam', request, orgExists: false, now }).thenThrows(ErrorCode.TenantNotFound);
  });
});

describe('a workspace', () => {
  const request = { slug: 'web', display_name: 'Web', team: 'platform' };

  it('is created in a team that exists, taking the team’s org, once', () => {
    given([]).when({ type: 'CreateWorkspace', request, teamOrg: 'acme', now }).then([workspaceCreated]);
    given([workspaceCreated])
      .when({ type: 'CreateWorkspace', request, teamOrg: 'acme', now })
      .thenThrows(ErrorCode.TenantExists);
  });

  it('is refused in a team that does not exist', () => {
    given([]).when({ type: 'CreateWorkspace', request, teamOrg: null, now }).thenThrows(ErrorCode.TenantNotFound);
  });
});

describe('a tenant’s state', () => {
  it('is what its creation event says, as the API shows it', () => {
    expect(evolve(initialState, workspaceCreated)).toEqual({
      status: 'created',
      tenant: {
        kind: 'workspace',
        workspace: { slug: 'web', display_name: 'Web', team: 'platform', org: 'acme', created: now },
      },
    });
    expect(tenantOf(orgCreated)).toEqual({ kind: 'org', org: { slug: 'acme', display_name: 'Acme', created: now } });
    expect(tenantOf(teamCreated)).toEqual({
      kind: 'team',
      team: { slug: 'platform', display_name: 'Platform', org: 'acme', created: now },
    });
  });

  it('is read back only from an event of the tree', () => {
    expect(upcastTenancyEvent(teamCreated)).toEqual(teamCreated);
    expect(() => upcastTenancyEvent({ type: 'DeploymentRequestedV1', data: {} })).toThrow(/not a tenancy event/);
  });
});
