import type { CredentialHistoryEntry } from '@hearth/contracts';
import type { SecretEvent } from './secret.js';

type Detail = CredentialHistoryEntry['detail'];

/** Said elsewhere in the entry (path, who, when, which version) or not a word of history (tags, field values). */
const OMITTED = new Set([
  'path',
  'workspace_slug',
  'by',
  'created_by',
  'created_at',
  'tested_at',
  'version',
  'tags',
  'fields',
  'value_names',
]);

/**
 * One event of a credential's stream as its history shows it: the event's own words, flattened to
 * scalars (a list of versions as `1, 2`). The events carry no value, so neither does the history.
 */
export function historyEntryOf(event: SecretEvent, occurredAt: string): CredentialHistoryEntry {
  const data = event.data as Record<string, unknown>;
  const detail: Detail = {};
  for (const [key, value] of Object.entries(data)) {
    if (OMITTED.has(key) || value === undefined) continue;
    if (Array.isArray(value)) detail[key] = value.join(', ');
    else if (value === null || ['string', 'number', 'boolean'].includes(typeof value))
      detail[key] = value as Detail[string];
  }
  const by = event.type === 'SecretVersionWrittenV1' ? event.data.created_by : event.data.by;
  const at =
    event.type === 'SecretVersionWrittenV1'
      ? event.data.created_at
      : event.type === 'CredentialTestedV1'
        ? event.data.tested_at
        : occurredAt;
  return { type: event.type, at, by, version: 'version' in event.data ? event.data.version : null, detail };
}
