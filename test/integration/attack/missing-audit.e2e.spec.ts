import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuditRecordPage, HatchStream, VaultClient, type AuditRecord } from '@hearth/contracts';
import {
  queryDatabase,
  runCli,
  startConsoleProcess,
  startHatchProcess,
  startNats,
  startVaultProcess,
  streamMessages,
  until,
  type RunningConsole,
  type RunningHatch,
  type RunningVault,
  type TestNats,
} from '@hearth/testkit';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Someone with admin rights on the bus deletes a genuine read's HATCH message before hatch records
 * it. hatch sees the vault's numbering skip (or, for the last message, the vault's head run past
 * its own), records the gap, and asks the vault to publish it again; where the vault no longer
 * holds the event, the gap stays open and `hearth audit verify` says so.
 */
describe('attack: an audit event removed from the HATCH stream', () => {
  const hatchKey = generateKeyPairSync('ed25519');
  const signingKey = hatchKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  let keyDir: string;
  let nats: TestNats;
  let hearthConsole: RunningConsole;
  let vault: RunningVault;
  let hatch: RunningHatch | null = null;
  let hatchDatabase: string;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let root: VaultClient;

  /** hatch on the same log each time, checking numbering every second. */
  const startHatch = async () => {
    hatch = await startHatchProcess(nats.url, {
      HATCH_SIGNING_KEY: signingKey,
      HATCH_CHECKPOINT_SECONDS: '1',
      HATCH_AUDIT_SOURCES: 'vault',
      ...(hatchDatabase ? { HATCH_DATABASE: hatchDatabase } : {}),
    });
    hatchDatabase ||= hatch.db.name;
  };
  const records = async (): Promise<AuditRecord[]> => {
    const response = await fetch(`${hatch!.url}/v1/audit/records?limit=1000`, {
      headers: { authorization: `Bearer ${hearthConsole.adminToken}` },
    });
    return AuditRecordPage.parse(await response.json()).items;
  };
  const verify = () =>
    runCli(['audit', 'verify', '--key', join(keyDir, 'hatch.pub')], {
      env: { ...process.env, HEARTH_HATCH_URL: hatch!.url, HEARTH_TOKEN: hearthConsole.adminToken },
    });
  /** Deletes the stream message of the event `id`, once the relay has published it; returns the vault's number for it. */
  const deleteFromStream = async (id: string): Promise<number> => {
    let message: Awaited<ReturnType<typeof streamMessages>>[number] | undefined;
    await until(async () => {
      message = (await streamMessages(jsm, HatchStream.name)).find((m) => m.headers['Nats-Msg-Id'] === id);
      return message !== undefined;
    });
    expect(await jsm.streams.deleteMessage(HatchStream.name, message!.seq)).toBe(true);
    return Number(message!.headers['Hearth-Source-Seq']);
  };
  /**
   * Removes the stream message of the event `id` as someone with admin rights still can once hatch has
   * made HATCH deny message delete and purge: the stream's message limit lowered until it drops
   * everything up to that message, then lifted. Returns the vault's number for it.
   */
  const dropThrough = async (id: string): Promise<number> => {
    let message: Awaited<ReturnType<typeof streamMessages>>[number] | undefined;
    await until(async () => {
      message = (await streamMessages(jsm, HatchStream.name)).find((m) => m.headers['Nats-Msg-Id'] === id);
      return message !== undefined;
    });
    await expect(jsm.streams.deleteMessage(HatchStream.name, message!.seq)).rejects.toThrow(/not permitted/);
    const { config, state } = await jsm.streams.info(HatchStream.name);
    await jsm.streams.update(HatchStream.name, { ...config, max_msgs: state.last_seq - message!.seq });
    // The server applies a lowered limit in its own time: lifted before that, it would drop nothing.
    await until(async () => (await jsm.streams.info(HatchStream.name)).state.first_seq > message!.seq, {
      what: 'the stream trimmed through the message',
    });
    await jsm.streams.update(HatchStream.name, { ...config, max_msgs: config.max_msgs });
    expect((await jsm.streams.info(HatchStream.name)).state.first_seq).toBe(message!.seq + 1);
    return Number(message!.headers['Hearth-Source-Seq']);
  };
  const gapEntries = (all: AuditRecord[], action: string) =>
    all.filter((r) => r.source === 'hatch' && r.action === action);

  beforeAll(async () => {
    keyDir = mkdtempSync(join(tmpdir(), 'hearth-gap-'));
    writeFileSync(join(keyDir, 'hatch.pub'), hatchKey.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    nats = await startNats();
    hearthConsole = await startConsoleProcess(nats.url);
    vault = await startVaultProcess(nats.url);
    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);
    root = new VaultClient(nc, 'root', vault.rootKeys, { vaultSealKey: vault.sealPublicKey });
    await root.write({ path: 'hearth/gap', values: { K: 'v' } });
  });
  afterAll(async () => {
    await nc?.close();
    await hatch?.stop();
    await vault?.stop();
    await hearthConsole?.stop();
    await nats?.stop();
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  });

  it('detects a read deleted in the middle and one deleted last, records both gaps and refills them from the vault', async () => {
    const reads: string[] = [];
    for (let i = 0; i < 4; i++) reads.push((await root.read('hearth/gap')).read_event_id);
    const middle = await deleteFromStream(reads[1]!); // in the middle: the next number skips it
    const last = await deleteFromStream(reads[3]!); // the last: nothing after it skips it

    await startHatch();
    await until(async () => gapEntries(await records(), 'gap.filled').length === 2, {
      what: 'hatch recorded two gaps filled',
    });
    const all = await records();
    const detected = gapEntries(all, 'gap.detected');
    expect(detected.map((r) => r.data)).toEqual([
      { source: 'vault', from: middle, to: middle },
      { source: 'vault', from: last, to: last },
    ]);
    const recordedReads = all.filter((r) => r.action === 'secret.read').map((r) => r.event_id);
    expect(recordedReads.sort()).toEqual([...reads].sort());
    // Each deleted read comes after the alert of its gap, and its gap's filled entry after it.
    for (const [i, gap] of detected.entries()) {
      const read = all.find((r) => r.event_id === reads[i * 2 + 1])!;
      const filled = gapEntries(all, 'gap.filled').find((r) => r.correlation_id === gap.correlation_id)!;
      expect(gap.seq < read.seq && read.seq < filled.seq).toBe(true);
    }

    const verified = await verify();
    expect(verified.stdout).not.toContain('GAP NEVER FILLED');
    expect(verified.code).toBe(0);
  });

  it('leaves the gap open, says the vault no longer holds it, and fails verify, when the journal lost it', async () => {
    await hatch!.process.kill(); // the log stays: the next hatch reads on from it
    const lost = (await root.read('hearth/gap')).read_event_id;
    await root.read('hearth/gap'); // one after it, so the next hatch sees the number skip
    const seq = await dropThrough(lost);
    await queryDatabase(vault.db.name, 'DELETE FROM audit_journal WHERE message_id = $1', [lost]);

    await startHatch();
    await until(async () => gapEntries(await records(), 'gap.unrecoverable').length === 1, {
      what: 'hatch recorded the gap unrecoverable',
    });
    expect(gapEntries(await records(), 'gap.unrecoverable')[0]!.data).toEqual({ source: 'vault', from: seq, to: seq });

    const verified = await verify();
    expect(verified.stdout).toContain(`GAP NEVER FILLED: vault events ${seq}..${seq} never reached the log`);
    expect(verified.stdout).toContain('vault no longer holds them');
    expect(verified.code).toBe(1);
  });
});
