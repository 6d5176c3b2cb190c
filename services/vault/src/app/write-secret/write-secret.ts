import {
  ErrorCode,
  HearthError,
  parseRequest,
  SECRET_LIMITS,
  SecretWriteRequest,
  type ParsedSecretWrite,
  type SecretValues,
  type SecretWritten,
} from '@hearth/contracts';
import { handleCommand, type EventStore } from '@hearth/platform/postgres';
import { secretDecider, secretStream, type SecretEvent } from '../../domain/secret/secret.js';
import type { Envelope } from '../../infra/crypto/envelope.js';
import type { SecretStore } from '../../infra/postgres/secret-store.js';
import type { AuditTrail } from '../audit-trail.js';
import type { SignedRequest } from '../caller-identity.js';
import type { Admission, Gatekeeper } from '../gatekeeper.js';
import type { Clock, Transaction, UnitOfWork } from '@hearth/platform/ports';
import { applySecretEvents } from '../secret-projection.js';

/** Refuses values past the documented limits before anything is decided or written. */
export function checkLimits(values: SecretValues): void {
  const entries = Object.entries(values);
  const sizes = entries.map(([, v]) => Buffer.byteLength(v, 'utf8'));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (
    entries.length === 0 ||
    entries.length > SECRET_LIMITS.values ||
    sizes.some((s) => s > SECRET_LIMITS.valueBytes) ||
    total > SECRET_LIMITS.totalBytes
  ) {
    throw new HearthError(
      ErrorCode.ValueTooLarge,
      `a secret holds 1-${SECRET_LIMITS.values} values of at most ${SECRET_LIMITS.valueBytes} bytes, ${SECRET_LIMITS.totalBytes} in all`,
    );
  }
}

const write: Admission<ParsedSecretWrite> = {
  capability: 'write',
  parse: (payload) => {
    const request = parseRequest(SecretWriteRequest, payload);
    checkLimits(request.values);
    return request;
  },
  path: (request) => request.path,
};

/**
 * A new version of a secret: decided on the path's stream with check-and-set, its values sealed
 * under a fresh DEK in the same transaction, versions past retention crypto-shredded.
 */
export class WriteSecret {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly gate: Pick<Gatekeeper, 'run'>,
    private readonly store: EventStore,
    private readonly secrets: SecretStore,
    private readonly envelope: Pick<Envelope, 'seal'>,
    private readonly audit: Pick<AuditTrail, 'metadata' | 'publish'>,
    private readonly clock: Clock,
    private readonly newId: () => string,
    private readonly keepVersions: number,
  ) {}

  run(signed: SignedRequest): Promise<SecretWritten> {
    return this.gate.run(signed, write, async (tx, caller, request) => {
      const { state } = await handleCommand({
        unitOfWork: this.unitOfWork,
        tx,
        store: this.store,
        decider: secretDecider,
        upcast: (stored) => stored as unknown as SecretEvent,
        stream: secretStream(request.path),
        command: {
          type: 'WriteSecret',
          path: request.path,
          provider: request.provider,
          tags: request.tags,
          description: request.description ?? null,
          expiresAt: request.expires_at ?? null,
          valueNames: Object.keys(request.values).sort(),
          cas: request.cas,
          keepVersions: this.keepVersions,
          actor: caller.principal.name,
          now: this.clock.now().toISOString(),
        },
        metadata: () => this.audit.metadata(caller.principal.name),
        newId: this.newId,
        afterAppend: async ({ tx: inner, events, appended }) => {
          await this.sealValues(inner, events, request.values);
          await applySecretEvents(inner, this.secrets, events);
          await this.audit.publish(inner, appended);
        },
      });
      return { path: request.path, version: state.currentVersion };
    });
  }

  private async sealValues(tx: Transaction, events: SecretEvent[], values: SecretValues): Promise<void> {
    for (const event of events) {
      if (event.type !== 'SecretVersionWrittenV1') continue;
      const { path, version } = event.data;
      const plaintext = Buffer.from(JSON.stringify(values), 'utf8');
      try {
        const sealed = this.envelope.seal(plaintext, { path, version });
        await this.secrets.insertVersion(tx, path, version, sealed, {
          at: event.data.created_at,
          by: event.data.created_by,
        });
      } finally {
        plaintext.fill(0);
      }
    }
  }
}
