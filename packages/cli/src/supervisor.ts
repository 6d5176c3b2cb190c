import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { oneLine } from './terminal.js';

export interface ServiceSpec {
  readonly name: string;
  /** The built entry, run with this Node. */
  readonly entry: string;
  readonly env: NodeJS.ProcessEnv;
  /** Where its full output goes, a line each. */
  readonly logFile: string;
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
    const child = spawn(process.execPath, [this.spec.entry], {
      env: this.spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    let lastProblem = '';
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.log.write(`${line}\n`);
        const entry = parseLogLine(line);
        if (entry?.msg === `${this.name} ready`) {
          const where = [entry.http, entry.nats].filter((x) => typeof x === 'string').join(' ');
          this.say(`${this.name} ready${where ? ` (${where})` : ''}`);
          this.everReady = true;
          this.readyWaiters.splice(0).forEach((resolve) => resolve());
        } else if (!entry || (typeof entry.level === 'number' && entry.level >= 40)) {
          lastProblem = printable(entry ? describeEntry(entry) : line);
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
