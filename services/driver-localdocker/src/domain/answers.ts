import { createHash } from 'node:crypto';
import { ErrorCode, HearthError, type DriverCommand, type DriverEvent } from '@hearth/contracts';

export const DRIVER_ACTOR = 'driver:localdocker';

/** A driver event before it is put in its envelope. */
export type Answer =
  | { type: 'ProvisioningStartedV1'; data: { slug: string } }
  | { type: 'SidecarsProvisionedV1'; data: { slug: string; endpoint: string } }
  | { type: 'ProvisioningFailedV1'; data: { slug: string; reason: string } }
  | { type: 'SidecarsDeprovisionedV1'; data: { slug: string } };

/**
 * The id of a command's answer of a given type: derived, not random, so that a command delivered
 * again (the driver died before its ack) is answered with the same ids, which JetStream's duplicate
 * window and the console's idempotent consumer both drop. A UUID of version 8 (custom).
 */
export function answerId(commandId: string, type: Answer['type']): string {
  const hex = createHash('sha256').update(`${commandId}\n${type}`).digest('hex');
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Position of an answer in its command's stream: started first, the outcome after it. */
const POSITION: Readonly<Record<Answer['type'], number>> = {
  ProvisioningStartedV1: 1,
  SidecarsProvisionedV1: 2,
  ProvisioningFailedV1: 2,
  SidecarsDeprovisionedV1: 1,
};

/** The envelope answering `command`: caused by it, in its correlation, at `now`. */
export function answerTo(command: DriverCommand, answer: Answer, now: Date, traceId: string | null): DriverEvent {
  return {
    id: answerId(command.id, answer.type),
    type: answer.type,
    stream: `driver-localdocker-${command.id}`,
    version: POSITION[answer.type],
    data: { ...answer.data, command_id: command.id },
    metadata: {
      actor: DRIVER_ACTOR,
      correlation_id: command.metadata.correlation_id,
      causation_id: command.id,
      trace_id: traceId ?? command.metadata.trace_id,
      occurred_at: now.toISOString(),
    },
  } as DriverEvent;
}

/**
 * A failure as a ProvisioningFailedV1 reason: `<CODE>: <message>`, passed through `scrub` (the
 * values in hand are not in it), bounded.
 */
export function failureReason(error: unknown, scrub: (text: string) => string): string {
  const text =
    error instanceof HearthError
      ? `${error.code}: ${error.message}`
      : `${ErrorCode.Internal}: ${error instanceof Error ? error.message : String(error)}`;
  return scrub(text).slice(0, 2048);
}
