/** Where a test's workspace sits in the tenancy tree: its team and org (made if missing). */
export interface WorkspacePlace {
  team?: string;
  org?: string;
}

/**
 * Makes `workspace` in the console's tenancy tree, with its team and org, through the HTTP API as
 * any operator would: a deployment's workspace must exist there. What exists already is kept
 * (CONSOLE.TENANT_EXISTS is not a failure), so tests may share a team and org.
 */
export async function registerWorkspace(
  consoleUrl: string,
  token: string,
  workspace: string,
  place: WorkspacePlace = {},
): Promise<void> {
  const org = place.org ?? 'test-org';
  const team = place.team ?? 'test-team';
  const create = async (path: string, body: Record<string, string>) => {
    const response = await fetch(`${consoleUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status === 201 || response.status === 409) return;
    throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
  };
  await create('/v1/orgs', { slug: org, display_name: org });
  await create('/v1/teams', { slug: team, display_name: team, org });
  await create('/v1/workspaces', { slug: workspace, display_name: workspace, team });
}
