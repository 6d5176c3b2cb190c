import { WORKLOAD_SECRETS_DIR } from '@hearth/contracts';

/**
 * How a workload's values reach it without its container's configuration holding any: the driver
 * places this init in the container before it starts (it is no secret) and makes it the entrypoint;
 * the container is created with an open stdin that closes after the first attach. The driver
 * attaches, starts it and writes the bundle; the init writes each value to a file of its own on the
 * tmpfs at /run/secrets (mode 0400), exports them into the environment when asked (`env`), marks the
 * delivery done and execs the command. A bundle cut short (no end line) delivers nothing: the init
 * exits, so a workload never runs with half its credentials, nor starts again without the driver
 * (a restart by the engine would find its stdin closed).
 */
export const WORKLOAD_INIT = '/hearth/init';

/** Exists once the init has written every value: how the driver knows the delivery is done. */
export const DELIVERED_MARKER = `${WORKLOAD_SECRETS_DIR}/.hearth-delivered`;

/** The bundle's last line: what tells a whole delivery from one cut short. */
const END = '.';

/** The init's exit code when the bundle did not arrive whole. */
export const NOT_DELIVERED_EXIT = 70;

/**
 * POSIX sh only (busybox, dash, bash): `read` and `printf` are builtins, so the values never appear
 * on a command line. Each value arrives as `\ooo` octal escapes that printf's format turns back into
 * its bytes (every byte escaped, `%` included, so nothing in it is a conversion). Values exported into
 * the environment keep trailing newlines (the `x` sentinel), which `$(…)` alone would strip.
 */
export const INIT_SCRIPT = `#!/bin/sh
# hearth-init: delivers the workload's credentials from stdin, then runs its command.
set -u
mode="$1"
shift
dir=${WORKLOAD_SECRETS_DIR}
umask 0277
whole=
while IFS=' ' read -r name value; do
  if [ "$name" = '${END}' ]; then whole=1; break; fi
  printf "$value" > "$dir/$name" || exit ${NOT_DELIVERED_EXIT}
  if [ "$mode" = env ]; then
    v="$(cat "$dir/$name"; printf x)"
    export "$name=\${v%x}"
  fi
done
unset name value v
if [ -z "$whole" ]; then
  echo "hearth-init: the credentials were not delivered whole; the driver restarts a workload" >&2
  exit ${NOT_DELIVERED_EXIT}
fi
: > ${DELIVERED_MARKER}
exec "$@" </dev/null
`;

/**
 * The bundle the driver writes to the init's stdin: `NAME \\ooo\\ooo…` a line per value, then the
 * end line. Built in one buffer the caller zeroes once written; names are checked by the plan
 * (RESOLVABLE_NAME), so a name holds no space, slash or newline.
 */
export function encodeBundle(values: ReadonlyMap<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of values) {
    const bytes = Buffer.from(value, 'utf8');
    const escaped = Buffer.alloc(bytes.length * 4);
    for (let i = 0; i < bytes.length; i++) {
      escaped.write(`\\${bytes[i]!.toString(8).padStart(3, '0')}`, i * 4, 'latin1');
    }
    bytes.fill(0);
    parts.push(Buffer.from(`${name} `, 'latin1'), escaped, Buffer.from('\n', 'latin1'));
  }
  parts.push(Buffer.from(`${END}\n`, 'latin1'));
  const bundle = Buffer.concat(parts);
  for (const part of parts) part.fill(0);
  return bundle;
}
