// `pnpm vault:rewrap`: moves every DEK of the vault under its active KEK (services/vault/README.md).
// It finds the KEKs where `pnpm start` gives them to the vault: VAULT_KEKS + VAULT_ACTIVE_KEK or
// VAULT_KEK_FILE if set, else the key file pnpm start generated in .hearth/ (HEARTH_HOME).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const kekFile = join(resolve(process.env.HEARTH_HOME ?? join(root, '.hearth')), 'vault-kek.json');
const env = { ...process.env };
if (!env.VAULT_KEKS && !env.VAULT_KEK_FILE && existsSync(kekFile)) env.VAULT_KEK_FILE = kekFile;

const child = spawn(process.execPath, [join(root, 'services/vault/dist/rewrap.js')], { stdio: 'inherit', env });
child.once('exit', (code) => process.exit(code ?? 1));
