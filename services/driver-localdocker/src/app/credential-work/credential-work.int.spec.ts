import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CredentialWork, CredentialWorkReport } from '@hearth/contracts';
import { docker } from '@hearth/testkit';
import { randomBytes } from 'node:crypto';
import { KNOWN_SIDECARS } from '../../domain/catalog/known-sidecars.js';
import { POSTGRES_IMAGE, startDriverHarness, type DriverHarness } from '../../test/driver-harness.js';
import { waitUntilReady } from '../readiness.js';
import { statementFor } from './credential-work.js';

/** Runs `script` with sh inside a container, `input` on its stdin (so no value is on a command line). */
const execIn = (container: string, script: string, input = '') =>
  docker(['exec', '-i', container, 'sh', '-c', script], input);

const OWN_ADDRESS = `"$(hostname -i | cut -d' ' -f1)"`;

interface Case {
  image: string;
  /** The catalog row's image. */
  row: string;
  /** A login over TCP with the password read from stdin, written apart from the catalog's. */
  login: string;
  /** Prints the password the sidecar's credential file holds. */
  file: string;
}

const CASES: Case[] = [
  {
    image: POSTGRES_IMAGE,
    row: 'postgres',
    login: `read -r PGPASSWORD; export PGPASSWORD; psql -h ${OWN_ADDRESS} -U postgres -d postgres -Atqc 'SELECT 1'`,
    file: 'cat "$POSTGRES_PASSWORD_FILE"',
  },
  {
    image: 'hearth-test/mariadb:10.11',
    row: 'mariadb',
    login: `read -r MYSQL_PWD; export MYSQL_PWD; mariadb -h ${OWN_ADDRESS} -uroot -e 'SELECT 1'`,
    file: 'cat "$MARIADB_ROOT_PASSWORD_FILE"',
  },
  {
    image: 'hearth-test/mysql:10.11',
    row: 'mysql',
    login: `read -r MYSQL_PWD; export MYSQL_PWD; mysql -h ${OWN_ADDRESS} -uroot -e 'SELECT 1'`,
    file: 'cat "$MYSQL_ROOT_PASSWORD_FILE"',
  },
  {
    image: 'hearth-test/rabbitmq:3',
    row: 'rabbitmq',
    login: `read -r pw; printf '%s' "$pw" | rabbitmqctl -q authenticate_user admin`,
    file: `sed -n 's/^default_pass = //p' /etc/rabbitmq/conf.d/90-hearth-credential.conf`,
  },
];

const imageExists = (image: string) =>
  docker(['image', 'inspect', image]).then(
    (r) => r.status === 0,
    () => false,
  );

