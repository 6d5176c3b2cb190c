// The web console's budget: every file the build emitted, gzipped, under 300 KB in all. Fails the build above it.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET = 300 * 1024;
const dist = join(import.meta.dirname, '..', 'dist');

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

// The browser gets contracts' browser-safe entry only: nothing of NATS, libsodium or node's own modules.
const FORBIDDEN = /libsodium|@nats-io|nats-core|["'`]node:[a-z_]+["'`]/;

let total = 0;
let tainted = false;
for (const file of files(dist)) {
  const text = readFileSync(file, 'utf8');
  const found = FORBIDDEN.exec(text);
  if (found) {
    console.error(`web: ${relative(dist, file)} holds ${found[0]}: a server-side module reached the browser bundle`);
    tainted = true;
  }
  const size = gzipSync(readFileSync(file), { level: 9 }).length;
  total += size;
  console.log(`${(size / 1024).toFixed(1).padStart(8)} KB  ${relative(dist, file)}`);
}
const verdict = total > BUDGET ? 'over' : 'within';
console.log(`web: ${(total / 1024).toFixed(1)} KB gzipped in all, ${verdict} the ${BUDGET / 1024} KB budget`);
if (total > BUDGET || tainted) process.exit(1);
