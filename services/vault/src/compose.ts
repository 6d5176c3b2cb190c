import type { BusSigner, BusVerifier, OperatorRole, SealKeys } from '@hearth/contracts';
import { ConsoleOperatorDirectory, ConsoleTokenCache } from '@hearth/platform/operators';
import { AuditJournal, OutboxRelay } from '@hearth/platform/outbox';
import type { Clock, Ids } from '@hearth/platform/ports';
import { EventStore, FastPath, TypeOrmUnitOfWork } from '@hearth/platform/postgres';
import type { ServiceRuntime } from '@hearth/platform/runtime';
import type { DataSource } from 'typeorm';
import { Admission } from './app/admission/admission.js';
import { CallerIdentity } from './app/admission/caller-identity.js';
import { Refusals } from './app/admission/refusals.js';
import { AuditTrail } from './app/audit-trail.js';
import { ChangeVersions } from './app/change-versions/change-versions.js';
import { EngineCredentials } from './app/engines/engine-credentials.js';
import { ListSecrets } from './app/list-secrets/list-secrets.js';
import { OperatorMetadata } from './app/operator-metadata/operator-metadata.js';
import { ManagePrincipals } from './app/principals/manage-principals.js';
import { ReadSecret } from './app/read-secret/read-secret.js';
import { Rewrap } from './app/rewrap/rewrap.js';
import { SecretCommands } from './app/secret-commands.js';
import { LeaseSweeper, type LeaseSweeperSettings } from './app/workers/lease-sweeper.js';
import { NonceSweep } from './app/workers/nonce-sweep.js';
import { WriteSecret } from './app/write-secret/write-secret.js';
import { EnvelopeCipher, type KeyRing } from './infra/crypto/envelope-cipher.js';
import { AuditedEventStore } from './infra/postgres/audited-events.js';
import { PostgresEngines, PostgresLeases } from './infra/postgres/lease-store.js';
import { NonceStore } from './infra/postgres/nonces.js';
import { PrincipalStore } from './infra/postgres/principals.js';
import { ReadLedger } from './infra/postgres/read-ledger.js';
import { SecretStore } from './infra/postgres/secret-store.js';
import { StaleKeyStore } from './infra/postgres/stale-keys.js';
import { TargetPostgres } from './infra/target-postgres/target-postgres.js';

export interface VaultSettings {
  ring: KeyRing;
  /** The vault's seal key pair: the values of writes arrive sealed to its public half. */
  sealKeys: SealKeys;
  keepVersions: number;
  /** How many principals (and unknown names) the lookup cache holds at most. */
  principalCacheEntries: number;
  /** Operator roles that may read metadata over HTTP. */
  operatorRoles: readonly OperatorRole[];
  /** How long the console's word on a token is trusted (also how long a revoked one still works). */
  tokenCacheMs: number;
  /** How long a published audit event stays in the journal for hatch to ask for again. */
  journalRetentionMs: number;
  clock: Clock;
  ids: Ids;
  /** Signs what the vault publishes; checks the console's answers about tokens. */
  bus: { signer: BusSigner; verifier: BusVerifier };
  /** How often expired leases are revoked, and how failures are retried. */
  leaseSweep: LeaseSweeperSettings;
}

/** The vault's one composition root: every use case and worker, built once from the runtime's connections. */
export function composeVault(
  runtime: Pick<ServiceRuntime, 'dataSource' | 'js' | 'logger' | 'nc'>,
  {
    ring,
    sealKeys,
    keepVersions,
    principalCacheEntries,
    operatorRoles,
    tokenCacheMs,
    journalRetentionMs,
    clock,
    ids,
    bus,
    leaseSweep,
  }: VaultSettings,
) {
  const { dataSource, logger } = runtime;
  const fastPath = new FastPath(dataSource);
  const unitOfWork = new TypeOrmUnitOfWork(dataSource);
  const secrets = new SecretStore(dataSource, fastPath);
  const principals = new PrincipalStore(fastPath, principalCacheEntries);
  const nonces = new NonceStore(dataSource);
  const cipher = new EnvelopeCipher(ring);
  const store = new EventStore();
  const audit = new AuditTrail(new AuditedEventStore(store), clock, ids);
  const admission = new Admission(
    unitOfWork,
    new CallerIdentity(principals, clock),
    nonces,
    new Refusals(unitOfWork, nonces, audit),
  );
  const commands = new SecretCommands(unitOfWork, store, secrets, audit, ids);
  // Dynamic credentials: the engines' databases, reached with the root credentials the vault keeps.
  const leases = new PostgresLeases(dataSource);
  const engines = new PostgresEngines(dataSource);
  const engineCredentials = new EngineCredentials(engines, secrets, cipher, unitOfWork, audit, ids);
  const target = new TargetPostgres((engine) => engineCredentials.connectionOf(engine));
  const tokens = new ConsoleTokenCache(new ConsoleOperatorDirectory(runtime.nc, bus.verifier), tokenCacheMs, () =>
    clock.now().getTime(),
  );
  return {
    /** What the Nest module serves, each under its own class. */
    useCases: {
      readSecret: new ReadSecret(admission, secrets, cipher, new ReadLedger(fastPath), audit, logger, clock),
      writeSecret: new WriteSecret(admission, commands, secrets, cipher, clock, keepVersions, sealKeys),
      listSecrets: new ListSecrets(admission, secrets),
      changeVersions: new ChangeVersions(admission, commands),
      principals: new ManagePrincipals(unitOfWork, admission, principals, principals, audit),
      operatorMetadata: new OperatorMetadata(tokens, operatorRoles, secrets),
    },
    workers: {
      relay: new OutboxRelay(fastPath, runtime.js, bus.signer, logger, { journalRetentionMs }),
      auditJournal: new AuditJournal(fastPath, runtime.nc, runtime.js, bus.signer, logger),
      nonceSweep: new NonceSweep(nonces, logger),
      leaseSweeper: new LeaseSweeper(leases, target, unitOfWork, audit, clock, logger, leaseSweep),
    },
    /** The engines' databases (closed at shutdown), and what the lease gauges read. */
    dynamicCredentials: { target, leases, engines },
    /** Listens for principal changes while the vault runs. */
    principalCache: principals,
  };
}
export type ComposedVault = ReturnType<typeof composeVault>;
export type VaultUseCases = ComposedVault['useCases'];

/** The rewrap's composition: the vault's secret versions and KEKs, nothing of its bus. */
export function composeRewrap(dataSource: DataSource, ring: KeyRing): Rewrap {
  return new Rewrap(
    new TypeOrmUnitOfWork(dataSource),
    new StaleKeyStore(dataSource),
    new EnvelopeCipher(ring),
    ring.activeId,
  );
}
