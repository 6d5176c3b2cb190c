/**
 * Names and labels of what the driver creates. Docker labels are the driver's only state: every
 * container and network it makes carries them, and a restarted driver finds its work by them.
 */
export const Labels = {
  /** Which driver instance made it: several (tests, a developer's `npm start`) may share one engine. */
  instance: 'hearth.instance',
  slug: 'hearth.slug',
  sidecar: 'hearth.sidecar',
  /** A workload's container: its values come from a delivery only the driver makes, at a dispatch. */
  workload: 'hearth.workload',
  /** The id of the command that made it. */
  command: 'hearth.command',
} as const;

export function networkName(slug: string): string {
  return `hearth-${slug}`;
}

export function containerName(slug: string, sidecar: string): string {
  return `hearth-${slug}-${sidecar}`;
}

/** Where a workspace's generated credentials live in the vault (`vault://hearth/<slug>`). */
export function workspaceSecretPath(slug: string): string {
  return `hearth/${slug}`;
}
