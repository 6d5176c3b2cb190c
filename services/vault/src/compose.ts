import type { OperatorRole } from '@hearth/contracts';
import { ConsoleOperatorDirectory, OperatorTokens } from '@hearth/platform/operators';
import { OutboxRelay } from '@hearth/platform/outbox';
import { EventStore, FastPath, TypeOrmUnitOfWork } from '@hearth/platform/postgres';
import { type ServiceRuntime } from '@hearth/platform/runtime';
import { AuditTrail } from './app/audit-trail.js';
import { CallerIdentity } from './app/caller-identity.js';
import { ChangeVersions } from './app/change-versions/change-versions.js';
import { Gatekeeper } from './app/gatekeeper.js';
import { ListSecrets } from './app/list-secrets/list-secrets.js';
import { randomIds, systemClock } from '@hearth/platform/runtime';
import { OperatorMetadata } from './app/operator-metadata/operator-metadata.js';
import { ManagePrincipals } from './app/principals/manage-principals.js';
import { ReadSecret } from './app/read-secret/read-secret.js';
import { Refusals } from './app/refusals.js';
import { Rewrap } from './app/rewrap/rewrap.js';
import { WriteSecret } from './app/write-secret/write-secret.js';
import { Envelope, type KeyRing } from './infra/crypto/envelope.js';
import { Nonces } from './infra/postgres/nonces.js';
import { Principals } from './infra/postgres/principals.js';
import { ReadLedger } from './infra/postgres/read-ledger.js';
import { SecretStore } from './infra/postgres/secret-store.js';

export interface VaultSettings {
  ring: KeyRing;
  keepVersions: number;
  /** Operator roles that may read metadata over HTTP. */
  operatorRoles: readonly OperatorRole[];
  /** How long the console's word on a token is trusted (also how long a revoked one still works). */
  tokenCacheMs: number;
}

/** Every use case of the vault, built once from the runtime's connections. */
export function composeVault(
  runtime: Pick<ServiceRuntime, 'dataSource' | 'js' | 'logger' | 'nc'>,
  settings: VaultSettings,
  clock = systemClock,
  ids = randomIds,
) {
  const { dataSource } = runtime;
  const uow = new TypeOrmUnitOfWork(dataSource);
  const store = new EventStore();
  const secrets = new SecretStore(dataSource);
  const principals = new Principals(dataSource);
  const nonces = new Nonces(dataSource);
  const envelope = new Envelope(settings.ring);
  const audit = new AuditTrail(store, clock, ids);
  const identity = new CallerIdentity(principals, clock);
  const refusals = new Refusals(uow, nonces, audit);
  const gate = new Gatekeeper(uow, identity, nonces, refusals);
  const newId = () => ids.next();
  return {
    readSecret: new ReadSecret(
      identity,
      secrets,
      envelope,
      new ReadLedger(dataSource),
      audit,
      refusals,
      runtime.logger,
      clock,
      ids,
    ),
    writeSecret: new WriteSecret(uow, gate, store, secrets, envelope, audit, clock, newId, settings.keepVersions),
    listSecrets: new ListSecrets(gate, secrets),
    changeVersions: new ChangeVersions(uow, gate, store, secrets, audit, newId),
    principals: new ManagePrincipals(uow, gate, principals, audit),
    operatorMetadata: new OperatorMetadata(
      new OperatorTokens(new ConsoleOperatorDirectory(runtime.nc), settings.tokenCacheMs, () => clock.now().getTime()),
      settings.operatorRoles,
      secrets,
    ),
    rewrap: new Rewrap(uow, secrets, envelope, settings.ring),
    nonces,
    principalCache: principals,
    relay: new OutboxRelay(new FastPath(dataSource), runtime.js, runtime.logger),
  };
}
export type Vault = ReturnType<typeof composeVault>;
