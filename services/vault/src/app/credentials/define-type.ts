import {
  credentialTypePath,
  CredentialTypeDefinition,
  ErrorCode,
  GENERIC_TYPE,
  HearthError,
  parseRequest,
  SYSTEM_CREDENTIAL_TYPES,
  type CredentialTypeInfo,
  type ParsedCredentialType,
} from '@hearth/contracts';
import type { Clock } from '@hearth/platform/ports';
import type { Admission, AdmissionRule } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { AuditTrail } from '../audit-trail.js';
import type { AuditedEvents, CredentialTypeStore } from '../ports.js';
import { typeInfoOf } from './type-catalog.js';

const define: AdmissionRule<ParsedCredentialType> = {
  capability: 'write',
  parse: (payload) => {
    const type = parseRequest(CredentialTypeDefinition, payload);
    // A system type's name would make every credential of it ambiguous; generic is every untyped secret.
    if (type.name === GENERIC_TYPE || SYSTEM_CREDENTIAL_TYPES.has(type.name)) {
      throw new HearthError(ErrorCode.SystemType, `${type.name} is a system type: a custom type takes another name`);
    }
    return type;
  },
  path: (type) => credentialTypePath(type.name),
};

/** The stream of a custom type's versions: each definition is the next event on it. */
export const credentialTypeStream = (name: string): string => `credential-type-${name}`;

/**
 * Defines a custom credential type, or its next version: kept in the type store and recorded on the
 * type's own stream, whose version is the type's, and queued for HATCH in the same transaction.
 * Credentials written earlier keep the version they were checked against.
 */
export class DefineCredentialType {
  constructor(
    private readonly admission: Pick<Admission, 'run'>,
    private readonly types: Pick<CredentialTypeStore, 'define'>,
    private readonly audit: Pick<AuditTrail, 'envelopeOf'>,
    private readonly events: Pick<AuditedEvents, 'append'>,
    private readonly clock: Clock,
  ) {}

  run(signed: SignedRequest): Promise<CredentialTypeInfo> {
    return this.admission.run(signed, define, async (tx, caller, type) => {
      const by = caller.principal.name;
      const version = await this.types.define(tx, type, { at: this.clock.now().toISOString(), by });
      const info = typeInfoOf(type, false, version);
      const envelope = this.audit.envelopeOf(
        {
          type: 'CredentialTypeDefinedV1',
          data: {
            path: credentialTypePath(type.name),
            workspace_slug: null,
            name: type.name,
            version,
            display_name: type.display_name,
            category: type.category,
            fields: info.fields,
            tester: type.tester,
            by,
          },
        },
        by,
      );
      await this.events.append(tx, { ...envelope, stream: credentialTypeStream(type.name), version });
      return info;
    });
  }
}
