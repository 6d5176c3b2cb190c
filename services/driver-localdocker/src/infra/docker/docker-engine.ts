import { ErrorCode, HearthError } from '@hearth/contracts';
import type Docker from 'dockerode';
import { request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  ContainerEngine,
  ContainerFile,
  ContainerRequest,
  ContainerState,
  ManagedContainer,
  ManagedNetwork,
  NetworkCreation,
} from '../../app/ports.js';
import type { EngineImage } from '../../domain/plan/deployment-plan.js';
import { tarOf, type TarEntry } from './tar.js';

/** The Engine API's status code on an error, if it has one. */
function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number } | null)?.statusCode;
}

/** How long an attached stdin may stay idle before the driver cuts it (the input long since written). */
const ATTACH_IDLE_MS = 30_000;

/**
 * The engine's log stream of a container without a TTY: frames of an 8-byte header (stream, three
 * zero bytes, a big-endian length) and that many bytes; the text of the frames, in order.
 */
function demultiplexed(framed: Buffer): string {
  const parts: Buffer[] = [];
  for (let at = 0; at + 8 <= framed.length;) {
    const size = framed.readUInt32BE(at + 4);
    parts.push(framed.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** An image's Entrypoint or Cmd as the engine gives it (a list, a string in old images, or null). */
function listOf(value: string | string[] | null | undefined): string[] {
  if (value === null || value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

function labelFilter(labels: Record<string, string>): { label: string[] } {
  return { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) };
}

/**
 * The container engine over dockerode (Engine API 1.41 and later). Networks are internal bridges
 * that also keep the host out of reach: `Internal` alone drops traffic leaving for the outside but
 * a container can still open connections to the host's own addresses (the bridge's gateway,
 * docker0) where anything listens on all interfaces; `inhibit_ipv4` gives the bridge no address on
 * the host, so nothing there answers, while containers on the network still reach each other.
 */
export class DockerEngine implements ContainerEngine {
  constructor(private readonly docker: Docker) {}

  async inspectImage(image: string): Promise<EngineImage | null> {
    try {
      const { RepoTags, Config } = await this.docker.getImage(image).inspect();
      return {
        repoTags: RepoTags ?? [],
        labels: Config.Labels ?? {},
        runtime: { entrypoint: listOf(Config.Entrypoint), cmd: listOf(Config.Cmd), user: Config.User ?? '' },
      };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  /**
   * CheckDuplicate is looked at before the create, not atomically with it (Engine 20.10 lets two
   * creates of one name at once both through). The driver never races itself: it runs one per engine
   * and takes its commands one at a time, so a check before the create is enough. The subnet is
   * another matter: the engine's IPAM refuses a pool that overlaps any network's, atomically, which
   * is how a driver learns that another one took the subnet it chose.
   */
  async createNetwork(name: string, labels: Record<string, string>, subnet: string): Promise<NetworkCreation> {
    try {
      await this.docker.createNetwork({
        Name: name,
        CheckDuplicate: true,
        Driver: 'bridge',
        Internal: true,
        Labels: labels,
        Options: { 'com.docker.network.bridge.inhibit_ipv4': 'true' },
        IPAM: { Driver: 'default', Config: [{ Subnet: subnet }] },
      });
      return 'created';
    } catch (error) {
      if (statusOf(error) === 409) {
        throw new HearthError(ErrorCode.Unavailable, `network ${name} already exists and is not this driver's`);
      }
      // "Pool overlaps with other one on this address space" (403 since Engine 1.13).
      if (statusOf(error) === 403 && /overlaps/i.test(String((error as Error).message))) return 'subnet-taken';
      throw error;
    }
  }

  async subnetsInUse(): Promise<string[]> {
    const networks = await this.docker.listNetworks();
    return networks.flatMap((n) => (n.IPAM?.Config ?? []).flatMap((c) => (c.Subnet ? [c.Subnet] : [])));
  }

  async listNetworks(labels: Record<string, string>): Promise<ManagedNetwork[]> {
    const networks = await this.docker.listNetworks({ filters: labelFilter(labels) });
    return networks.map((n) => ({ id: n.Id, name: n.Name, labels: n.Labels ?? {} }));
  }

  async removeNetwork(id: string): Promise<void> {
    try {
      await this.docker.getNetwork(id).remove();
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }

  async createContainer(request: ContainerRequest): Promise<string> {
    const { workload } = request;
    const container = await this.docker.createContainer({
      name: request.name,
      Image: request.image,
      ...(workload === undefined
        ? {}
        : {
            Entrypoint: workload.entrypoint,
            Cmd: workload.command,
            // Open until the first attach ends: the one way in for the values, never kept by the engine.
            OpenStdin: true,
            StdinOnce: true,
            AttachStdin: true,
          }),
      Env: Object.entries(request.env).map(([k, v]) => `${k}=${v}`),
      Labels: request.labels,
      ExposedPorts: Object.fromEntries(request.exposedPorts.map((p) => [p, {}])),
      HostConfig: {
        NetworkMode: request.network,
        Memory: request.limits.memoryBytes,
        MemorySwap: request.limits.memoryBytes,
        PidsLimit: request.limits.pids,
        Privileged: false,
        PublishAllPorts: false,
        PortBindings: {},
        SecurityOpt: ['no-new-privileges'],
        // A workload restarted by the engine would wait for values no one sends: only the driver restarts it.
        RestartPolicy: { Name: workload === undefined ? 'unless-stopped' : 'no' },
        Binds: request.binds.map((b) => `${b.source}:${b.target}${b.readOnly ? ':ro' : ''}`),
        ...(workload === undefined ? {} : { Tmpfs: workload.tmpfs }),
      },
      NetworkingConfig: { EndpointsConfig: { [request.network]: { Aliases: request.aliases } } },
    });
    return container.id;
  }

  async placeFiles(containerId: string, files: ContainerFile[]): Promise<void> {
    const directories = [...new Set(files.map((f) => posix.dirname(f.path).replace(/^\//, '')))];
    const entries: TarEntry[] = [
      ...directories.map((path) => ({ path, mode: 0o755 })),
      // Readable by the image's own user too: some entrypoints drop root before reading *_FILE.
      ...files.map((f) => ({ path: f.path.replace(/^\//, ''), mode: f.mode ?? 0o444, content: f.content })),
    ];
    const archive = tarOf(entries);
    try {
      await this.docker.getContainer(containerId).putArchive(archive, { path: '/' });
    } finally {
      archive.fill(0);
      for (const file of files) file.content.fill(0);
    }
  }

  async startContainer(containerId: string): Promise<void> {
    try {
      await this.docker.getContainer(containerId).start();
    } catch (error) {
      if (statusOf(error) !== 304) throw error; // already started
    }
  }

  /**
   * Starts the container with `input` on its stdin. Returns once the input is handed to the engine's
   * socket: whether the container took it whole is for the caller to check inside it (the init's
   * mark), since the engine may close the attach late under load. The connection is left to close
   * by itself, and cut after ATTACH_IDLE_MS if it does not, so none is held for ever.
   */
  async startWithInput(containerId: string, input: Buffer): Promise<void> {
    try {
      const connection = await this.attachStdin(containerId);
      connection.on('error', () => undefined); // a late reset after the input was written changes nothing
      connection.resume(); // nothing comes back (no stdout attached); drained all the same
      connection.setTimeout(ATTACH_IDLE_MS, () => connection.destroy());
      try {
        await this.startContainer(containerId);
        await new Promise<void>((resolve, reject) => {
          connection.once('error', reject);
          connection.end(input, () => resolve());
        });
      } catch (error) {
        connection.destroy();
        throw error;
      }
    } finally {
      input.fill(0);
    }
  }

  /**
   * The container's stdin, attached by hand: dockerode writes its attach options as the request's
   * body, which the engine hands the container as the first bytes of its stdin (apocas/dockerode
   * #777), and without a body it never sends the request. An upgrade with an empty body is what the
   * docker CLI sends; the hijacked connection is then the container's stdin.
   */
  private async attachStdin(containerId: string): Promise<Socket> {
    // docker-modem's types say socketPath is a string; it is a function (the default socket, found
    // lazily) until getSocketPath() answers it.
    const modem = this.docker.modem as unknown as {
      getSocketPath(): Promise<string | undefined>;
      host?: string;
      port?: string | number;
      protocol?: string;
    };
    const socketPath = await modem.getSocketPath();
    if (socketPath === undefined && modem.protocol !== 'http') {
      throw new HearthError(
        ErrorCode.Unavailable,
        "a workload's credentials are delivered over the engine's socket or plain http only",
      );
    }
    return new Promise<Socket>((resolve, reject) => {
      const attach = httpRequest({
        ...(socketPath === undefined ? { host: modem.host, port: modem.port } : { socketPath }),
        method: 'POST',
        path: `/containers/${encodeURIComponent(containerId)}/attach?stream=1&stdin=1`,
        headers: { Connection: 'Upgrade', Upgrade: 'tcp', 'Content-Length': '0' },
      });
      attach.once('upgrade', (_response, socket: Socket) => resolve(socket));
      attach.once('response', (response) => {
        response.resume();
        reject(new HearthError(ErrorCode.Unavailable, `attaching to a workload failed (HTTP ${response.statusCode})`));
      });
      attach.once('error', reject);
      attach.end();
    });
  }

  async stopContainer(containerId: string): Promise<void> {
    try {
      await this.docker.getContainer(containerId).stop();
    } catch (error) {
      if (statusOf(error) !== 304) throw error; // already stopped
    }
  }

  async stateOf(containerId: string): Promise<ContainerState> {
    const { State } = await this.docker.getContainer(containerId).inspect();
    const up = State.Running && !State.Restarting;
    return { running: State.Running, restarting: State.Restarting, exitCode: up ? null : State.ExitCode };
  }

  async logTail(containerId: string, lines: number): Promise<string> {
    const framed = await this.docker
      .getContainer(containerId)
      .logs({ stdout: true, stderr: true, follow: false, tail: lines });
    return demultiplexed(framed).trim();
  }

  async exec(containerId: string, script: string, timeoutMs: number, stdin?: Buffer): Promise<number | null> {
    const exec = await this.docker.getContainer(containerId).exec({
      Cmd: ['sh', '-c', script],
      AttachStdin: stdin !== undefined,
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({ hijack: true, stdin: stdin !== undefined });
    if (stdin !== undefined) {
      // Half-closing the hijacked connection is the script's end of input.
      stream.end(stdin, () => stdin.fill(0));
    }
    const finished = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      stream.on('data', () => undefined); // drained, never kept: a check's output is not logged
      stream.once('end', () => {
        clearTimeout(timer);
        resolve(true);
      });
      stream.once('error', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    stream.destroy();
    if (!finished) return null;
    for (let i = 0; i < 20; i++) {
      const info = await exec.inspect();
      if (!info.Running) return info.ExitCode ?? null;
      await sleep(25);
    }
    return null;
  }

  async listContainers(labels: Record<string, string>): Promise<ManagedContainer[]> {
    const containers = await this.docker.listContainers({ all: true, filters: labelFilter(labels) });
    return containers.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      image: c.Image,
      labels: c.Labels ?? {},
      running: c.State === 'running' || c.State === 'restarting',
      started: c.State !== 'created',
    }));
  }

  async removeContainer(containerId: string): Promise<void> {
    try {
      await this.docker.getContainer(containerId).remove({ force: true, v: true });
    } catch (error) {
      // 404: gone already; 409: another removal of it is under way.
      if (statusOf(error) !== 404 && statusOf(error) !== 409) throw error;
    }
  }
}
