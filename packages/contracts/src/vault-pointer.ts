import { z } from 'zod';
import { SLUG_PATTERN } from './slug.js';

/**
 * A pointer into the vault, `vault://<mount>/<path>`; it names where a secret lives and carries no
 * material. Segments follow the slug rule, so a pointer can never smuggle `..`, `//` or control bytes.
 */
export interface VaultPointer {
  readonly mount: string;
  readonly path: readonly string[];
}

const SCHEME = 'vault://';

export function formatVaultPointer(pointer: VaultPointer): string {
  return `${SCHEME}${vaultPathOf(pointer)}`;
}

/** The secret path a pointer names, as the vault's endpoints take it: `vault://hearth/acme` → `hearth/acme`. */
export function vaultPathOf(pointer: VaultPointer): string {
  return [pointer.mount, ...pointer.path].join('/');
}

export function parseVaultPointer(text: string): VaultPointer | null {
  if (!text.startsWith(SCHEME)) return null;
  const segments = text.slice(SCHEME.length).split('/');
  if (segments.length < 2 || !segments.every((s) => SLUG_PATTERN.test(s))) return null;
  const [mount, ...path] = segments as [string, ...string[]];
  return { mount, path };
}

/** The pointer the LocalDocker driver's credentials live under: `vault://hearth/<slug>`. */
export function workspaceSecretsPointer(slug: string): string {
  return formatVaultPointer({ mount: 'hearth', path: [slug] });
}

export const VaultPointerText = z
  .string()
  .refine((text) => parseVaultPointer(text) !== null, { message: 'not a vault:// pointer' });
