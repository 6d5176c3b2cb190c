import { describe, expect, it } from '@jest/globals';
import type { DeploymentRef } from '@hearth/contracts/web';
import { deploymentsReducer, emptyDeployments } from './store';

const ref = (slug: string, last_status: DeploymentRef['last_status'] = 'requested'): DeploymentRef => ({
  workspace_slug: slug,
  tier: 'dev',
  driver: 'localdocker',
  engine: 'default',
  endpoint: '',
  secrets_vault_path: `vault://hearth/${slug}`,
  created: '2026-01-01T00:00:00.000Z',
  last_status,
});

describe('the deployments reducer', () => {
  const loaded = deploymentsReducer(emptyDeployments, { type: 'loaded', items: [ref('beta'), ref('alpha')] });

  it('applies the changes heard while the list was read on top of it: the list may be older than they are', () => {
    let state = deploymentsReducer(loaded, { type: 'loading' });
    state = deploymentsReducer(state, { type: 'deployment', data: ref('beta', 'ready') });
    state = deploymentsReducer(state, { type: 'deleted', data: { workspace_slug: 'alpha' } });
    state = deploymentsReducer(state, { type: 'deployment', data: ref('gamma') });
    // The list as read before those changes.
    state = deploymentsReducer(state, { type: 'loaded', items: [ref('alpha'), ref('beta')] });
    expect(state.order).toEqual(['beta', 'gamma']);
    expect(state.bySlug.get('beta')?.last_status).toBe('ready');
    expect(state.heardWhileLoading).toBeNull();
  });

  it('orders a loaded list by slug', () => {
    expect(loaded.order).toEqual(['alpha', 'beta']);
    expect(loaded.bySlug.get('beta')?.last_status).toBe('requested');
  });

  it('replaces only the changed ref on a deployment event, keeping the others (and the order) the same objects', () => {
    const next = deploymentsReducer(loaded, { type: 'deployment', data: ref('beta', 'ready') });
    expect(next.bySlug.get('beta')?.last_status).toBe('ready');
    expect(next.bySlug.get('alpha')).toBe(loaded.bySlug.get('alpha'));
    expect(next.order).toBe(loaded.order);
  });

  it('inserts a new deployment in slug order', () => {
    const next = deploymentsReducer(loaded, { type: 'deployment', data: ref('alphabet') });
    expect(next.order).toEqual(['alpha', 'alphabet', 'beta']);
  });

  it('keeps the state itself when an event changes nothing', () => {
    expect(deploymentsReducer(loaded, { type: 'deployment', data: ref('alpha') })).toBe(loaded);
  });

  it('removes a deleted deployment', () => {
    const next = deploymentsReducer(loaded, { type: 'deleted', data: { workspace_slug: 'alpha' } });
    expect(next.order).toEqual(['beta']);
    expect(next.bySlug.has('alpha')).toBe(false);
  });

  it('ignores an event that is not a DeploymentRef, or deletes nothing it does not hold', () => {
    expect(deploymentsReducer(loaded, { type: 'deployment', data: { workspace_slug: 'x' } })).toBe(loaded);
    expect(deploymentsReducer(loaded, { type: 'deleted', data: { workspace_slug: 'gamma' } })).toBe(loaded);
    expect(deploymentsReducer(loaded, { type: 'deleted', data: 'alpha' })).toBe(loaded);
  });
});
