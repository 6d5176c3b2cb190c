import { ErrorCode, HearthError, type VaultClient } from '@hearth/contracts';
import type { CredentialResolver } from '../../app/ports.js';

/**
 * The vault's resolution for a workspace, asked as the driver's principal (which needs `resolve`
 * on `hearth/<workspace>` and on what it resolves). The vault answers all the names or refuses; a
 * reply that still lacks one is refused here too, never half-delivered. Refusals name the names and
 * why, never a value.
 */
export class VaultResolver implements CredentialResolver {
  constructor(private readonly vault: Pick<VaultClient, 'resolve'>) {}

  async resolve(workspace: string, names: readonly string[]): Promise<Map<string, string>> {
    const resolved = await this.vault.resolve({ workspace, refs: [...names] });
    const missing = names.filter((name) => resolved.values[name] === undefined);
    if (resolved.refused.length > 0 || missing.length > 0) {
      const why = resolved.refused.map((r) => `${r.name} (${r.code}: ${r.reason})`);
      const unanswered = missing.filter((name) => !resolved.refused.some((r) => r.name === name));
      throw new HearthError(
        ErrorCode.ResolveRefused,
        `the vault did not resolve ${[...why, ...unanswered].join(', ')} for ${workspace}`,
      );
    }
    return new Map(names.map((name) => [name, resolved.values[name]!]));
  }
}
