import { printOut } from './terminal.js';

/**
 * With `--json` a command prints the console's answer and nothing else on stdout, so scripts can pipe
 * it to jq; without, the readable form.
 */
export function print(json: boolean | undefined, answer: unknown, readable: () => string): void {
  printOut(json ? JSON.stringify(answer, null, 2) : readable());
}
