import { ServiceName } from './bus-signature.js';

/**
 * Who connects to Hearth's NATS (`infra/nats.conf` gives each its permissions): the four services,
 * the two kinds of caller (`operator`: the CLI and the demo; `subsystem`: what a workload needs),
 * and `admin`, whose seed is for an operator's own hands and is given to no process.
 */
export const NatsIdentities = [...ServiceName.options, 'operator', 'subsystem', 'admin'] as const;
export type NatsIdentity = (typeof NatsIdentities)[number];

/**
 * Whether a request's reply subject is a caller's inbox (`_INBOX_<identity>.…`, or `_INBOX.…` on an
 * anonymous test server). A service answers nowhere else: a reply subject is the caller's to name, and
 * one naming `cmd.…` or `$JS.API.…` would have the service publish there with its own rights.
 */
export function isReplyInbox(subject: string | undefined): boolean {
  return subject !== undefined && /^_INBOX[._]/.test(subject);
}

/** The inbox prefix of an identity's connections: the only inboxes nats.conf lets it subscribe to. */
export function inboxPrefixOf(identity: NatsIdentity | (string & {})): string {
  return `_INBOX_${identity}`;
}

/** The environment variable nats.conf reads an identity's public nkey from (`HEARTH_NKEY_DRIVER_LOCALDOCKER`). */
export function nkeyVariableOf(identity: NatsIdentity): string {
  return `HEARTH_NKEY_${identity.toUpperCase().replaceAll('-', '_')}`;
}
