import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '@nats-io/transport-node';
import { until } from './until.js';

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface TestNats {
  url: string;
  /** Kills the server and starts it again on the same port and storage (JetStream state kept). */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real nats-server with JetStream of the test's own, on a free loopback port with its own store,
 * so tests never share streams or durable consumers with each other or with a running Hearth.
 */
export async function startNats(binary = process.env.NATS_SERVER_BIN ?? 'nats-server'): Promise<TestNats> {
  const port = await freePort();
  const storeDir = await mkdtemp(join(tmpdir(), 'hearth-nats-'));
  const url = `nats://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;

  const start = async () => {
    child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: 'ignore' });
    const answers = () =>
      connect({ servers: url, reconnect: false, timeout: 500 }).then(
        (nc) => nc.close().then(() => true),
        () => false,
      );
    await until(answers, { timeoutMs: 30_000, what: `nats-server on ${url}` });
  };
  const kill = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    url,
    restart: async (downMs = 0) => {
      await kill();
      await sleep(downMs);
      await start();
    },
    stop: async () => {
      await kill();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}
