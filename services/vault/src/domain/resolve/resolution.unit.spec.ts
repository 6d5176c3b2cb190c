import { describe, expect, it } from '@jest/globals';
import { ErrorCode, type PolicyRule, type ScopeKind } from '@hearth/contracts';
import { resolveNames, type Candidate, type NameDecision } from './resolution.js';

const NOW = new Date('2026-12-03T12:00:00Z');
const PATHS: Record<ScopeKind, string> = { workspace: 'hearth/web', team: 'team/platform', org: 'org/acme' };

function at(scope: ScopeKind, segment: string, values: string[], more: Partial<Candidate> = {}): Candidate {
  return {
    path: `${PATHS[scope]}/${segment}`,
    scope,
    type: 'generic',
    valueNames: values,
    tags: {},
    provider: 'USER',
    version: 1,
    active: true,
    expiresAt: null,
    writtenBy: 'operator',
    ...more,
  };
}

const DRIVER_RULES: PolicyRule[] = [
  { pattern: 'hearth/*', capabilities: ['resolve'], effect: 'allow' },
  { pattern: 'team/*', capabilities: ['resolve'], effect: 'allow' },
  { pattern: 'org/*', capabilities: ['resolve'], effect: 'allow' },
];
const denyTeam: PolicyRule = { pattern: 'team/platform/*', capabilities: ['resolve'], effect: 'deny' };

/** What a decision comes to, in one line: `resolved <path>` or `refused <code> <path|->`. */
function summary(decision: NameDecision): string {
  return decision.outcome === 'resolved'
    ? `resolved ${decision.candidate.path}`
    : `refused ${decision.code} ${decision.candidate?.path ?? '-'}`;
}

