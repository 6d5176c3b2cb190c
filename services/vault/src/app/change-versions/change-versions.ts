import { parseRequest, SecretDestroyRequest, SecretVersionsChange } from '@hearth/contracts';
import type { SecretCommand } from '../../domain/secret/secret.js';
import type { Admission, AdmissionRule } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { SecretCommands } from '../secret-commands.js';

export type VersionsChanged = { path: string; versions: number[] };
type Named = { path: string; versions: number[] };

const named: AdmissionRule<Named> = {
  capability: 'delete',
  parse: (payload) => parseRequest(SecretVersionsChange, payload),
  path: (request) => request.path,
};
const destroyed: AdmissionRule<{ path: string; versions: number[] | 'all' }> = {
  capability: 'destroy',
  parse: (payload) => {
    const { path, versions } = parseRequest(SecretDestroyRequest, payload);
    return { path, versions: versions ?? 'all' };
  },
  path: (request) => request.path,
};

/** Soft delete, undelete and destroy (crypto-shredding) of secret versions. */
export class ChangeVersions {
  constructor(
    private readonly admission: Pick<Admission, 'run'>,
    private readonly commands: Pick<SecretCommands, 'handle'>,
  ) {}

  delete(signed: SignedRequest): Promise<VersionsChanged> {
    return this.change(signed, named, (request, actor) => ({ type: 'DeleteVersions', ...request, actor }));
  }

  undelete(signed: SignedRequest): Promise<VersionsChanged> {
    return this.change(signed, named, (request, actor) => ({ type: 'UndeleteVersions', ...request, actor }));
  }

  /** Every version when the request names none. */
  destroy(signed: SignedRequest): Promise<VersionsChanged> {
    return this.change(signed, destroyed, (request, actor) => ({ type: 'DestroyVersions', ...request, actor }));
  }

  private change<R extends { path: string }>(
    signed: SignedRequest,
    rule: AdmissionRule<R>,
    commandOf: (request: R, actor: string) => SecretCommand,
  ): Promise<VersionsChanged> {
    return this.admission.run(signed, rule, async (tx, caller, request) => {
      const { events } = await this.commands.handle(tx, commandOf(request, caller.principal.name));
      return { path: request.path, versions: events.flatMap((e) => ('versions' in e.data ? e.data.versions : [])) };
    });
  }
}
