import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

export interface ServiceProcess {
  /** Its process id: a benchmark reads its CPU time from /proc. */
  readonly pid: number;
  /** Every line the process wrote to stdout and stderr so far. */
  readonly output: string[];
  /** Settles once it has ended, however (a failpoint's SIGKILL, say): its exit code or signal. */
  readonly ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Signals it and answers how it ended (an exit code, or the signal that ended it). */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs a built service or script (`node <entry> [args…]`, entry given alone or as `[entry, ...args]`) with `env`, resolving once it logs `ready`: a
 * service's JSON log line whose msg is that text, or any line the pattern matches. Fails with its
 * output if it exits first or takes longer than `timeoutMs`.
 */
export async function startService(
  command: string | readonly [string, ...string[]],
  env: Record<string, string>,
  ready: string | RegExp,
  // Generous: a Nest service on a loaded two-core machine, beside others starting, can take a minute (a
  // driver's start includes its reconcile pass, one engine call after another).
  timeoutMs = 120_000,
): Promise<ServiceProcess> {
  const isReady = (line: string) => (typeof ready === 'string' ? line.includes(`"msg":"${ready}"`) : ready.test(line));
  const [entry, ...args] = typeof command === 'string' ? [command] : command;
  const child: ChildProcess = spawn(process.execPath, [entry, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} not ready:\n${output.join('\n')}`)), timeoutMs);
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        if (isReady(line)) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code}:\n${output.join('\n')}`));
    });
  });
  try {
    await started;
  } catch (error) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw error;
  }
  return {
    pid: child.pid!,
    output,
    ended,
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return ended;
    },
  };
}

/** What one run of the `hearth` CLI printed, and how it ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const CLI_ENTRY = resolve(import.meta.dirname, '../../cli/dist/main.js');

/**
 * Runs the built `hearth` CLI as an operator types it: `env` is its whole environment (callers
 * decide what of theirs it inherits), `input` its stdin.
 */
export function runCli(
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; input?: string },
): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI_ENTRY, ...args], {
      env: options.env,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}
