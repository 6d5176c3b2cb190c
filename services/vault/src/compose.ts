import { ConsoleClient, type BusSigner, type BusVerifier, type OperatorRole, type SealKeys } from '@hearth/contracts';
import { ConsoleOperatorDirectory, ConsoleTokenCache } from '@hearth/platform/operators';
import { correlation } from '@hearth/platform/logging';
import { AuditJournal, OutboxRelay } from '@hearth/platform/outbox';
import type { Clock, Ids } from '@hearth/platform/ports';
import { EventStore, FastPath, TypeOrmUnitOfWork } from '@hearth/platform/postgres';
import type { ServiceRuntime } from '@hearth/platform/runtime';
import { injectTraceContext } from '@hearth/platform/telemetry';
import type { DataSource } from 'typeorm';
import { Admission } from './app/admission/admission.js';
import { CallerIdentity } from './app/admission/caller-identity.js';
import { SessionDirectory } from './app/admission/sessions.js';
import { OpenSession, type SessionSettings } from './app/sessions/open-session.js';
import { Refusals } from './app/admission/refusals.js';
import { AuditTrail } from './app/audit-trail.js';
import type { ConnectionOf } from './app/ports.js';
import { ChangeVersions } from './app/change-versions/change-versions.js';
import { TestCredential } from './app/credentials/test-credential.js';
import { EngineCredentials } from './app/engines/engine-credentials.js';
import { IssueLease } from './app/leases/issue-lease.js';
import { ListLeases } from './app/leases/list-leases.js';
import { RenewLease } from './app/leases/renew-lease.js';
import { RevokeLeases } from './app/leases/revoke-leases.js';
import { ListSecrets } from './app/list-secrets/list-secrets.js';
import { OperatorLeases } from './app/operator-leases/operator-leases.js';
import { OperatorMetadata } from './app/operator-metadata/operator-metadata.js';
import { ManagePrincipals } from './app/principals/manage-principals.js';
import { ReadSecret } from './app/read-secret/read-secret.js';
import { ResolveSecrets } from './app/resolve-secrets/resolve-secrets.js';
import { Rewrap } from './app/rewrap/rewrap.js';
import { SecretCommands } from './app/secret-commands.js';
import { LeaseSweeper, type LeaseSweeperSettings } from './app/workers/lease-sweeper.js';
import { NonceSweep } from './app/workers/nonce-sweep.js';
import { RootRotations } from './app/workers/root-rotations.js';
import { WriteSecret } from './app/write-secret/write-secret.js';
import { CredentialWorkQueue } from './app/credentials/credential-work.js';
import { RotateCredential } from './app/credentials/rotate-credential.js';
import { SidecarWorkChecks } from './app/credentials/sidecar-checks.js';
import { CredentialRotations } from './app/workers/credential-rotations.js';
import { CredentialDetailsReader } from './app/credentials/credential-details.js';
import { CredentialQueries } from './app/credentials/credential-queries.js';
import { DefineCredentialType } from './app/credentials/define-type.js';
import { ManageCredential } from './app/credentials/manage-credential.js';
import { TypeCatalog } from './app/credentials/type-catalog.js';
import { PostgresCredentialTypes } from './infra/postgres/credential-types.js';
import { ConfigureEngine } from './app/engines/configure-engine.js';
import { DeleteEngine } from './app/engines/delete-engine.js';
import { EngineQueries } from './app/engines/engine-queries.js';
import { RotateRoot } from './app/engines/rotate-root.js';
import { DefineRole } from './app/roles/define-role.js';
import { DeleteRole } from './app/roles/delete-role.js';
import { RoleQueries } from './app/roles/role-queries.js';
import { ConsoleTenancy } from './infra/console/console-tenancy.js';
import { EnvelopeCipher, type KeyRing } from './infra/crypto/envelope-cipher.js';
import { PostgresCredentialWork } from './infra/postgres/credential-work.js';
import { ProtocolTesters } from './infra/credential-testers/protocol-testers.js';
import { AuditedEventStore } from './infra/postgres/audited-events.js';
import { PostgresEngines, PostgresLeases, PostgresRoles } from './infra/postgres/lease-store.js';
import { NonceStore } from './infra/postgres/nonces.js';
import { PrincipalStore } from './infra/postgres/principals.js';
import { ReadLedger } from './infra/postgres/read-ledger.js';
import { PostgresSessions } from './infra/postgres/sessions.js';
import { PostgresResolutionCandidates } from './infra/postgres/resolution-candidates.js';
import { SecretStore } from './infra/postgres/secret-store.js';
import { StaleKeyStore } from './infra/postgres/stale-keys.js';
import { generatedPasswordVerifier, generatePassword } from './infra/target-postgres/scram.js';
import { TargetPostgres } from './infra/target-postgres/target-postgres.js';

