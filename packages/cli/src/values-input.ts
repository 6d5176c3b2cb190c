import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';

/** `NAME=value` items (values, tags) as a record; `what` names them in the refusal. */
export const pairs = (items: string[] | undefined, what: string): Record<string, string> =>
  Object.fromEntries(
    (items ?? []).map((item) => {
      const at = item.indexOf('=');
      if (at <= 0) throw new Error(`${what} must look like NAME=value, got ${item.split('=')[0] ?? ''}=…`);
      return [item.slice(0, at), item.slice(at + 1)];
    }),
  );

/**
 * The values of a write, so that a secret need not sit on the command line (shell history, `ps`):
 * `NAME=@file` takes the file's bytes as they are, `NAME=-` takes stdin without its last newline
 * (what `echo` or a typed line adds); anything else is `NAME=value`.
 */
export async function valuesOf(items: string[]): Promise<Record<string, string>> {
  const values = pairs(items, 'a value');
  const fromStdin = Object.keys(values).filter((name) => values[name] === '-');
  if (fromStdin.length > 1) throw new Error(`only one value can come from stdin, not ${fromStdin.join(', ')}`);
  for (const [name, value] of Object.entries(values)) {
    if (value === '-') values[name] = (await text(process.stdin)).replace(/\r?\n$/, '');
    else if (value.startsWith('@')) {
      try {
        values[name] = await readFile(value.slice(1), 'utf8');
      } catch {
        // Not the path: a value that merely begins with @ would be echoed here.
        throw new Error(
          `cannot read the file named for ${name} (NAME=@file reads a file; use NAME=- for a value from stdin)`,
        );
      }
    }
  }
  return values;
}
