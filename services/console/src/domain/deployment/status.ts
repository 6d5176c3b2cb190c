import type { Status } from '@hearth/contracts';

/**
 * The one table of legal status transitions (also in the contracts README).
 * requested → provisioning → ready | failed; failed → provisioning (retry);
 * ready → provisioning (a restart of its workloads); ready → deprovisioning → deprovisioned;
 * failed → deprovisioning.
 */
export const STATUS_TRANSITIONS: Readonly<Record<Status, readonly Status[]>> = {
  requested: ['provisioning'],
  provisioning: ['ready', 'failed'],
  ready: ['provisioning', 'deprovisioning'],
  failed: ['provisioning', 'deprovisioning'],
  deprovisioning: ['deprovisioned'],
  deprovisioned: [],
};

export function canTransition(from: Status, to: Status): boolean {
  return STATUS_TRANSITIONS[from].includes(to);
}
