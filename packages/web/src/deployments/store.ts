import { DeploymentRef, Slug } from '@hearth/contracts/web';

/**
 * The deployments list as the page holds it: refs by slug (a Map, so one SSE change replaces one entry
 * and leaves every other ref the same object — the memoised rows of the others do not re-render) and
 * the slugs in order. Pure, so the SSE handling is tested without a browser.
 */
export interface DeploymentsState {
  bySlug: ReadonlyMap<string, DeploymentRef>;
  order: readonly string[];
  /**
   * The changes heard while the list is being read (null when it is not): the list read may be older
   * than they are, so they are applied again on top of it once it arrives.
   */
  heardWhileLoading: readonly LiveChange[] | null;
}

type LiveChange = { type: 'deployment'; data: unknown } | { type: 'deleted'; data: unknown };

export type DeploymentsAction = { type: 'loading' } | { type: 'loaded'; items: readonly DeploymentRef[] } | LiveChange;

export const emptyDeployments: DeploymentsState = { bySlug: new Map(), order: [], heardWhileLoading: null };

const Deleted = DeploymentRef.pick({ workspace_slug: true }).extend({ workspace_slug: Slug });

export function deploymentsReducer(state: DeploymentsState, action: DeploymentsAction): DeploymentsState {
  switch (action.type) {
    case 'loading':
      return { ...state, heardWhileLoading: [] };
    case 'loaded': {
      const bySlug = new Map<string, DeploymentRef>();
      for (const item of action.items) bySlug.set(item.workspace_slug, item);
      const loaded: DeploymentsState = { bySlug, order: [...bySlug.keys()].sort(), heardWhileLoading: null };
      return (state.heardWhileLoading ?? []).reduce(applyChange, loaded);
    }
    case 'deployment':
    case 'deleted': {
      const next = applyChange(state, action);
      return state.heardWhileLoading === null
        ? next
        : { ...next, heardWhileLoading: [...state.heardWhileLoading, action] };
    }
  }
}

function applyChange(state: DeploymentsState, change: LiveChange): DeploymentsState {
  switch (change.type) {
    case 'deployment': {
      const parsed = DeploymentRef.safeParse(change.data);
      if (!parsed.success) return state;
      const ref = parsed.data;
      const current = state.bySlug.get(ref.workspace_slug);
      if (current && sameRef(current, ref)) return state;
      const bySlug = new Map(state.bySlug);
      bySlug.set(ref.workspace_slug, ref);
      return { ...state, bySlug, order: current ? state.order : insertSorted(state.order, ref.workspace_slug) };
    }
    case 'deleted': {
      const parsed = Deleted.safeParse(change.data);
      if (!parsed.success || !state.bySlug.has(parsed.data.workspace_slug)) return state;
      const bySlug = new Map(state.bySlug);
      bySlug.delete(parsed.data.workspace_slug);
      return { ...state, bySlug, order: state.order.filter((slug) => slug !== parsed.data.workspace_slug) };
    }
  }
}

function sameRef(a: DeploymentRef, b: DeploymentRef): boolean {
  return (Object.keys(a) as (keyof DeploymentRef)[]).every((key) => a[key] === b[key]);
}

function insertSorted(order: readonly string[], slug: string): string[] {
  let low = 0;
  let high = order.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (order[mid]! < slug) low = mid + 1;
    else high = mid;
  }
  return [...order.slice(0, low), slug, ...order.slice(low)];
}
