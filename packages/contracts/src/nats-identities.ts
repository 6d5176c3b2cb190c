/**
 * Who connects to Hearth's NATS (`infra/nats.conf` gives each its permissions): the four services,
 * the two kinds of caller (`operator`: the CLI and the demo; `subsystem`: what a workload needs),
 * and `admin`, whose seed is for an operator's own hands and is given to no process.
 */
export const NatsIdentities = [
  'console',
  'vault',
  'hatch',
  'driver-localdocker',
  'operator',
  'subsystem',
  'admin',
] as const;
export type NatsIdentity = (typeof NatsIdentities)[number];

/** The inbox prefix of an identity's connections: the only inboxes nats.conf lets it subscribe to. */
export function inboxPrefixOf(identity: NatsIdentity | (string & {})): string {
  return `_INBOX_${identity}`;
}

/** The environment variable nats.conf reads an identity's public nkey from (`HEARTH_NKEY_DRIVER_LOCALDOCKER`). */
export function nkeyVariableOf(identity: NatsIdentity): string {
  return `HEARTH_NKEY_${identity.toUpperCase().replaceAll('-', '_')}`;
}
