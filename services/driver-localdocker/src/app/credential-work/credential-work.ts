import {
  scramVerifier,
  type CredentialWork,
  type CredentialWorkReport,
  type CredentialWorkValues,
} from '@hearth/contracts';
import type { Logger } from '@hearth/platform/logging';
import { failpoint } from '@hearth/platform/runtime';
import { createHash } from 'node:crypto';
import { recogniseImage } from '../../domain/catalog/image-name.js';
import type { KnownSidecar } from '../../domain/catalog/known-sidecars.js';
import { Labels } from '../../domain/naming.js';
import { credentialFileContent } from '../../domain/plan/deployment-plan.js';
import type { ContainerEngine, CredentialWorkSource, ValueScrubber } from '../ports.js';
import type { WorkspaceResources } from '../workspace-resources.js';

/** How long one exec of rotation or check may run (rabbitmqctl boots an Erlang VM: seconds on a busy host). */
const EXEC_TIMEOUT_MS = 30_000;

/** What a password may hold to travel as one line of stdin and one SQL string literal: printable ASCII, no quote. */
const LINE_SAFE = /^[\x20-\x26\x28-\x7e]+$/;

type Works = NonNullable<CredentialWorkReport['works']>;
type Outcome = Pick<CredentialWorkReport, 'outcome' | 'works' | 'message'>;

export interface CredentialWorkDependencies {
  engine: Pick<ContainerEngine, 'inspectImage' | 'exec'>;
  resources: Pick<WorkspaceResources, 'containersOf'>;
  work: CredentialWorkSource;
  scrubber: ValueScrubber;
  logger: Logger;
}

/** The sidecar a work item is for: its container and its catalog row. */
interface Target {
  containerId: string;
  row: KnownSidecar;
}

/**
 * The driver's side of rotating and testing a sidecar's generated credential. `rotate`: the new
 * value is applied inside the sidecar by exec (values on stdin only), its credential file rewritten
 * so a restart's readiness check uses it, and a login with it checked; `check`: a login with the
 * current value. Every step is idempotent: a driver killed half-way gets the item again and drives
 * the sidecar to the new value from wherever it stopped. Reports name which value logs in, never one.
 */
export class CredentialWorkRunner {
  constructor(private readonly deps: CredentialWorkDependencies) {}

  /** Claims the vault's open work for this driver and does each item; how many there were. */
  async runOnce(): Promise<number> {
    const items = await this.deps.work.claim();
    for (const item of items) await this.handle(item);
    return items.length;
  }

  /** Opens one item, does it and reports; what was reported. */
  async handle(item: CredentialWork): Promise<CredentialWorkReport> {
    const secrets: string[] = [];
    try {
      const outcome = await this.outcomeOf(item, secrets).catch((error: unknown): Outcome => ({
        outcome: 'failed',
        message: this.deps.scrubber.scrub(error instanceof Error ? error.message : String(error)).slice(0, 1024),
      }));
      const report: CredentialWorkReport = { id: item.id, path: item.path, version: item.version, ...outcome };
      this.deps.logger.info(
        {
          work: item.id,
          kind: item.kind,
          path: item.path,
          version: item.version,
          outcome: report.outcome,
          works: report.works,
        },
        'credential work done',
      );
      if (item.kind === 'rotate') failpoint('driver.rotation.before-report');
      await this.deps.work.report(report);
      return report;
    } finally {
      for (const value of secrets) this.deps.scrubber.forget(value);
    }
  }

  /** What doing the item came to; the passwords it opened are added to `secrets` (and the scrubber). */
  private async outcomeOf(item: CredentialWork, secrets: string[]): Promise<Outcome> {
    const values = this.deps.work.open(item);
    for (const value of [values.current.password, values.pending?.password]) {
      if (value === undefined) continue;
      this.deps.scrubber.remember(value);
      secrets.push(value);
    }
    return this.outcomeWith(item, values);
  }

  private async outcomeWith(item: CredentialWork, values: CredentialWorkValues): Promise<Outcome> {
    const target = await this.targetOf(item);
    if (typeof target === 'string') return { outcome: 'failed', message: target };
    const current = values.current.password;
    if (current === undefined) return { outcome: 'failed', message: `${item.path} has no password field` };
    if (item.kind === 'check') {
      return (await this.logsIn(target, current))
        ? { outcome: 'ok', message: 'the sidecar accepts a login with the current value' }
        : { outcome: 'failed', works: 'neither', message: 'the sidecar refused a login with the current value' };
    }
    const pending = values.pending?.password;
    if (pending === undefined) return { outcome: 'failed', message: 'the rotation carries no new password' };
    return this.rotate(target, values.current.username ?? '', current, pending);
  }

