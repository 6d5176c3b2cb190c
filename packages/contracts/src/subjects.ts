import { DriverName } from './deployment.js';

/**
 * Subject names on the bus. Request-reply: `<service>.<aggregate>.<verb>`; driver commands:
 * `cmd.<driver>.<engine>.<slug>`; integration events: `evt.<service>.<aggregate>.<EventType>`.
 */
export const Subjects = {
  deploymentGet: 'console.deployment.get',
  /** A workspace's team and org (WorkspaceScope), asked by the vault when it resolves the workspace's credentials. */
  workspaceScope: 'console.workspace.scope',
  tokenAuthenticate: 'console.token.authenticate',
  /** Hatch's record search. Not under `hatch.`: the HATCH stream captures `hatch.>`. */
  auditRecordsQuery: 'audit.records.query',
  /** A deployment's commands, to the one driver that runs its engine. */
  driverCommand: (driver: string, engine: string, slug: string) => `cmd.${driver}.${engine}.${slug}`,
  /** Every command for one engine: its driver's consumer filter. */
  engineCommands: (driver: string, engine: string) => `cmd.${driver}.${engine}.>`,
  driverEvent: (driver: string, type: string) => `evt.driver-${driver}.deployment.${type}`,
} as const;

/**
 * JetStream streams and the subjects they hold. Driver commands are a work queue: a command is gone
 * once a driver acked it. Driver events are kept (limits) so a consumer can be rebuilt from them.
 */
export const Streams = {
  driverCommands: { name: 'DRIVER_COMMANDS', subjects: ['cmd.>'], retention: 'workqueue' },
  driverEvents: {
    name: 'DRIVER_EVENTS',
    subjects: DriverName.options.map((driver) => `evt.driver-${driver}.>`),
    retention: 'limits',
  },
} as const;

/** NATS services API error headers (the services protocol names them). */
export const ServiceErrorHeaders = {
  code: 'Nats-Service-Error-Code',
  message: 'Nats-Service-Error',
  /** Hearth's own: an InvalidFieldsError's `fields` as JSON (errors.ts fieldsHeaderOf), never a value. */
  fields: 'Hearth-Error-Fields',
} as const;

/**
 * How a NATS request names the operator token it is made with: by the token's SHA-256 (hex), never
 * the token, since every service can read the bus and a token also opens the HTTP APIs. The same
 * check as the HTTP edges' bearer token follows. nats.js matches header names exactly.
 */
export const TokenHashHeader = 'Hearth-Token-Sha256';

/**
 * The correlation id of the caller's work, on a NATS request or an HTTP call: the callee's log lines
 * and the events the request appends carry it; without one the callee makes its own.
 */
export const CorrelationHeader = 'Hearth-Correlation-Id';
