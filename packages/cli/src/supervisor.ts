import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { oneLine } from './terminal.js';

export interface ServiceSpec {
  readonly name: string;
  /** The program and its arguments; a service's is this Node with its built entry (`nodeService`). */
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** Where its full output goes, a line each. */
  readonly logFile: string;
  /** What a line of its output says (default: a service's pino lines). */
  readonly read?: (line: string) => LineMeaning;
}

/** A line that says the process is ready (and where it serves), one the terminal must see, or neither. */
export type LineMeaning = { ready: string } | { problem: string } | null;

/** A built Hearth service, run with this Node. */
export function nodeService(entry: string): Pick<ServiceSpec, 'command' | 'args'> {
  return { command: process.execPath, args: [entry] };
}

/** A service's pino lines: ready at `<name> ready`, warnings and errors, and any line that is not JSON. */
function pinoLines(name: string): (line: string) => LineMeaning {
  return (line) => {
    const entry = parseLogLine(line);
    if (entry?.msg === `${name} ready`) {
      return { ready: [entry.http, entry.nats].filter((x) => typeof x === 'string').join(' ') };
    }
    if (!entry || (typeof entry.level === 'number' && entry.level >= 40))
      return { problem: entry ? describeEntry(entry) : line };
    return null;
  };
}

/** nats-server's lines: ready once it says so; its warnings and errors, and what it says before it logs (a bad config). */
export function natsServerLines(line: string): LineMeaning {
  if (/\[INF\] Server is ready/.test(line)) return { ready: '' };
  const logged = /^\[\d+\] \S+ \S+ \[(\w+)\] ?(.*)$/.exec(line);
  if (!logged) return { problem: line };
  return ['WRN', 'ERR', 'FTL'].includes(logged[1]!) ? { problem: logged[2]! } : null;
}

/** What the terminal is told: one short line per state change or failure. */
export type Say = (line: string) => void;

const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;
/** A run this long counts as healthy: the next crash starts the backoff over. */
const HEALTHY_RUN_MS = 60_000;
const STOP_GRACE_MS = 15_000;

/**
 * One service process, kept running: started, restarted with backoff when it dies, stopped on demand.
 * Its log lines go to its file; the terminal gets its readiness, its warnings and errors with their
 * reason, and each exit.
 */
export class SupervisedService {
  private child: ChildProcess | undefined;
  private stopping = false;
  private backoffMs = FIRST_BACKOFF_MS;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly log: WriteStream;
  private readonly readyWaiters: (() => void)[] = [];
  private everReady = false;

  constructor(
    private readonly spec: ServiceSpec,
    private readonly say: Say,
  ) {
    this.log = createWriteStream(spec.logFile, { flags: 'a', mode: 0o600 });
  }

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    const startedAt = Date.now();
    // Its own process group: a Ctrl-C reaches the supervisor only, which stops the services in order.
    const child = spawn(this.spec.command, this.spec.args, {
      env: this.spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    let lastProblem = '';
    const read = this.spec.read ?? pinoLines(this.name);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.log.write(`${line}\n`);
        const meaning = read(line);
        if (meaning && 'ready' in meaning) {
          this.say(`${this.name} ready${meaning.ready ? ` (${printable(meaning.ready)})` : ''}`);
          this.everReady = true;
          this.readyWaiters.splice(0).forEach((resolve) => resolve());
        } else if (meaning) {
          lastProblem = printable(meaning.problem);
          this.say(`[${this.name}] ${lastProblem}`);
        }
      });
    }
    child.once('error', (error) => this.say(`${this.name} could not start: ${error.message}`));
    child.once('exit', (code, signal) => {
      this.child = undefined;
      if (this.stopping) return;
      if (Date.now() - startedAt >= HEALTHY_RUN_MS) this.backoffMs = FIRST_BACKOFF_MS;
      const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
      const why = lastProblem ? `: ${lastProblem}` : '';
      this.say(`${this.name} ${how}${why}; restarting in ${this.backoffMs / 1000} s (log: ${this.spec.logFile})`);
      this.restartTimer = setTimeout(() => this.start(), this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    });
  }

  /** Resolves once the service has said it is ready (after any number of restarts). */
  ready(): Promise<void> {
    if (this.everReady) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** SIGTERM, then SIGKILL if it has not exited within the grace period. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(killer);
    }
    await new Promise<void>((resolve) => this.log.end(resolve));
  }

  /** For a supervisor that must exit now: no waiting, nothing left behind. */
  killNow(): void {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.child?.kill('SIGKILL');
  }
}

type LogEntry = Record<string, unknown> & { msg?: unknown; level?: unknown };

function parseLogLine(line: string): LogEntry | null {
  if (!line.startsWith('{')) return null;
  try {
    const parsed: unknown = JSON.parse(line);
    return parsed && typeof parsed === 'object' ? (parsed as LogEntry) : null;
  } catch {
    return null;
  }
}

/** A pino line as a person reads it: its message, then why (a reason, an error's message or code). */
export function describeEntry(entry: LogEntry): string {
  const err = entry.err && typeof entry.err === 'object' ? (entry.err as Record<string, unknown>) : undefined;
  const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);
  const reason = [entry.reason, err?.message, entry.error, entry.code, err?.code].map(text).find(Boolean);
  const subject = text(entry.slug) ? ` ${text(entry.slug)}` : '';
  return `${text(entry.msg) ?? ''}${subject}${reason ? `: ${reason}` : ''}`;
}

/**
 * A service's words as the terminal may show them: no control characters (an escape sequence in a
 * log line could rewrite the operator's screen), and no longer than a line; the log file has the rest.
 */
export function printable(text: string): string {
  const clean = oneLine(text);
  return clean.length > 500 ? `${clean.slice(0, 500)}…` : clean;
}
