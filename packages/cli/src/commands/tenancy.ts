import {
  OrgCreateRequest,
  parseRequest,
  Slug,
  TeamCreateRequest,
  TeamListQuery,
  WorkspaceCreateRequest,
  WorkspaceListQuery,
  type Org,
  type Team,
  type Workspace,
} from '@hearth/contracts';
import type { Command } from 'commander';
import { z } from 'zod';
import { consoleConnection } from '../config.js';
import { ConsoleApi } from '../console-api.js';
import { print } from '../output.js';
import { formatTable } from '../table.js';

interface CreateOptions {
  name?: string;
  json?: boolean;
}

const api = () => new ConsoleApi(consoleConnection());
/** A slug checked before any request: a malformed one is CONSOLE.INVALID_SLUG, not a 404. */
const slugOf = (slug: string) => parseRequest(z.object({ slug: Slug }), { slug }).slug;

export const orgTable = (orgs: readonly Org[]) =>
  formatTable(
    ['slug', 'name', 'created'],
    orgs.map((o) => [o.slug, o.display_name, o.created]),
  );
export const teamTable = (teams: readonly Team[]) =>
  formatTable(
    ['slug', 'name', 'org', 'created'],
    teams.map((t) => [t.slug, t.display_name, t.org, t.created]),
  );
export const workspaceTable = (workspaces: readonly Workspace[]) =>
  formatTable(
    ['slug', 'name', 'team', 'org', 'created'],
    workspaces.map((w) => [w.slug, w.display_name, w.team, w.org, w.created]),
  );

/**
 * `hearth org|team|workspace …`: the console's tenancy tree. A workspace belongs to one team and a
 * team to one org for their lives; credentials at `org/<org>/…` and `team/<team>/…` reach the
 * workspaces below them. The display name defaults to the slug.
 */
export function registerTenancyCommands(program: Command): void {
  const org = program.command('org').description('organisations: the root of the tenancy tree (the console API)');
  org
    .command('create <slug>')
    .description('create an organisation')
    .option('--name <display name>', 'how people call it (default: the slug)')
    .option('--json', 'print the raw JSON answer')
    .action(async (slug: string, o: CreateOptions) => {
      const request = parseRequest(OrgCreateRequest, { slug, display_name: o.name ?? slug });
      const created = await api().createOrg(request);
      print(o.json, created, () => orgTable([created]));
    });
  org
    .command('list')
    .description('every organisation')
    .option('--json', 'print the raw JSON answer')
    .action(async (o: { json?: boolean }) => {
      const list = await api().listOrgs();
      print(o.json, list, () => orgTable(list.items));
    });
  org
    .command('get <slug>')
    .description('one organisation')
    .option('--json', 'print the raw JSON answer')
    .action(async (slug: string, o: { json?: boolean }) => {
      const wanted = slugOf(slug);
      const found = await api().getOrg(wanted);
      print(o.json, found, () => orgTable([found]));
    });

  const team = program.command('team').description('teams: each in one organisation (the console API)');
  team
    .command('create <slug>')
    .description('create a team in an organisation (a team slug is unique across organisations)')
    .requiredOption('--org <org>', 'the organisation it belongs to')
    .option('--name <display name>', 'how people call it (default: the slug)')
    .option('--json', 'print the raw JSON answer')
    .action(async (slug: string, o: CreateOptions & { org: string }) => {
      const request = parseRequest(TeamCreateRequest, { slug, display_name: o.name ?? slug, org: o.org });
      const created = await api().createTeam(request);
      print(o.json, created, () => teamTable([created]));
    });
  team
    .command('list')
    .description('teams, or those of one organisation')
    .option('--org <org>', 'only this organisation')
    .option('--json', 'print the raw JSON answer')
    .action(async (o: { org?: string; json?: boolean }) => {
      const filter = parseRequest(TeamListQuery, { org: o.org });
      const list = await api().listTeams(filter);
      print(o.json, list, () => teamTable(list.items));
    });
  team
    .command('get <slug>')
    .description('one team')
    .option('--json', 'print the raw JSON answer')
    .action(async (slug: string, o: { json?: boolean }) => {
      const wanted = slugOf(slug);
      const found = await api().getTeam(wanted);
      print(o.json, found, () => teamTable([found]));
    });

  const workspace = program
    .command('workspace')
    .description('workspaces: each in one team; a deployment is for a workspace (the console API)');
  workspace
    .command('create <slug>')
    .description('create a workspace in a team (its org is the team’s)')
    .requiredOption('--team <team>', 'the team it belongs to')
    .option('--name <display name>', 'how people call it (default: the slug)')
    .option('--json', 'print the raw JSON answer')
    .action(async (slug: string, o: CreateOptions & { team: string }) => {
      const request = parseRequest(WorkspaceCreateRequest, { slug, display_name: o.name ?? slug, team: o.team });
      const created = await api().createWorkspace(request);
      print(o.json, created, () => workspaceTable([created]));
    });
  workspace
    .command('list')
    .description('workspaces, or those of one team or organisation')
    .option('--team <team>', 'only this team')
    .option('--org <org>', 'only this organisation')
    .option('--json', 'print the raw JSON answer')
    .action(async (o: { team?: string; org?: string; json?: boolean }) => {
      const filter = parseRequest(WorkspaceListQuery, { team: o.team, org: o.org });
      const list = await api().listWorkspaces(filter);
      print(o.json, list, () => workspaceTable(list.items));
    });
  workspace
    .command('get <slug>')
    .description('one workspace, with its team and org')
    .option('--json', 'print the raw JSON answer')
    .action(async (slug: string, o: { json?: boolean }) => {
      const wanted = slugOf(slug);
      const found = await api().getWorkspace(wanted);
      print(o.json, found, () => workspaceTable([found]));
    });
}
