import {
  DeploymentListQuery,
  DriverName,
  GetDeploymentRequest,
  parseRequest,
  RestartRequest,
  Status,
  Tier,
  type DeploymentHistory,
  type DeploymentRef,
} from '@hearth/contracts';
import type { Command } from 'commander';
import { consoleConnection } from '../config.js';
import { ConsoleApi, type DeploymentListParams } from '../console-api.js';
import { collectNamed, collectRepeated, deploymentRequest, type DeploymentOptions } from '../deployment-spec.js';
import { print } from '../output.js';
import { readSpecFile } from '../spec-file.js';
import { formatTable } from '../table.js';

interface JsonOption {
  json?: boolean;
}

const api = () => new ConsoleApi(consoleConnection());
const slugOf = (slug: string) => parseRequest(GetDeploymentRequest, { slug }).slug;

export function deploymentTable(refs: readonly DeploymentRef[]): string {
  return formatTable(
    ['slug', 'status', 'tier', 'driver', 'engine', 'endpoint', 'secrets', 'created'],
    refs.map((r) => [
      r.workspace_slug,
      r.last_status,
      r.tier,
      r.driver,
      r.engine,
      r.endpoint || '-',
      r.secrets_vault_path,
      r.created,
    ]),
  );
}

/** A driver's reason (it quotes the engine, lines and all) as one readable line. */
const collapsed = (text: string) => text.replace(/\s+/g, ' ').trim();

export function historyTable(history: DeploymentHistory): string {
  return formatTable(
    ['version', 'occurred', 'status', 'command', 'detail'],
    history.entries.map((e) => [
      String(e.version),
      e.occurred_at,
      e.status,
      e.command_id,
      collapsed(e.reason ?? e.endpoint ?? ''),
    ]),
  );
}

/** Why the deployment last failed, from its history; null if it never did. */
export function lastFailureReason(history: DeploymentHistory): string | null {
  const failed = history.entries.findLast((e) => e.status === 'failed');
  return failed?.reason == null ? null : collapsed(failed.reason);
}

