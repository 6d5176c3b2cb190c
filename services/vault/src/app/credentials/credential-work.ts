import {
  CredentialWorkReport,
  ErrorCode,
  HearthError,
  parseRequest,
  SIDECAR_TAG,
  type CredentialWork,
  type CredentialWorkList,
  type CredentialWorkValues,
} from '@hearth/contracts';
import type { Clock, Transaction } from '@hearth/platform/ports';
import { failpoint } from '@hearth/platform/runtime';
import { z } from 'zod';
import { mayAccess } from '../../domain/policy/policy.js';
import { secretReadEvent } from '../../domain/read.js';
import { workspaceOf } from '../../domain/secret/secret.js';
import type { Admission, AdmissionRule } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { AuditTrail } from '../audit-trail.js';
import type { Cipher, ClaimedWork, CredentialWorkStore, RotationSubject, SealedVersion, StoredWork } from '../ports.js';
import type { SecretCommands } from '../secret-commands.js';
import type { WriteSecret } from '../write-secret/write-secret.js';
import { openVersion, rewriteOf } from './rotation-versions.js';

/** How many items one claim hands out at most (CredentialWorkList's bound). */
const CLAIM_LIMIT = 100;

/**
 * The claim names no path: any known signer may ask, and gets only its own work (the credentials it
 * generated) on paths it may still write. Refusals (a replay, say) are recorded as `write` refusals.
 */
const claimRule: AdmissionRule<Record<string, never>> = {
  capability: 'write',
  parse: (payload) => parseRequest(z.object({}).strict(), payload),
  path: () => null,
};

const reportRule: AdmissionRule<CredentialWorkReport> = {
  capability: 'write',
  parse: (payload) => parseRequest(CredentialWorkReport, payload),
  path: (request) => request.path,
};

/**
 * The driver's side of rotation and of sidecar tests. Claim hands each open item to the principal that
 * generated its credential, its values sealed to that principal's key, each value recorded as read
 * (SecretReadV1, request `<claim nonce>/<work id>`) in the commit that precedes the reply. Report
 * settles: a sidecar that took the pending value promotes it and the old version is destroyed (it no
 * longer opens the sidecar); one still on the old value abandons the rotation; one that took neither
 * fails this attempt and the work is handed out again after the claim timeout.
 */
export class CredentialWorkQueue {
  constructor(
    private readonly admission: Pick<Admission, 'run'>,
    private readonly work: Pick<CredentialWorkStore, 'claim' | 'find' | 'close' | 'subject'>,
    private readonly commands: Pick<SecretCommands, 'handle'>,
    private readonly writeSecret: Pick<WriteSecret, 'write'>,
    private readonly cipher: Pick<Cipher, 'open'>,
    private readonly audit: Pick<AuditTrail, 'record'>,
    private readonly clock: Clock,
    private readonly claimTimeoutMs: number,
  ) {}

  claim(signed: SignedRequest): Promise<CredentialWorkList> {
    return this.admission.run(signed, claimRule, async (tx, caller) => {
      const now = this.clock.now();
      const actor = caller.principal.name;
      const claimed = await this.work.claim(tx, actor, now, new Date(now.getTime() - this.claimTimeoutMs), CLAIM_LIMIT);
      const work: CredentialWork[] = [];
      for (const item of claimed) {
        // Its write revoked, the driver gets no value of the path any more; nor is a destroyed or abandoned value sent.
        if (!mayAccess(caller.principal.rules, item.path, 'write') || !item.current.sealed) continue;
        if (item.kind === 'rotate' && item.pending === null) continue;
        const plaintext = Buffer.from(JSON.stringify(this.valuesOf(item)), 'utf8');
        const sealed = caller.seal(plaintext);
        plaintext.fill(0);
        const read = { actor, path: item.path, nonce: `${caller.nonce}/${item.id}` };
        for (const version of item.kind === 'rotate' ? [item.current.version, item.version] : [item.version]) {
          await this.audit.record(tx, secretReadEvent(read, version, 'OK'), actor);
        }
        work.push({
          id: item.id,
          kind: item.kind,
          path: item.path,
          type: item.type,
          workspace_slug: workspaceOf(item.path),
          service: item.tags[SIDECAR_TAG] ?? null,
          version: item.version,
          sealed: Buffer.from(sealed).toString('base64'),
        });
      }
      return { work };
    });
  }

