import { describe, expect, it } from '@jest/globals';
import { ErrorCode, HearthError, type ResolvedCredentials } from '@hearth/contracts';
import { VaultResolver } from './vault-resolver.js';

/** The vault's answer as VaultClient.resolve hands it over, opened. */
function answer(values: Record<string, string>, refused: ResolvedCredentials['refused'] = []): ResolvedCredentials {
  return {
    workspace: 'acme',
    team: 'platform',
    org: 'acme-org',
    resolve_event_id: crypto.randomUUID(),
    names: [],
    refused,
    values,
  };
}

function resolverAnswering(reply: ResolvedCredentials, asked: unknown[] = []) {
  return new VaultResolver({
    resolve: (request) => {
      asked.push(request);
      return Promise.resolve(reply);
    },
  });
}

async function refusalOf(promise: Promise<unknown>): Promise<HearthError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HearthError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('the vault as the workloads’ resolver', () => {
  it('asks for the workspace and exactly the names, and hands back their values', async () => {
    const asked: unknown[] = [];
    const values = await resolverAnswering(answer({ A: 'a-value', B: 'b-value' }), asked).resolve('acme', ['A', 'B']);
    expect(asked).toEqual([{ workspace: 'acme', refs: ['A', 'B'] }]);
    expect(values).toEqual(
      new Map([
        ['A', 'a-value'],
        ['B', 'b-value'],
      ]),
    );
  });

  it('refuses the whole set when the vault refused a name, saying which and why but no value', async () => {
    const refused = [
      {
        name: 'B',
        scope: 'team' as const,
        path: 'team/platform/b',
        version: 2,
        code: ErrorCode.SecretExpired,
        reason: 'expired',
      },
    ];
    const error = await refusalOf(resolverAnswering(answer({ A: 'a-value' }, refused)).resolve('acme', ['A', 'B']));
    expect(error.code).toBe(ErrorCode.ResolveRefused);
    expect(error.message).toContain(`B (${ErrorCode.SecretExpired}: expired)`);
    expect(error.message).not.toContain('a-value');
  });

  it('never hands over half a set: a name the reply lacks is refused', async () => {
    const error = await refusalOf(resolverAnswering(answer({ A: 'a-value' })).resolve('acme', ['A', 'B']));
    expect(error.code).toBe(ErrorCode.ResolveRefused);
    expect(error.message).toMatch(/did not resolve B for acme/);
  });
});
