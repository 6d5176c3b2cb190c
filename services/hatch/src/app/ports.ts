import type { AuditCheckpoint } from '@hearth/contracts';
import type { ChainHead } from '@hearth/audit-chain';

/** hatch's ed25519 key; the private half never leaves the signer. */
export interface CheckpointSigner {
  sign(head: ChainHead, at: string): AuditCheckpoint;
  readonly publicKeyPem: string;
}

/**
 * What hatch counts as it goes (OpenTelemetry in production, nothing in tests that do not care).
 * Checkpoints are not counted here: their age is read from the database, whoever signed them.
 */
export interface AuditMetrics {
  recorded(count: number): void;
  parked(): void;
}

export const noMetrics: AuditMetrics = {
  recorded: () => undefined,
  parked: () => undefined,
};