  report(signed: SignedRequest): Promise<{ path: string; version: number }> {
    return this.admission.run(signed, reportRule, async (tx, caller, report) => {
      const actor = caller.principal.name;
      const work = await this.work.find(tx, report.id);
      // Another principal's work is as absent as none: its existence is not the caller's to learn.
      if (!work || work.claimant !== actor || work.path !== report.path || work.version !== report.version) {
        throw new HearthError(ErrorCode.WorkNotFound, `no work ${report.id} of ${actor} for ${report.path}`);
      }
      const answer = { path: work.path, version: work.version };
      // A repeated report (a driver retrying after a lost reply) changes nothing.
      if (work.doneAt) return answer;
      if (work.kind === 'check') {
        if (report.outcome === 'applied') {
          throw new HearthError(ErrorCode.InvalidRequest, 'a check is reported ok, failed or timeout');
        }
        await this.work.close(tx, work.id, report.outcome, report.message, this.clock.now());
        return answer;
      }
      if (report.outcome === 'ok') {
        throw new HearthError(ErrorCode.InvalidRequest, 'a rotation is reported applied, failed or timeout');
      }
      await this.settleRotation(tx, work, report, actor);
      return answer;
    });
  }

  private async settleRotation(tx: Transaction, work: StoredWork, report: CredentialWorkReport, actor: string) {
    const { path, version } = work;
    const subject = await this.work.subject(path, tx);
    if (!subject || subject.pendingVersion !== version || !subject.pending) {
      await this.work.close(
        tx,
        work.id,
        'failed',
        'the rotation was abandoned: a new version was written',
        this.clock.now(),
      );
      return;
    }
    const settle = (outcome: 'applied' | 'failed' | 'abandoned') =>
      this.commands.handle(tx, { type: 'SettleRotation', path, version, outcome, reason: report.message, actor });
    if (report.outcome === 'applied' || (report.outcome === 'failed' && report.works === 'pending')) {
      await settle('applied');
      failpoint('vault.rotation.before-promote');
      await this.promote(tx, subject, subject.pending, actor);
      await this.work.close(tx, work.id, report.outcome, report.message, this.clock.now());
    } else if (report.outcome === 'failed' && report.works === 'current') {
      // The sidecar still takes the old value (checked by a login): it stays current, and the rotation is
      // over. Without that evidence (an exec that broke, a sidecar not running) the new value may be the
      // one the sidecar holds, so it is kept and the work is handed out again.
      await settle('abandoned');
      await this.work.close(tx, work.id, 'failed', report.message, this.clock.now());
    } else {
      // Neither value logs in, or no answer: the row stays open and claimed, handed out again after the claim timeout.
      await settle('failed');
    }
  }

  /** The pending value becomes the current version (written and promoted); the old one is destroyed: it opens nothing now. */
  private async promote(tx: Transaction, subject: RotationSubject, pending: SealedVersion, actor: string) {
    const { path, pendingVersion, currentVersion } = subject;
    const values = openVersion(this.cipher, pending, { path, version: pendingVersion! });
    await this.writeSecret.write(tx, actor, rewriteOf(subject, values), 'promote');
    await this.commands.handle(tx, { type: 'DestroyVersions', path, versions: [currentVersion], actor });
  }

  /** The values an item carries, opened here and sealed to its claimant by the caller. */
  private valuesOf(item: ClaimedWork): CredentialWorkValues {
    const open = (sealed: SealedVersion, version: number) =>
      openVersion(this.cipher, sealed, { path: item.path, version });
    return {
      path: item.path,
      version: item.version,
      current: open(item.current.sealed!, item.current.version),
      pending: item.kind === 'rotate' ? open(item.pending!, item.version) : null,
    };
  }
}