describe('rotating and checking a sidecar credential on the real engine', () => {
  let h: DriverHarness;
  const present = new Map<string, boolean>();
  beforeAll(async () => {
    h = await startDriverHarness({ readyTimeoutMs: 120_000 });
    for (const c of CASES) present.set(c.image, await imageExists(c.image));
  });
  afterAll(async () => {
    await h?.close();
  });

  const newPassword = () => randomBytes(32).toString('base64url');
  const logsIn = async (container: string, c: Case, password: string) =>
    (await execIn(container, c.login, `${password}\n`)).status === 0;

  /** Provisions the case's sidecar; its container, path and the typed values the vault holds. */
  async function provision(c: Case) {
    const slug = h.newSlug();
    const command = h.provisionCommand(slug, [{ name: c.row, image: c.image }]);
    await h.useCases.commands.handle(command);
    const answers = await h.answersTo(command.id);
    expect(answers.at(-1)?.type).toBe('SidecarsProvisionedV1');
    const path = `hearth/${slug}`;
    return { slug, path, container: `hearth-${slug}-${c.row}`, values: { ...h.vault.secrets.get(path)!.values } };
  }

  /**
   * One sidecar per kind, provisioned by the first case that asks and shared by the kind's cases in
   * order (check on the fresh one, then apply, then converge), with the password it holds now:
   * each case starts from the value the case before it left, as a rotation in production does.
   */
  type Sidecar = Awaited<ReturnType<typeof provision>> & { password: string };
  const sidecars = new Map<string, Promise<Sidecar>>();
  const sidecarOf = (c: Case): Promise<Sidecar> => {
    let sidecar = sidecars.get(c.row);
    if (sidecar === undefined) {
      sidecar = provision(c).then((target) => ({ ...target, password: target.values.password! }));
      sidecars.set(c.row, sidecar);
    }
    return sidecar;
  };
  /** The typed values with the password the sidecar holds now. */
  const currentValues = (s: Sidecar) => ({ ...s.values, password: s.password });

  const work = (
    kind: CredentialWork['kind'],
    target: { slug: string; path: string },
    c: Case,
    version: number,
  ): Omit<CredentialWork, 'id' | 'sealed'> => ({
    kind,
    path: target.path,
    type: KNOWN_SIDECARS.find((r) => r.image === c.row)!.typed.type,
    workspace_slug: target.slug,
    service: `${target.slug}/${c.row}`,
    version,
  });

  async function runQueued(): Promise<CredentialWorkReport[]> {
    const before = h.credentialWork.reports.length;
    await h.useCases.credentialWork.runOnce();
    return h.credentialWork.reports.slice(before);
  }

  /** Restarts the container and waits for the catalog's readiness check, which reads the credential file. */
  async function restartAndWait(container: string, c: Case) {
    await h.docker.getContainer(container).restart();
    const row = KNOWN_SIDECARS.find((r) => r.image === c.row)!;
    await waitUntilReady(
      h.engine,
      container,
      { name: c.row, readiness: row.readiness },
      { timeoutMs: 120_000, pollMs: 200, settleMs: 0 },
    );
  }

  /**
   * Every exec made in the container since `since` (seconds), as the engine recorded it: its
   * exec_create event carries the exec's whole command line (what `docker inspect` of an exec
   * shows, kept here after the engine forgot the exec itself).
   */
  async function execRecords(container: string, since: number): Promise<string[]> {
    const { stdout } = await docker([
      'events',
      '--since',
      String(since),
      '--until',
      String(Math.ceil(Date.now() / 1000) + 1),
      '--filter',
      `container=${container}`,
      '--filter',
      'event=exec_create',
      '--format',
      '{{json .}}',
    ]);
    return stdout.split('\n').filter((line) => line.trim() !== '');
  }

  describe.each(CASES)('$row', (c) => {
    it('checks a login with the current value: ok, or failed when the sidecar refuses it', async () => {
      if (!present.get(c.image)) {
        console.warn(`skipped: image ${c.image} is not on this host`);
        return;
      }
      const target = await sidecarOf(c);
      h.credentialWork.queue(work('check', target, c, 1), { current: currentValues(target), pending: null });
      expect(await runQueued()).toMatchObject([{ outcome: 'ok' }]);

      h.credentialWork.queue(work('check', target, c, 1), {
        current: { ...target.values, password: newPassword() },
        pending: null,
      });
      expect(await runQueued()).toMatchObject([
        { outcome: 'failed', works: 'neither', message: 'the sidecar refused a login with the current value' },
      ]);
    });

    it('applies a new password: the old one no longer logs in, the new one does, the file holds it, a restart comes back ready', async () => {
      if (!present.get(c.image)) return;
      const target = await sidecarOf(c);
      const current = currentValues(target);
      const old = target.password;
      const next = newPassword();
      const since = Math.floor(Date.now() / 1000) - 1;
      h.credentialWork.queue(work('rotate', target, c, 2), { current, pending: { ...current, password: next } });
      const [report] = await runQueued();
      expect(report).toMatchObject({ path: target.path, version: 2, outcome: 'applied', works: 'pending' });
      target.password = next;

      expect(await logsIn(target.container, c, next)).toBe(true);
      expect(await logsIn(target.container, c, old)).toBe(false);
      expect((await execIn(target.container, c.file)).stdout).toBe(next);

      // Neither value in the container's config nor in any exec the engine recorded.
      const execs = await execRecords(target.container, since);
      expect(execs.some((e) => e.includes('hearth-new'))).toBe(true); // the file's rewrite is among them
      for (const record of [JSON.stringify(await h.docker.getContainer(target.container).inspect()), ...execs]) {
        expect(record).not.toContain(next);
        expect(record).not.toContain(old);
      }
      expect(JSON.stringify(h.credentialWork.reports)).not.toContain(next);
      expect(h.logs.join('\n')).not.toContain(next);

      // Applied again (a report that never reached the vault): harmless, the new value still works.
      h.credentialWork.queue(work('rotate', target, c, 2), { current, pending: { ...current, password: next } });
      expect(await runQueued()).toMatchObject([{ outcome: 'applied', works: 'pending' }]);
      expect(await logsIn(target.container, c, next)).toBe(true);

      // The rewritten file is what the image reads on start: a restart comes back ready with it.
      await restartAndWait(target.container, c);
      expect(await logsIn(target.container, c, next)).toBe(true);
    });

    it('converges after a crash between the password change and the file rewrite', async () => {
      if (!present.get(c.image)) return;
      const target = await sidecarOf(c);
      const current = currentValues(target);
      const old = target.password;
      const next = newPassword();
      // The driver's first attempt, up to the failpoint driver.rotation.after-apply: the server has
      // the new password, the file still the old one.
      h.credentialWork.queue(work('rotate', target, c, 3), { current, pending: { ...current, password: next } });
      const row = KNOWN_SIDECARS.find((r) => r.image === c.row)!;
      const [item] = await h.credentialWork.claim();
      const statement = await statementFor(row.rotation!.statement, target.values.username!, next);
      expect(await execIn(target.container, row.rotation!.script, `${old}\n${next}\n${statement}\n`)).toMatchObject({
        status: 0,
      });
      target.password = next;
      expect(await logsIn(target.container, c, next)).toBe(true);
      expect((await execIn(target.container, c.file)).stdout).toBe(old);

      // The vault hands the claimed item out again; this time it goes through. The file is rewritten
      // as the apply's was (the same step, whose restart the case before proved), so no restart here.
      expect(await h.useCases.credentialWork.handle(item!)).toMatchObject({ outcome: 'applied', works: 'pending' });
      expect((await execIn(target.container, c.file)).stdout).toBe(next);
      expect(await logsIn(target.container, c, old)).toBe(false);
      expect(await logsIn(target.container, c, next)).toBe(true);
    });
  });

  it('reports a rotation whose values open no login, naming which value works', async () => {
    const c = CASES[0]!;
    const target = await sidecarOf(c);
    h.credentialWork.queue(work('rotate', target, c, 2), {
      current: { ...target.values, password: newPassword() },
      pending: { ...target.values, password: newPassword() },
    });
    expect(await runQueued()).toMatchObject([
      { outcome: 'failed', works: 'neither', message: 'the sidecar accepts neither the current nor the new value' },
    ]);
    expect(await logsIn(target.container, c, target.password)).toBe(true); // left as it was
  });

  it('reports a sidecar that is not there as failed, without a value', async () => {
    const c = CASES[0]!;
    const slug = h.newSlug();
    h.credentialWork.queue(work('rotate', { slug, path: `hearth/${slug}` }, c, 2), {
      current: { password: newPassword() },
      pending: { password: newPassword() },
    });
    expect(await runQueued()).toEqual([
      expect.objectContaining({
        outcome: 'failed',
        message: `sidecar postgres of ${slug} is not running on this driver`,
      }),
    ]);
  });

  it('reports work whose values do not open as failed, and goes on with the next item', async () => {
    const c = CASES[0]!;
    const target = await sidecarOf(c);
    const unopenable: CredentialWork = {
      ...work('check', target, c, 1),
      id: '00000000-0000-4000-8000-000000000000',
      sealed: Buffer.from('not for this driver').toString('base64'),
    };
    expect(await h.useCases.credentialWork.handle(unopenable)).toMatchObject({
      outcome: 'failed',
      message: 'no such work',
    });
    h.credentialWork.queue(work('check', target, c, 1), { current: currentValues(target), pending: null });
    expect(await runQueued()).toMatchObject([{ outcome: 'ok' }]);
  });
});
