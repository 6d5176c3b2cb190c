import { HatchStream } from '@hearth/contracts';
import type { StreamSpec } from '@hearth/platform/nats';
import { RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { HatchConfig } from '../../config.js';

const NANOS_PER_SECOND = 1_000_000_000;

/**
 * The HATCH stream as hatch, its only owner, makes it (infra/nats.conf). No message may be deleted
 * from it nor the stream purged, whoever asks: JetStream refuses both, and refuses an update that
 * would lift either.
 */
export function hatchStreamSpec(
  config: Pick<HatchConfig, 'HATCH_STREAM_MAX_AGE_SECONDS' | 'HATCH_STREAM_DUPLICATE_WINDOW_SECONDS'>,
): StreamSpec {
  return {
    ...HatchStream,
    subjects: [...HatchStream.subjects],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: Math.round(config.HATCH_STREAM_MAX_AGE_SECONDS * NANOS_PER_SECOND),
    duplicate_window: Math.round(config.HATCH_STREAM_DUPLICATE_WINDOW_SECONDS * NANOS_PER_SECOND),
    deny_delete: true,
    deny_purge: true,
  };
}