export interface VaultSettings {
  ring: KeyRing;
  /** The vault's seal key pair: the values of writes arrive sealed to its public half. */
  sealKeys: SealKeys;
  keepVersions: number;
  /** How many principals (and unknown names) the lookup cache holds at most; the session cache as many ids. */
  principalCacheEntries: number;
  sessions: SessionSettings;
  /** Operator roles that may read metadata over HTTP. */
  operatorRoles: readonly OperatorRole[];
  /** How long the console's word on a token is trusted (also how long a revoked one still works). */
  tokenCacheMs: number;
  /** How long the console's word on a workspace's team and org is trusted. */
  tenancyCacheMs: number;
  /** How long a published audit event stays in the journal for hatch to ask for again. */
  journalRetentionMs: number;
  clock: Clock;
  ids: Ids;
  /** Signs what the vault publishes; checks the console's answers about tokens. */
  bus: { signer: BusSigner; verifier: BusVerifier };
  /** How often expired leases are revoked, and how failures are retried. */
  leaseSweep: LeaseSweeperSettings;
  /** How often root rotations are checked for (schedules, and rotations left in flight). */
  rotationCheckMs: number;
  /** How long a claim of credential work stands before the work is handed out again. */
  credentialWorkClaimMs: number;
  /** How long a credential's test may take before it is TIMEOUT. */
  credentialTestTimeoutMs: number;
  /** How long a sidecar credential's test waits for its driver's check. */
  sidecarCheckTimeoutMs: number;
}

