import { ENGINE_CREDENTIAL_PREFIX, scopeOfPath, type Provider } from '@hearth/contracts';
import type { FastPath, PreparedStatement } from '@hearth/platform/postgres';
import type { ResolutionCandidates, StoredCandidate } from '../../app/ports.js';
import type { SecretRecord, SecretVersionRecord } from './entities.js';
import { sealedOf } from './secret-store.js';

type CandidateRow = Pick<SecretRecord, 'path' | 'type' | 'valueNames' | 'tags' | 'active' | 'expiresAt'> & {
  provider: Provider;
  version: number;
  writtenBy: string;
} & Pick<SecretVersionRecord, 'format' | 'nonce' | 'ciphertext' | 'kekId' | 'wrappedDek' | 'dekNonce'>;

/**
 * One statement for a whole resolution: the current version of everything at or below the
 * workspace's three scope paths, with that version's sealed value, so the value handed out is the
 * version decided on (a write meanwhile makes a new version, not a different value under this one).
 * `^@` is starts_with: `hearth/web/` covers `hearth/web/x`, not `hearth/web2`. An engine's root
 * credential lives outside every scope by its contract; the last condition keeps it out whatever.
 */
const candidatesAtScopes: PreparedStatement = {
  name: 'resolution_candidates',
  text: `SELECT s.path, s.type, s.value_names AS "valueNames", s.tags, s.provider, s.active, s.expires_at AS "expiresAt",
                s.current_version AS version, v.created_by AS "writtenBy", v.format, v.nonce, v.ciphertext,
                v.kek_id AS "kekId", v.wrapped_dek AS "wrappedDek", v.dek_nonce AS "dekNonce"
         FROM secrets s JOIN secret_versions v ON v.path = s.path AND v.version = s.current_version
         WHERE (s.path = ANY($1::text[]) OR s.path ^@ ANY($2::text[]))
           AND NOT v.deleted AND NOT v.destroyed AND NOT s.path ^@ $3
         ORDER BY s.path`,
};

export class PostgresResolutionCandidates implements ResolutionCandidates {
  constructor(private readonly fastPath: FastPath) {}

  async candidatesAt(scopePaths: readonly string[]): Promise<StoredCandidate[]> {
    const rows = await this.fastPath.query<CandidateRow>(candidatesAtScopes, [
      scopePaths,
      scopePaths.map((path) => `${path}/`),
      ENGINE_CREDENTIAL_PREFIX,
    ]);
    return rows.flatMap((row) => {
      const scope = scopeOfPath(row.path);
      const sealed = sealedOf(row);
      if (scope === null || sealed === null) return [];
      return [
        {
          path: row.path,
          scope: scope.kind,
          type: row.type,
          valueNames: row.valueNames,
          tags: row.tags,
          provider: row.provider,
          version: row.version,
          active: row.active,
          expiresAt: row.expiresAt,
          writtenBy: row.writtenBy,
          sealed,
        },
      ];
    });
  }
}
