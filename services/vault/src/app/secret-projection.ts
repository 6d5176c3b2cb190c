import type { Transaction } from '@hearth/platform/ports';
import type { SecretEvent } from '../domain/secret/secret.js';
import type { SecretStore } from '../infra/postgres/secret-store.js';

/** Keeps `secrets` and `secret_versions` in step with the events, inside their transaction. */
export async function applySecretEvents(tx: Transaction, secrets: SecretStore, events: SecretEvent[]): Promise<void> {
  for (const event of events) {
    switch (event.type) {
      case 'SecretVersionWrittenV1':
        await secrets.upsertSecret(tx, {
          path: event.data.path,
          current_version: event.data.version,
          provider: event.data.provider,
          tags: event.data.tags,
          description: event.data.description,
          expires_at: event.data.expires_at,
          value_names: event.data.value_names,
          updated_at: event.data.created_at,
        });
        break;
      case 'SecretVersionsDeletedV1':
        await secrets.setDeleted(tx, event.data.path, event.data.versions, true);
        break;
      case 'SecretVersionsUndeletedV1':
        await secrets.setDeleted(tx, event.data.path, event.data.versions, false);
        break;
      case 'SecretVersionsDestroyedV1':
        await secrets.destroy(tx, event.data.path, event.data.versions);
        break;
      default: {
        const unknown: never = event;
        return unknown;
      }
    }
  }
}