/** `hearth deploy …`: workspace deployments, through the console's HTTP API. */
export function registerDeployCommands(program: Command): void {
  const deploy = program.command('deploy').description('workspace deployments (the console API)');

  deploy
    .command('create [slug]')
    .description(
      'request a deployment for a workspace of the tenancy tree; its driver provisions it and the status follows. ' +
        "Workloads get the credentials named by --env-ref (and their sidecars' own) as files in /run/secrets",
    )
    .option(
      '-f, --file <deployment.yaml|json>',
      'the request body (slug, tier, driver, engine, sidecars, workloads); options add to it',
    )
    .option('--tier <tier>', Tier.options.join(' | '))
    .option('--driver <driver>', `${DriverName.options.join(' | ')} (default: localdocker)`)
    .option(
      '--engine <name>',
      'the engine to place it on (a driver instance the console knows); default: the one with the fewest workspaces',
    )
    .option(
      '--sidecar <name=image>',
      'a container to run beside the workspace (repeatable)',
      collectNamed('postgres=postgres:16'),
    )
    .option(
      '--workload <name=image>',
      "a container of the deployment's own work (repeatable)",
      collectNamed('agent=node:24'),
    )
    .option(
      '--command <name=words>',
      "a workload's command, split at spaces (repeatable; arguments with spaces: use -f)",
      collectNamed("agent='sleep infinity'"),
    )
    .option(
      '--env-ref <name=NAME>',
      'a credential a workload gets, resolved from its workspace, team or org (repeatable)',
      collectNamed('agent=OPENAI_API_KEY'),
    )
    .option(
      '--secrets-as-env <name>',
      "also load a workload's credentials into its command's environment (repeatable)",
      collectRepeated,
    )
    .option('--json', 'print the raw JSON answer')
    .action(
      async (slug: string | undefined, o: JsonOption & DeploymentOptions & { file?: string }, command: Command) => {
        // Without a file the tier can come from nowhere else: a usage error, as a missing option is.
        if (o.file === undefined && o.tier === undefined)
          command.error("error: required option '--tier <tier>' not specified");
        const file = o.file === undefined ? {} : await readSpecFile(o.file, 'one deployment');
        // Checked before the console is looked for: a malformed request needs no token.
        const request = deploymentRequest(slug, file, o);
        const ref = await api().createDeployment(request);
        print(o.json, ref, () => deploymentTable([ref]));
      },
    );

  deploy
    .command('restart <slug>')
    .description("start a deployment's workloads again (all, or one), each with its credentials resolved anew")
    .option('--workload <name>', 'only this workload')
    .option('--json', 'print the raw JSON answer')
    .action(async (slug: string, o: JsonOption & { workload?: string }) => {
      const request = parseRequest(RestartRequest, { workload: o.workload });
      const wanted = slugOf(slug);
      const ref = await api().restartDeployment(wanted, request);
      print(o.json, ref, () => deploymentTable([ref]));
    });

  deploy
    .command('get <slug>')
    .description('one deployment: status, endpoint and where its secrets live')
    .option('--json', 'print the raw JSON answer')
    .action(async (slug: string, o: JsonOption) => {
      const console_ = api();
      const ref = await console_.getDeployment(slugOf(slug));
      // The ref has no room for the reason (its shape is fixed); the history has it.
      const reason =
        !o.json && ref.last_status === 'failed'
          ? lastFailureReason(await console_.deploymentHistory(ref.workspace_slug))
          : null;
      print(o.json, ref, () => deploymentTable([ref]) + (reason === null ? '' : `\n\nfailed: ${reason}`));
    });

  deploy
    .command('history <slug>')
    .description(
      'what happened to a deployment, oldest first: each status, its driver command, endpoint or failure reason',
    )
    .option('--json', 'print the raw JSON answer')
    .action(async (slug: string, o: JsonOption) => {
      const history = await api().deploymentHistory(slugOf(slug));
      print(o.json, history, () => historyTable(history));
    });

  deploy
    .command('list')
    .description('deployments by slug, a page at a time')
    .option('--status <status>', Status.options.join(' | '))
    .option('--limit <n>', 'page size, 1-500 (the console defaults to 50)')
    .option('--cursor <slug>', 'where the previous page stopped')
    .option('--json', 'print the raw JSON answer')
    .action(async (o: JsonOption & DeploymentListParams) => {
      const params: DeploymentListParams = { status: o.status, limit: o.limit, cursor: o.cursor };
      parseRequest(DeploymentListQuery, params);
      const list = await api().listDeployments(params);
      print(o.json, list, () => deploymentTable(list.items) + nextPageHint(params, list.next_cursor));
    });

  deploy
    .command('rm <slug>')
    .description('deprovision a deployment (asking twice changes nothing)')
    .option('--json', 'print the raw JSON answer')
    .action(async (slug: string, o: JsonOption) => {
      const ref = await api().deprovisionDeployment(slugOf(slug));
      print(o.json, ref, () => deploymentTable([ref]));
    });

  deploy
    .command('retry <slug>')
    .description('provision a failed deployment again')
    .option('--json', 'print the raw JSON answer')
    .action(async (slug: string, o: JsonOption) => {
      const ref = await api().retryDeployment(slugOf(slug));
      print(o.json, ref, () => deploymentTable([ref]));
    });
}

/** The command for the next page, keeping the filter and page size of this one. */
function nextPageHint(params: DeploymentListParams, cursor: string | null): string {
  if (cursor === null) return '';
  const flags = [
    ...(params.status ? [`--status ${params.status}`] : []),
    ...(params.limit ? [`--limit ${params.limit}`] : []),
    `--cursor ${cursor}`,
  ];
  return `\n\nmore: hearth deploy list ${flags.join(' ')}`;
}
