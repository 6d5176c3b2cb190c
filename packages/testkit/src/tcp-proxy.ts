import { connect, createServer, type Socket } from 'node:net';
import { freePort } from './nats-server.js';

/** A TCP proxy on its own loopback port: what a test puts between a service and Postgres to cut it off. */
export interface TcpProxy {
  readonly port: number;
  /**
   * Resets every connection through it and stops listening, so new ones are refused (ECONNREFUSED):
   * the service sees its database gone, as on a lost network or a crashed server.
   */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  stop(): Promise<void>;
}

/** A proxy to `target` (a port on 127.0.0.1), listening until cut or stopped. */
export async function startTcpProxy(target: number): Promise<TcpProxy> {
  const port = await freePort();
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      // A reset on either side ends both: the other gets an error, never a connection left hanging.
      socket.once('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const close = async () => {
    const closed = new Promise((resolve) => server.close(resolve));
    for (const socket of open) socket.resetAndDestroy();
    await closed;
  };
  await listen();
  return { port, cut: close, restore: listen, stop: () => (server.listening ? close() : Promise.resolve()) };
}