  private async rotate(target: Target, username: string, current: string, pending: string): Promise<Outcome> {
    const { row, containerId } = target;
    if (row.rotation === null) {
      return this.failed(target, current, pending, `the driver cannot change the password of ${row.image} sidecars`);
    }
    if (!LINE_SAFE.test(current) || !LINE_SAFE.test(pending)) {
      return this.failed(
        target,
        current,
        pending,
        'a password holds characters the driver cannot pass on (control characters or a quote)',
      );
    }
    const statement = await statementFor(row.rotation.statement, username, pending);
    const applied = await this.deps.engine.exec(
      containerId,
      row.rotation.script,
      EXEC_TIMEOUT_MS,
      Buffer.from(`${current}\n${pending}\n${statement}\n`, 'utf8'),
    );
    if (applied !== 0) {
      const why =
        applied === 3
          ? 'the sidecar accepts neither the current nor the new value'
          : applied === null
            ? 'applying the new value timed out'
            : `applying the new value failed (exit code ${applied})`;
      return this.failed(target, current, pending, why);
    }
    failpoint('driver.rotation.after-apply');
    const rewritten = await this.deps.engine.exec(
      containerId,
      rewriteScript(row),
      EXEC_TIMEOUT_MS,
      Buffer.from(credentialFileContent({ setting: row.credential.config?.setting ?? null }, pending), 'utf8'),
    );
    if (rewritten !== 0) {
      return this.failed(
        target,
        current,
        pending,
        'the sidecar took the new value but its credential file could not be rewritten',
      );
    }
    if (await this.logsIn(target, pending)) {
      return { outcome: 'applied', works: 'pending', message: 'the sidecar accepts a login with the new value' };
    }
    return this.failed(target, current, pending, 'the sidecar refused a login with the new value after applying it');
  }

  /** A failure, with which of the two values (checked both) still logs in. */
  private async failed(target: Target, current: string, pending: string, message: string): Promise<Outcome> {
    const works: Works = (await this.logsIn(target, pending))
      ? 'pending'
      : (await this.logsIn(target, current))
        ? 'current'
        : 'neither';
    return { outcome: 'failed', works, message };
  }

  private async logsIn({ containerId, row }: Target, password: string): Promise<boolean> {
    return (
      (await this.deps.engine.exec(containerId, row.login, EXEC_TIMEOUT_MS, Buffer.from(`${password}\n`, 'utf8'))) === 0
    );
  }

  /** The running container of the item's sidecar and its catalog row, or why there is none. */
  private async targetOf(item: CredentialWork): Promise<Target | string> {
    // The tag names the sidecar as `<slug>/<service>`.
    const service = item.service?.split('/').at(-1);
    if (item.workspace_slug === null || service === undefined) {
      return `${item.path} names no workspace and sidecar`;
    }
    const container = (await this.deps.resources.containersOf(item.workspace_slug)).find(
      (c) => c.labels[Labels.sidecar] === service,
    );
    if (container === undefined || !container.running) {
      return `sidecar ${service} of ${item.workspace_slug} is not running on this driver`;
    }
    const { known } = recogniseImage(container.image, await this.deps.engine.inspectImage(container.image));
    if (known === null) return `sidecar ${service} of ${item.workspace_slug} is no image the catalog knows`;
    return { containerId: container.id, row: known };
  }
}

/** How the server is told the new password: never the password itself where it could log it. */
export async function statementFor(
  kind: 'scram' | 'mysql-native' | 'none',
  username: string,
  pending: string,
): Promise<string> {
  switch (kind) {
    case 'scram':
      return `ALTER ROLE "${username.replaceAll('"', '""')}" PASSWORD '${await scramVerifier(pending)}'`;
    case 'mysql-native': {
      // mysql_native_password's stored form: '*' + SHA1(SHA1(password)) in upper-case hex.
      const sha1 = (data: Buffer | string) => createHash('sha1').update(data).digest();
      const hash = `*${sha1(sha1(pending)).toString('hex').toUpperCase()}`;
      const user = username.replaceAll("'", "''");
      // MariaDB and MySQL up to 8.x both read `WITH … AS` (MariaDB's `VIA … USING` spelled as MySQL does).
      const identified = `IDENTIFIED WITH mysql_native_password AS '${hash}'`;
      return `ALTER USER '${user}'@'%' ${identified}; ALTER USER IF EXISTS '${user}'@'localhost' ${identified};`;
    }
    case 'none':
      return '-';
  }
}

/**
 * Replaces the sidecar's credential file with stdin, atomically (a file beside it, then a rename):
 * a restart reads either the old value or the new one, never half of one. The file is where the
 * row delivers its credential: the config file, or the one `<env>_FILE` names.
 */
function rewriteScript(row: KnownSidecar): string {
  const file = row.credential.config?.file ?? `\${${row.credential.env}_FILE}`;
  return `f="${file}"; [ -n "$f" ] && cat > "$f.hearth-new" && chmod 0444 "$f.hearth-new" && mv -f "$f.hearth-new" "$f"`;
}
