import { SecretValues, type ParsedSecretWrite } from '@hearth/contracts';
import type { Cipher, RotationSubject, SealedVersion, VersionRef } from '../ports.js';

/** A version's values, opened; the plaintext bytes are zeroed once parsed. */
export function openVersion(cipher: Pick<Cipher, 'open'>, sealed: SealedVersion, ref: VersionRef): SecretValues {
  const plaintext = cipher.open(sealed, ref);
  try {
    return SecretValues.parse(JSON.parse(Buffer.from(plaintext).toString('utf8')));
  } finally {
    plaintext.fill(0);
  }
}

/**
 * A rotation's new version as a write: `values` in place of the subject's, everything else (provider,
 * type, environment, tags, description, expiry) as the current version has it, checked against it (cas).
 */
export function rewriteOf(subject: RotationSubject, values: SecretValues): ParsedSecretWrite {
  return {
    path: subject.path,
    values,
    provider: subject.provider,
    type: subject.type,
    environment: subject.environment,
    tags: subject.tags,
    ...(subject.description === null ? {} : { description: subject.description }),
    ...(subject.expiresAt === null ? {} : { expires_at: subject.expiresAt.toISOString() }),
    cas: subject.currentVersion,
  };
}
