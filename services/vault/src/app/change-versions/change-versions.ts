import type { UnitOfWork } from '@hearth/platform/ports';
import { parseRequest, SecretDestroyRequest, SecretVersionsChange } from '@hearth/contracts';
import { handleCommand, type EventStore } from '@hearth/platform/postgres';
import { secretDecider, secretStream, type SecretEvent } from '../../domain/secret/secret.js';
import type { SecretStore } from '../../infra/postgres/secret-store.js';
import type { AuditTrail } from '../audit-trail.js';
import type { SignedRequest } from '../caller-identity.js';
import type { Admission, Gatekeeper } from '../gatekeeper.js';
import { applySecretEvents } from '../secret-projection.js';

export type VersionChange =
  | { type: 'DeleteVersions'; path: string; versions: number[] }
  | { type: 'UndeleteVersions'; path: string; versions: number[] }
  | { type: 'DestroyVersions'; path: string; versions: number[] | 'all' };

const path = (change: VersionChange) => change.path;
const ADMISSIONS: { [T in VersionChange['type']]: Admission<VersionChange & { type: T }> } = {
  DeleteVersions: {
    capability: 'delete',
    parse: (payload) => ({ type: 'DeleteVersions', ...parseRequest(SecretVersionsChange, payload) }),
    path,
  },
  UndeleteVersions: {
    capability: 'delete',
    parse: (payload) => ({ type: 'UndeleteVersions', ...parseRequest(SecretVersionsChange, payload) }),
    path,
  },
  DestroyVersions: {
    capability: 'destroy',
    parse: (payload) => {
      const { path: at, versions } = parseRequest(SecretDestroyRequest, payload);
      return { type: 'DestroyVersions', path: at, versions: versions ?? 'all' };
    },
    path,
  },
};

/** Soft delete, undelete and destroy (crypto-shredding) of secret versions. */
export class ChangeVersions {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly gate: Pick<Gatekeeper, 'run'>,
    private readonly store: EventStore,
    private readonly secrets: SecretStore,
    private readonly audit: Pick<AuditTrail, 'metadata' | 'publish'>,
    private readonly newId: () => string,
  ) {}

  run(type: VersionChange['type'], signed: SignedRequest): Promise<{ path: string; versions: number[] }> {
    const admission: Admission<VersionChange> = ADMISSIONS[type];
    return this.gate.run(signed, admission, async (tx, caller, change) => {
      const { events } = await handleCommand({
        unitOfWork: this.unitOfWork,
        tx,
        store: this.store,
        decider: secretDecider,
        upcast: (stored) => stored as unknown as SecretEvent,
        stream: secretStream(change.path),
        command: { ...change, actor: caller.principal.name },
        metadata: () => this.audit.metadata(caller.principal.name),
        newId: this.newId,
        afterAppend: async ({ tx: inner, events: decided, appended }) => {
          await applySecretEvents(inner, this.secrets, decided);
          await this.audit.publish(inner, appended);
        },
      });
      return { path: change.path, versions: events.flatMap((e) => ('versions' in e.data ? e.data.versions : [])) };
    });
  }
}