describe('resolving a workspace’s credentials', () => {
  const cases: Array<{ title: string; candidates: Candidate[]; rules?: PolicyRule[]; expected: string }> = [
    {
      title: 'the same name at org, team and workspace: the workspace’s',
      candidates: [at('org', 'openai', ['KEY']), at('team', 'openai', ['KEY']), at('workspace', 'openai', ['KEY'])],
      expected: 'resolved hearth/web/openai',
    },
    {
      title: 'at org and team only: the team’s',
      candidates: [at('org', 'openai', ['KEY']), at('team', 'openai', ['KEY'])],
      expected: 'resolved team/platform/openai',
    },
    {
      title: 'at org only: the org’s',
      candidates: [at('org', 'openai', ['KEY'])],
      expected: 'resolved org/acme/openai',
    },
    {
      title: 'a deny rule on the team scope, which offers it: refused, not taken from the org',
      candidates: [at('org', 'openai', ['KEY']), at('team', 'openai', ['KEY'])],
      rules: [...DRIVER_RULES, denyTeam],
      expected: `refused ${ErrorCode.PolicyDenied} team/platform/openai`,
    },
    {
      title: 'a deny rule on the team scope, which does not offer it: the org’s',
      candidates: [at('org', 'openai', ['KEY']), at('team', 'github', ['GITHUB_TOKEN'])],
      rules: [...DRIVER_RULES, denyTeam],
      expected: 'resolved org/acme/openai',
    },
    {
      title: 'expired at the narrowest scope: refused, never replaced by a wider one',
      candidates: [
        at('org', 'openai', ['KEY']),
        at('team', 'openai', ['KEY']),
        at('workspace', 'openai', ['KEY'], { expiresAt: new Date('2026-12-01T00:00:00Z') }),
      ],
      expected: `refused ${ErrorCode.SecretExpired} hearth/web/openai`,
    },
    {
      title: 'deactivated at the narrowest scope: refused likewise',
      candidates: [at('org', 'openai', ['KEY']), at('team', 'openai', ['KEY'], { active: false })],
      expected: `refused ${ErrorCode.CredentialInactive} team/platform/openai`,
    },
    {
      title: 'expiring later than now: still handed out',
      candidates: [at('workspace', 'openai', ['KEY'], { expiresAt: new Date('2026-12-04T00:00:00Z') })],
      expected: 'resolved hearth/web/openai',
    },
    {
      title: 'two credentials of the narrowest scope offer it: a conflict, refused',
      candidates: [at('org', 'openai', ['KEY']), at('team', 'a', ['KEY']), at('team', 'b', ['KEY'])],
      expected: `refused ${ErrorCode.ResolveConflict} team/platform/a`,
    },
    {
      title: 'offered nowhere: not found',
      candidates: [at('org', 'github', ['GITHUB_TOKEN'])],
      expected: `refused ${ErrorCode.SecretNotFound} -`,
    },
    {
      title: 'a caller granted no resolve on the org: refused at the org',
      candidates: [at('org', 'openai', ['KEY'])],
      rules: [{ pattern: 'hearth/*', capabilities: ['resolve'], effect: 'allow' }],
      expected: `refused ${ErrorCode.PolicyDenied} org/acme/openai`,
    },
  ];

  it.each(cases)('$title', ({ candidates, rules, expected }) => {
    const [decision] = resolveNames({
      candidates,
      refs: ['KEY'],
      caller: { name: 'driver-localdocker', rules: rules ?? DRIVER_RULES },
      now: NOW,
    });
    expect(summary(decision!)).toBe(expected);
  });

  it('offers every name of every scope, narrowest first, when no refs are given', () => {
    const decisions = resolveNames({
      candidates: [
        at('org', 'shared', ['OPENAI_API_KEY', 'SLACK_TOKEN']),
        at('team', 'openai', ['OPENAI_API_KEY']),
        at('workspace', 'github', ['GITHUB_TOKEN']),
      ],
      caller: { name: 'driver-localdocker', rules: DRIVER_RULES },
      now: NOW,
    });
    expect(decisions.map((d) => [d.name, summary(d)])).toEqual([
      ['GITHUB_TOKEN', 'resolved hearth/web/github'],
      ['OPENAI_API_KEY', 'resolved team/platform/openai'],
      ['SLACK_TOKEN', 'resolved org/acme/shared'],
    ]);
  });

  it('names a typed credential’s fields by its env prefix, or by its last segment', () => {
    const sidecar: Candidate = {
      ...at('workspace', 'x', ['host', 'port', 'username', 'password']),
      path: 'hearth/web',
      type: 'postgres',
      tags: { env_prefix: 'POSTGRES' },
      provider: 'AUTO_MANAGED',
      writtenBy: 'driver-localdocker',
    };
    const warehouse: Candidate = { ...at('org', 'warehouse-db', ['host', 'password']), type: 'postgres' };
    const decisions = resolveNames({
      candidates: [sidecar, warehouse],
      refs: ['POSTGRES_PASSWORD', 'POSTGRES_HOST', 'WAREHOUSE_DB_PASSWORD'],
      caller: { name: 'driver-localdocker', rules: DRIVER_RULES },
      now: NOW,
    });
    expect(decisions.map((d) => (d.outcome === 'resolved' ? `${d.candidate.path}#${d.valueName}` : d.code))).toEqual([
      'hearth/web#password',
      'hearth/web#host',
      'org/acme/warehouse-db#password',
    ]);
  });

  it('hands a generated value to its own driver or a principal granted the workspace, not to an operator of every workspace', () => {
    const generated = {
      ...at('workspace', 'x', ['DB_PASSWORD']),
      path: 'hearth/web',
      provider: 'AUTO_MANAGED' as const,
      writtenBy: 'driver-localdocker',
    };
    const decide = (name: string, rules: PolicyRule[]) =>
      summary(resolveNames({ candidates: [generated], refs: ['DB_PASSWORD'], caller: { name, rules }, now: NOW })[0]!);
    expect(decide('driver-localdocker', DRIVER_RULES)).toBe('resolved hearth/web');
    expect(decide('root', [{ pattern: '*', capabilities: ['resolve'], effect: 'allow' }])).toBe(
      `refused ${ErrorCode.AutoManagedValue} hearth/web`,
    );
    expect(decide('web-agent', [{ pattern: 'hearth/web/*', capabilities: ['resolve'], effect: 'allow' }])).toBe(
      'resolved hearth/web',
    );
  });

  it('previews with list on each path, showing a generated value’s origin without the receiver check; expiry still refuses', () => {
    const generated = {
      ...at('workspace', 'x', ['DB_PASSWORD']),
      path: 'hearth/web',
      provider: 'AUTO_MANAGED' as const,
    };
    const lister: PolicyRule[] = [{ pattern: '*', capabilities: ['list'], effect: 'allow' }];
    const candidates = [generated, at('org', 'openai', ['KEY'], { expiresAt: new Date('2026-12-01T00:00:00Z') })];
    const preview = (rules: PolicyRule[], previewing: boolean) =>
      resolveNames({ candidates, caller: { name: 'ops', rules }, now: NOW, preview: previewing }).map(summary);
    expect(preview(lister, true)).toEqual([
      'resolved hearth/web',
      `refused ${ErrorCode.SecretExpired} org/acme/openai`,
    ]);
    // the same caller dispatching: list grants nothing to hand out
    expect(preview(lister, false)).toEqual([
      `refused ${ErrorCode.PolicyDenied} hearth/web`,
      `refused ${ErrorCode.PolicyDenied} org/acme/openai`,
    ]);
  });
});
