import type { AuditCheckpoint } from '@hearth/contracts';
import { loadPrivateKey, publicKeyPem, signCheckpoint, type ChainHead } from '@hearth/audit-chain';
import type { KeyObject } from 'node:crypto';
import type { CheckpointSigner } from '../../app/ports.js';

/** Signs checkpoints with hatch's ed25519 key (HATCH_SIGNING_KEY, which may come from HATCH_SIGNING_KEY_FILE). */
export class Ed25519Signer implements CheckpointSigner {
  readonly publicKeyPem: string;

  constructor(private readonly key: KeyObject) {
    this.publicKeyPem = publicKeyPem(key);
  }

  static fromConfig(config: { HATCH_SIGNING_KEY: string }) {
    return new Ed25519Signer(loadPrivateKey(config.HATCH_SIGNING_KEY));
  }

  sign(head: ChainHead, at: string): AuditCheckpoint {
    return signCheckpoint(head, at, this.key);
  }
}
