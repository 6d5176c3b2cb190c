import { ErrorCode, HearthError, type ConsoleClient, type WorkspaceScope } from '@hearth/contracts';
import type { TenancyTree } from '../../app/ports.js';

/** More workspaces than any vault resolves for within one cache period: past it, the cache starts over. */
const MAX_CACHED = 10_000;

/**
 * The console's tenancy tree, asked over NATS (`console.workspace.scope`, its signed answer only).
 * A workspace's place is remembered for `cacheMs` so a burst of dispatches asks once; an unknown
 * workspace is not remembered, so one made a moment ago resolves at once. A workspace moved to
 * another team is resolved under its old one for at most `cacheMs`.
 */
export class ConsoleTenancy implements TenancyTree {
  private readonly cache = new Map<string, { scope: WorkspaceScope; until: number }>();

  constructor(
    private readonly console: Pick<ConsoleClient, 'getWorkspaceScope'>,
    private readonly cacheMs: number,
    private readonly now: () => number,
  ) {}

  async scopeOf(workspace: string): Promise<WorkspaceScope | null> {
    const now = this.now();
    const cached = this.cache.get(workspace);
    if (cached && cached.until > now) return cached.scope;
    const scope = await this.ask(workspace);
    if (scope === null) {
      this.cache.delete(workspace);
      return null;
    }
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(workspace, { scope, until: now + this.cacheMs });
    return scope;
  }

  /** The console's answer; any failure to get one (no responder, a timeout, a bad signature) is the console unavailable. */
  private async ask(workspace: string): Promise<WorkspaceScope | null> {
    try {
      return await this.console.getWorkspaceScope(workspace);
    } catch (error) {
      if (error instanceof HearthError && error.code === ErrorCode.WorkspaceNotFound) return null;
      const code = error instanceof HearthError ? error.code : 'no answer';
      throw new HearthError(ErrorCode.Unavailable, `the console could not place workspace ${workspace}: ${code}`);
    }
  }
}
