import type { WorkspaceScope } from '@hearth/contracts';
import type { TenancyReader } from '../ports.js';

/**
 * A workspace's team and org, for the vault as it resolves the workspace's credentials: the line is
 * the console's to say, never the caller's. Null for a workspace not in the tree. The bus is the
 * services' own, so there is no operator to authorise.
 */
export class GetWorkspaceScope {
  constructor(private readonly tree: Pick<TenancyReader, 'workspace'>) {}

  async run(workspace: string): Promise<WorkspaceScope | null> {
    const found = await this.tree.workspace(workspace);
    return found === null ? null : { workspace: found.slug, team: found.team, org: found.org };
  }
}
