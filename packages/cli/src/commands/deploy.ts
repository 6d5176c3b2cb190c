import {
  DeploymentListQuery,
  DeploymentRequest,
  DriverName,
  GetDeploymentRequest,
  parseRequest,
  Status,
  Tier,
  type DeploymentHistory,
  type DeploymentRef,
  type SidecarSpec,
} from '@hearth/contracts';
import { InvalidArgumentError, type Command } from 'commander';
import { consoleConnection } from '../config.js';
import { ConsoleApi, type DeploymentListParams } from '../console-api.js';
import { print } from '../output.js';
import { formatTable } from '../table.js';

interface JsonOption {
  json?: boolean;
}

const api = () => new ConsoleApi(consoleConnection());
const slugOf = (slug: string) => parseRequest(GetDeploymentRequest, { slug }).slug;

/** `--sidecar postgres=postgres:16`, repeatable; the contract checks the name and image afterwards. */
function collectSidecar(text: string, previous: SidecarSpec[] = []): SidecarSpec[] {
  const at = text.indexOf('=');
  if (at <= 0 || at === text.length - 1) {
    throw new InvalidArgumentError('expected name=image, e.g. postgres=postgres:16');
  }
  return [...previous, { name: text.slice(0, at), image: text.slice(at + 1) }];
}

export function deploymentTable(refs: readonly DeploymentRef[]): string {
  return formatTable(
    ['slug', 'status', 'tier', 'driver', 'endpoint', 'secrets', 'created'],
    refs.map((r) => [
      r.workspace_slug,
      r.last_status,
      r.tier,
      r.driver,
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
    .command('create <slug>')
    .description('request a deployment; its driver provisions it and the status follows')
    .requiredOption('--tier <tier>', Tier.options.join(' | '))
    .option('--driver <driver>', DriverName.options.join(' | '), 'localdocker')
    .option('--sidecar <name=image>', 'a container to run beside the workspace (repeatable)', collectSidecar)
    .option('--json', 'print the raw JSON answer')
    .action(async (slug: string, o: JsonOption & { tier: string; driver: string; sidecar?: SidecarSpec[] }) => {
      const request = parseRequest(DeploymentRequest, {
        slug,
        tier: o.tier,
        driver: o.driver,
        sidecars: o.sidecar ?? [],
      });
      const ref = await api().createDeployment(request);
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
