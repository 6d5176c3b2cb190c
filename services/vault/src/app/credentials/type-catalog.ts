import {
  ErrorCode,
  GENERIC_TYPE,
  genericTypeOf,
  HearthError,
  SYSTEM_CREDENTIAL_TYPES,
  type CredentialTypeInfo,
  type ParsedCredentialType,
} from '@hearth/contracts';
import type { CredentialTypeStore } from '../ports.js';

/** A type as a write is checked against it: a custom type's version goes on the record with the values. */
export interface ResolvedType {
  type: ParsedCredentialType;
  version: number | null;
}

/** A type as the vault lists it (system types are version 1 for good: they change only with a release). */
export function typeInfoOf(type: ParsedCredentialType, system: boolean, version: number): CredentialTypeInfo {
  return {
    name: type.name,
    display_name: type.display_name,
    category: type.category,
    description: type.description ?? null,
    fields: type.fields,
    tester: type.tester,
    system,
    version,
  };
}

/** Every type a credential can have: generic, the system ones (contracts), and the custom ones an admin defined. */
export class TypeCatalog {
  constructor(private readonly custom: Pick<CredentialTypeStore, 'find' | 'list'>) {}

  /** The type named `name` (generic: whatever `valueNames` are), or VAULT.TYPE_NOT_FOUND. */
  async resolve(name: string, valueNames: readonly string[]): Promise<ResolvedType> {
    if (name === GENERIC_TYPE) return { type: genericTypeOf(valueNames), version: null };
    const system = SYSTEM_CREDENTIAL_TYPES.get(name);
    if (system) return { type: system, version: null };
    const custom = await this.custom.find(name);
    if (!custom) throw new HearthError(ErrorCode.TypeNotFound, `no credential type ${name}`);
    return custom;
  }

  /** The system types, then the custom ones, each at its latest version. */
  async list(): Promise<CredentialTypeInfo[]> {
    const system = [...SYSTEM_CREDENTIAL_TYPES.values()].map((type) => typeInfoOf(type, true, 1));
    return [...system, ...(await this.custom.list())];
  }
}
