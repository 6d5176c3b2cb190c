import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './nats-server.js';

const run = promisify(execFile);
const BIN = process.env.HEARTH_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A throwaway Postgres server of a test's own, where passwords are really checked. */
export interface PostgresCluster {
  host: '127.0.0.1';
  port: number;
  /** Its superuser, who logs in with `password` (SCRAM-SHA-256, over TCP and the socket alike). */
  user: 'postgres';
  password: string;
  /** A client of its `postgres` database over TCP, not yet connected: as its superuser unless `login` says. */
  client(login?: ClusterLogin): pg.Client;
  /** Whether `user` logs in with `password` (over TCP, the password really checked). */
  logsIn(user: string, password: string): Promise<boolean>;
  /** Every statement the server ran (log_statement=all): what a password must never appear in. */
  serverLog(): string;
  /** Stops the server (its sessions cut, as in an outage), keeping its data, port and log. */
  pause(): Promise<void>;
  /** Starts it again where it was, after `pause()`. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export interface ClusterLogin {
  user: string;
  password: string;
}

/**
 * Starts a Postgres cluster of its own: Debian's initdb and pg_ctl, `-A scram-sha-256`, a free port on
 * 127.0.0.1, its own socket directory, every statement logged. The machine's own Postgres trusts
 * loopback and so proves nothing about passwords. Run as root, the server runs as the `postgres` user
 * (Postgres refuses root). `stop()` removes everything.
 */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-pg-'));
  const asRoot = userInfo().uid === 0;
  const owner = asRoot ? await postgresUser() : undefined;
  const as = (command: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(BIN, command), ...args]) : run(join(BIN, command), args);
  const password = randomBytes(24).toString('base64url');
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  writeFileSync(join(dir, 'pwfile'), `${password}\n`);
  chmodSync(dir, 0o700);
  if (owner) {
    for (const path of [dir, join(dir, 'pwfile')]) chownSync(path, owner.uid, owner.gid);
  }
  const port = await freePort();
  const options = [
    `-p ${port}`,
    '-h 127.0.0.1',
    `-k ${dir}`,
    '-c log_statement=all',
    '-c fsync=off',
    '-c max_connections=200',
  ].join(' ');
  const start = () => as('pg_ctl', ['-D', data, '-l', log, '-o', options, '-w', 'start']);
  try {
    await as('initdb', ['-D', data, '-U', 'postgres', '-A', 'scram-sha-256', `--pwfile=${join(dir, 'pwfile')}`]);
    rmSync(join(dir, 'pwfile'));
    await start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const client = (login: ClusterLogin = { user: 'postgres', password }) =>
    new pg.Client({ host: '127.0.0.1', port, database: 'postgres', ...login });
  return {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    client,
    logsIn: async (user, password) => {
      const login = client({ user, password });
      try {
        await login.connect();
        return true;
      } catch {
        return false;
      } finally {
        await login.end().catch(() => undefined);
      }
    },
    serverLog: () => readFileSync(log, 'utf8'),
    pause: async () => {
      await as('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
    resume: async () => {
      await start();
    },
    stop: async () => {
      await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
