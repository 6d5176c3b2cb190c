import type {
  CredentialWork,
  CredentialWorkReport,
  CredentialWorkValues,
  DriverCommand,
  DriverEvent,
} from '@hearth/contracts';
import type { Bind } from '../domain/plan/container-rules.js';
import type { Whereabouts } from '../domain/reconcile/workspace-fate.js';
import type { EngineImage, ResourceLimits } from '../domain/plan/deployment-plan.js';

/**
 * The driver's side effects, each behind a small port so that medium tests pick real or fake per
 * dependency. A use case asks for the methods it needs (`Pick<…>`), not a whole port.
 */

/** A fresh credential: 32 random bytes as text. */
export interface CredentialGenerator {
  generate(): string;
}

/** Known secret values, kept out of log lines and failure reasons while they are in this process. */
export interface ValueScrubber {
  remember(value: string): void;
  forget(value: string): void;
  scrub(text: string): string;
}

export interface ManagedContainer {
  id: string;
  name: string;
  /** The image as the container was created from it (the spec's reference). */
  image: string;
  labels: Record<string, string>;
  running: boolean;
  /** Started at least once: its files were put in before that start (one never started may lack them). */
  started: boolean;
}

export interface ManagedNetwork {
  id: string;
  name: string;
  labels: Record<string, string>;
}

export type NetworkCreation = 'created' | 'subnet-taken';

export interface ContainerRequest {
  name: string;
  image: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  network: string;
  aliases: string[];
  exposedPorts: string[];
  binds: Bind[];
  limits: ResourceLimits;
  /**
   * For a workload: its init as entrypoint with `command` as arguments, a stdin open until the first
   * attach ends (how its values arrive), the tmpfs they are written to, and no restart by the engine
   * (only the driver can deliver them again).
   */
  workload?: { entrypoint: string[]; command: string[]; tmpfs: Record<string, string> };
}

/** A file put into a container before it starts; `content` is zeroed once placed. */
export interface ContainerFile {
  path: string;
  content: Buffer;
  /** 0444 unless said. */
  mode?: number;
}

export interface ContainerState {
  running: boolean;
  restarting: boolean;
  exitCode: number | null;
}

/** The container engine, as far as the driver uses it. Every list is filtered by labels. */
export interface ContainerEngine {
  /** What the engine knows `image` (a name, an id or a digest) as: its tags, labels and how it runs; null when it has no such image. */
  inspectImage(image: string): Promise<EngineImage | null>;
  /**
   * An internal bridge network on `subnet` that reaches neither the outside nor the host; fails if
   * the name is taken, and answers `subnet-taken` when the subnet overlaps another network's.
   */
  createNetwork(name: string, labels: Record<string, string>, subnet: string): Promise<NetworkCreation>;
  /** The subnets of every network on the engine, whoever made it (IPv4 and IPv6, in CIDR notation). */
  subnetsInUse(): Promise<string[]>;
  listNetworks(labels: Record<string, string>): Promise<ManagedNetwork[]>;
  /** Removes a network; one that is already gone is fine. */
  removeNetwork(id: string): Promise<void>;
  createContainer(request: ContainerRequest): Promise<string>;
  /** Puts files into a created container, before it starts. */
  placeFiles(containerId: string, files: ContainerFile[]): Promise<void>;
  startContainer(containerId: string): Promise<void>;
  /**
   * Starts a workload's container with `input` on its stdin: attached before the start, written,
   * then closed, which ends the container's stdin. Resolves once the engine has taken it all;
   * `input` is zeroed once sent.
   */
  startWithInput(containerId: string, input: Buffer): Promise<void>;
  /** Stops a container, keeping it and its files; one already stopped is fine. */
  stopContainer(containerId: string): Promise<void>;
  stateOf(containerId: string): Promise<ContainerState>;
  /** The last `lines` lines a stopped container wrote (stdout and stderr), as text; for a failure's reason only. */
  logTail(containerId: string, lines: number): Promise<string>;
  /**
   * Runs `script` with `sh -c` inside the container; its exit code, or null when it outlived `timeoutMs`.
   * `stdin` is how a value reaches the script: an exec's command line and env are kept by the engine
   * (`docker inspect` of the exec shows them), its stdin is not. It is zeroed once sent.
   */
  exec(containerId: string, script: string, timeoutMs: number, stdin?: Buffer): Promise<number | null>;
  listContainers(labels: Record<string, string>): Promise<ManagedContainer[]>;
  /** Removes a container, running or not, with its anonymous volumes; one that is already gone is fine. */
  removeContainer(containerId: string): Promise<void>;
}

/** The vault, as far as the driver uses it: generated (AUTO_MANAGED) credentials only. */
export interface CredentialStore {
  /**
   * Writes a new version at `path` of credential type `type` (its fields, all as strings), the only
   * readable one: earlier versions are destroyed. Refused (VAULT.PROVIDER_CONFLICT) where a USER
   * credential lives.
   */
  writeGenerated(
    path: string,
    type: string,
    values: Record<string, string>,
    tags: Record<string, string>,
  ): Promise<void>;
  /** Destroys every version of an AUTO_MANAGED secret at `path`; false when there is none to destroy. */
  destroyGenerated(path: string): Promise<boolean>;
  /** Paths under `prefix` holding a readable credential this driver generated. */
  generatedPaths(prefix: string): Promise<string[]>;
}

/**
 * The vault's resolution for a workspace (vault.secret.resolve): the value of each of `names`, the
 * narrowest scope winning; all of them or a refusal (VAULT.RESOLVE_REFUSED with the names and why).
 */
export interface CredentialResolver {
  resolve(workspace: string, names: readonly string[]): Promise<Map<string, string>>;
}

/**
 * The driver's side of rotation and of testing a sidecar's credential: the work the vault has for
 * it, each item's values (opened with the driver's key), and what came of it.
 */
export interface CredentialWorkSource {
  claim(): Promise<CredentialWork[]>;
  open(work: CredentialWork): CredentialWorkValues;
  report(report: CredentialWorkReport): Promise<void>;
}

/**
 * The host's file system as the Docker engine sees it (the driver runs beside the engine): where a
 * bind mount's source really is once symlinks are followed.
 */
export interface HostPaths {
  /**
   * `path` with every symlink followed; for a path that does not exist yet (the engine would
   * create it), its deepest existing ancestor resolved and the rest appended.
   */
  resolve(path: string): Promise<string>;
}

export interface AnswerPublisher {
  publish(event: DriverEvent): Promise<void>;
}

/**
 * What the console says a deployment is at: its status when it lives on this driver's engine,
 * `elsewhere` when it lives on another engine (whose driver alone touches it), null when it knows none.
 */
export interface DeploymentDirectory {
  statusOf(slug: string): Promise<Whereabouts>;
}

/** The driver's metrics. */
export interface DriverMetrics {
  /** The workspaces the last reconcile pass held (stopped, credential kept) as unknown to the console. */
  held(slugs: readonly string[]): void;
}

/**
 * The driver's command queue (DRIVER_COMMANDS): each command is handed to `handle` decoded, one at a
 * time, and acked only once `handle` resolves; a failure delivers it again after a backoff.
 */
export interface CommandQueue {
  start(handle: (command: DriverCommand, traceId: string | null) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}
