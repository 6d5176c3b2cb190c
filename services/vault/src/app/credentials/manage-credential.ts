import {
  CredentialScheduleRequest,
  CredentialStatusRequest,
  parseRequest,
  type CredentialDetails,
} from '@hearth/contracts';
import type { Clock } from '@hearth/platform/ports';
import type { z } from 'zod';
import type { Admission, AdmissionRule } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { SecretCommands } from '../secret-commands.js';
import type { CredentialDetailsReader } from './credential-details.js';

const status: AdmissionRule<z.infer<typeof CredentialStatusRequest>> = {
  capability: 'write',
  parse: (payload) => parseRequest(CredentialStatusRequest, payload),
  path: ({ path }) => path,
};
const schedule: AdmissionRule<z.infer<typeof CredentialScheduleRequest>> = {
  capability: 'write',
  parse: (payload) => parseRequest(CredentialScheduleRequest, payload),
  path: ({ path }) => path,
};

/**
 * A credential's lifecycle besides its values: (de)activation, which reads then refuse, and its
 * rotation schedule (AUTO_MANAGED only). Each is decided on the credential's stream and answered
 * with its details as the same transaction left them.
 */
export class ManageCredential {
  constructor(
    private readonly admission: Pick<Admission, 'run'>,
    private readonly commands: Pick<SecretCommands, 'handle'>,
    private readonly details: Pick<CredentialDetailsReader, 'in'>,
    private readonly clock: Clock,
  ) {}

  setActive(signed: SignedRequest): Promise<CredentialDetails> {
    return this.admission.run(signed, status, async (tx, caller, { path, active }) => {
      await this.commands.handle(tx, { type: 'SetActive', path, active, actor: caller.principal.name });
      return this.details.in(tx, path);
    });
  }

  schedule(signed: SignedRequest): Promise<CredentialDetails> {
    return this.admission.run(signed, schedule, async (tx, caller, { path, every_days: everyDays }) => {
      await this.commands.handle(tx, {
        type: 'ScheduleRotation',
        path,
        everyDays,
        actor: caller.principal.name,
        now: this.clock.now().toISOString(),
      });
      return this.details.in(tx, path);
    });
  }
}
