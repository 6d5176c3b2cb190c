import {
  CredentialActivatedV1,
  CredentialDeactivatedV1,
  CredentialRotatedV1,
  CredentialScheduleSetV1,
  CredentialTestedV1,
  SecretVersionsDeletedV1,
  SecretVersionsDestroyedV1,
  SecretVersionsUndeletedV1,
  SecretVersionWrittenV1,
} from '@hearth/contracts';
import { z } from 'zod';
import type { SecretEvent } from './secret.js';

const bodyOf = { type: true, data: true } as const;
const StoredSecretEvent = z.discriminatedUnion('type', [
  SecretVersionWrittenV1.pick(bodyOf),
  SecretVersionsDeletedV1.pick(bodyOf),
  SecretVersionsUndeletedV1.pick(bodyOf),
  SecretVersionsDestroyedV1.pick(bodyOf),
  CredentialDeactivatedV1.pick(bodyOf),
  CredentialActivatedV1.pick(bodyOf),
  CredentialTestedV1.pick(bodyOf),
  CredentialRotatedV1.pick(bodyOf),
  CredentialScheduleSetV1.pick(bodyOf),
]);

/**
 * A stored secret event in the current shape, checked against its contract: an unknown type or a
 * malformed event stops the command rather than being folded in. Stored events are never rewritten:
 * when an event gets a V2, the V1 → V2 mapping goes here.
 */
export function upcastSecretEvent(stored: { type: string; data: unknown }): SecretEvent {
  return StoredSecretEvent.parse({ type: stored.type, data: stored.data });
}
