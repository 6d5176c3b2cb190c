import { spawn } from 'node:child_process';

/**
 * Runs `docker <args>` with `input` on its stdin (a password, say, so it is never in argv);
 * asynchronous, so a listener in the test's own process can answer meanwhile.
 */
export function docker(args: string[], input = ''): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { stdio: ['pipe', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout: stdout.trim() }));
    // A command that reads no input (docker ps) may be gone before it is written: EPIPE, not a failure.
    child.stdin.once('error', (error: NodeJS.ErrnoException) => error.code !== 'EPIPE' && reject(error));
    child.stdin.end(input);
  });
}
