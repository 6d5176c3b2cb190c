import type { AuditCheckpoint } from '@hearth/contracts';
import { loadPrivateKey, publicKeyPem, signCheckpoint, type ChainHead } from '@hearth/audit-chain';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { CheckpointSigner } from '../../app/ports.js';

/** Signs checkpoints with hatch's ed25519 key, from HATCH_SIGNING_KEY or the file HATCH_SIGNING_KEY_FILE names. */
export class Ed25519Signer implements CheckpointSigner {
  readonly publicKeyPem: string;

  constructor(private readonly key: KeyObject) {
    this.publicKeyPem = publicKeyPem(key);
  }

  static fromConfig(config: { HATCH_SIGNING_KEY?: string | undefined; HATCH_SIGNING_KEY_FILE?: string | undefined }) {
    const text = config.HATCH_SIGNING_KEY ?? readFileSync(config.HATCH_SIGNING_KEY_FILE!, 'utf8');
    return new Ed25519Signer(loadPrivateKey(text));
  }

  sign(head: ChainHead, at: string): AuditCheckpoint {
    return signCheckpoint(head, at, this.key);
  }
}