/** The vault's one composition root: every use case and worker, built once from the runtime's connections. */
export function composeVault(
  runtime: Pick<ServiceRuntime, 'dataSource' | 'js' | 'logger' | 'nc'>,
  {
    ring,
    sealKeys,
    keepVersions,
    principalCacheEntries,
    sessions: sessionSettings,
    operatorRoles,
    tokenCacheMs,
    tenancyCacheMs,
    journalRetentionMs,
    clock,
    ids,
    bus,
    leaseSweep,
    rotationCheckMs,
    credentialWorkClaimMs,
    credentialTestTimeoutMs,
    sidecarCheckTimeoutMs,
  }: VaultSettings,
) {
  const { dataSource, logger } = runtime;
  const fastPath = new FastPath(dataSource);
  const unitOfWork = new TypeOrmUnitOfWork(dataSource);
  const secrets = new SecretStore(dataSource, fastPath);
  const principals = new PrincipalStore(fastPath, principalCacheEntries, logger);
  const nonces = new NonceStore(dataSource);
  const cipher = new EnvelopeCipher(ring);
  const store = new EventStore();
  const auditedEvents = new AuditedEventStore(store);
  const audit = new AuditTrail(auditedEvents, clock, ids);
  const sessionRecords = new PostgresSessions(fastPath);
  const sessions = new SessionDirectory(sessionRecords, cipher, logger, principalCacheEntries);
  principals.onForget(() => sessions.forget());
  const admission = new Admission(
    unitOfWork,
    new CallerIdentity(principals, sessions, clock),
    nonces,
    new Refusals(unitOfWork, nonces, audit),
  );
  const commands = new SecretCommands(unitOfWork, store, secrets, audit, ids);
  // Credentials: types (system and custom) every write is checked against, and what get answers.
  const credentialTypes = new PostgresCredentialTypes(dataSource);
  const typeCatalog = new TypeCatalog(credentialTypes);
  const credentialDetails = new CredentialDetailsReader(unitOfWork, secrets, commands);
  const tokens = new ConsoleTokenCache(new ConsoleOperatorDirectory(runtime.nc, bus.verifier), tokenCacheMs, () =>
    clock.now().getTime(),
  );
  // Dynamic credentials: engines, roles and leases, and the databases engines mint users on, reached
  // with root credentials the machinery reads (each read recorded).
  const engines = new PostgresEngines(dataSource);
  const roles = new PostgresRoles(dataSource);
  const leases = new PostgresLeases(dataSource);
  const engineCredentials = new EngineCredentials(engines, secrets, cipher, unitOfWork, audit, ids);
  const connectionOf: ConnectionOf = (engine) => engineCredentials.connectionOf(engine);
  const target = new TargetPostgres(connectionOf);
  const passwords = { generate: generatePassword, verifierOf: generatedPasswordVerifier };
  const rootSecrets = { commands, records: secrets, catalog: secrets, keepVersions };
  const rotateRoot = new RotateRoot(
    admission,
    unitOfWork,
    engines,
    leases,
    engineCredentials,
    passwords,
    target,
    cipher,
    rootSecrets,
    audit,
    clock,
    logger,
  );
  // Credential rotation: the write's own path promotes; the driver's work queue beside the secrets.
  const writeSecret = new WriteSecret(admission, commands, secrets, cipher, clock, keepVersions, sealKeys, typeCatalog);
  const credentialWork = new PostgresCredentialWork(dataSource, fastPath, logger);
  const rotateCredential = new RotateCredential(
    admission,
    writeSecret,
    commands,
    credentialWork,
    secrets,
    cipher,
    passwords,
    ids,
    clock,
    typeCatalog,
    sealKeys,
  );
  const sidecarChecks = new SidecarWorkChecks(unitOfWork, credentialWork, ids, clock);
  // Resolution: a workspace's team and org from the console's tenancy tree, its credentials from here.
  const tenancy = new ConsoleTenancy(
    new ConsoleClient(runtime.nc, bus.verifier, { injectTraceContext, correlationId: () => correlation.getStore() }),
    tenancyCacheMs,
    () => clock.now().getTime(),
  );
  return {
    /** What the Nest module serves, each under its own class. */
    useCases: {
      readSecret: new ReadSecret(admission, secrets, cipher, new ReadLedger(fastPath), audit, logger, clock),
      resolveSecrets: new ResolveSecrets(
        admission,
        tenancy,
        new PostgresResolutionCandidates(fastPath),
        cipher,
        unitOfWork,
        nonces,
        auditedEvents,
        audit,
        logger,
        clock,
      ),
      writeSecret,
      listSecrets: new ListSecrets(admission, secrets, clock),
      changeVersions: new ChangeVersions(admission, commands),
      openSession: new OpenSession(admission, sessionRecords, sessions, cipher, audit, ids, clock, sessionSettings),
      principals: new ManagePrincipals(unitOfWork, admission, principals, principals, audit),
      operatorMetadata: new OperatorMetadata(tokens, operatorRoles, secrets, credentialDetails, typeCatalog, clock),
      credentialQueries: new CredentialQueries(admission, credentialDetails, typeCatalog),
      defineCredentialType: new DefineCredentialType(admission, credentialTypes, audit, auditedEvents, clock),
      manageCredential: new ManageCredential(admission, commands, credentialDetails, clock),
      configureEngine: new ConfigureEngine(admission, engines, leases, engineCredentials, target, audit, clock),
      engineQueries: new EngineQueries(admission, engines, leases, connectionOf, target, clock),
      deleteEngine: new DeleteEngine(admission, engines, leases, target, audit, clock),
      rotateRoot,
      defineRole: new DefineRole(admission, engines, roles, leases, target, audit, clock),
      roleQueries: new RoleQueries(admission, roles, leases),
      deleteRole: new DeleteRole(admission, roles, engines, audit),
      operatorLeases: new OperatorLeases(engines, roles, leases, target, connectionOf, clock),
      issueLease: new IssueLease(admission, unitOfWork, roles, engines, leases, target, passwords, audit, clock),
      renewLease: new RenewLease(admission, unitOfWork, roles, leases, target, audit, clock),
      revokeLeases: new RevokeLeases(admission, unitOfWork, leases, target, audit, clock),
      listLeases: new ListLeases(admission, leases),
      rotateCredential,
      credentialWork: new CredentialWorkQueue(
        admission,
        credentialWork,
        commands,
        writeSecret,
        cipher,
        audit,
        clock,
        credentialWorkClaimMs,
      ),
      testCredential: new TestCredential(
        admission,
        unitOfWork,
        nonces,
        secrets,
        secrets,
        cipher,
        typeCatalog,
        new ProtocolTesters(),
        sidecarChecks,
        commands,
        clock,
        { protocolMs: credentialTestTimeoutMs, sidecarMs: sidecarCheckTimeoutMs },
      ),
    },
    workers: {
      relay: new OutboxRelay(fastPath, runtime.js, bus.signer, logger, { journalRetentionMs, connection: runtime.nc }),
      auditJournal: new AuditJournal(fastPath, runtime.nc, runtime.js, bus.signer, logger),
      nonceSweep: new NonceSweep(nonces, logger),
      leaseSweeper: new LeaseSweeper(leases, target, unitOfWork, audit, clock, logger, leaseSweep),
      rootRotations: new RootRotations(rotateRoot, logger, rotationCheckMs),
      credentialRotations: new CredentialRotations(
        unitOfWork,
        credentialWork,
        rotateCredential,
        clock,
        logger,
        rotationCheckMs,
      ),
    },
    /** The driver's work queue (its LISTEN for reports runs while the vault does), and the sidecar tests it answers. */
    credentialWork: {
      store: credentialWork,
      sidecarChecks,
    },
    /** Listens for principal changes while the vault runs. */
    principalCache: principals,
    /** The engines' databases (closed at shutdown), their root credentials as the machinery reads them, and what the lease gauges read. */
    dynamicCredentials: { target, engineCredentials, leases, engines },
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
