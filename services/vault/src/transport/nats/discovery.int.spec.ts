import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CredentialSubjects, LeaseSubjects, VaultSubjects } from '@hearth/contracts';
import { startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';

interface ServiceInfo {
  type: string;
  name: string;
  version: string;
  endpoints: Array<{ name: string; subject: string; queue_group?: string }>;
}

describe('service discovery', () => {
  let h: VaultHarness;
  beforeAll(async () => {
    h = await startVaultHarness();
  });
  afterAll(() => h?.close());

  it('answers $SRV.INFO.hearth-vault with its name, version and every vault endpoint', async () => {
    const info = (await h.nc.request('$SRV.INFO.hearth-vault', '', { timeout: 5_000 })).json<ServiceInfo>();
    expect(info).toMatchObject({ type: 'io.nats.micro.v1.info_response', name: 'hearth-vault' });
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.endpoints.map((e) => e.subject).sort()).toEqual(
      [...Object.values(VaultSubjects), ...Object.values(LeaseSubjects), ...Object.values(CredentialSubjects)].sort(),
    );
    // replicas share one queue group, so each request is answered once
    expect(new Set(info.endpoints.map((e) => e.queue_group))).toEqual(new Set(['vault']));
  });

  it('answers $SRV.PING with the same name, so a plain `nats micro ls` finds it', async () => {
    const ping = (await h.nc.request('$SRV.PING.hearth-vault', '', { timeout: 5_000 })).json<{ name: string }>();
    expect(ping.name).toBe('hearth-vault');
  });
});
