import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BUSYBOX_IMAGE, startDriverHarness, type DriverHarness } from '../../test/driver-harness.js';

describe('reconciling on the real engine', () => {
  let h: DriverHarness;
  beforeAll(async () => {
    h = await startDriverHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('reconciles by label: what a gone deployment left is removed, an unknown one held, a ready one restarted, a pending one left alone', async () => {
    const [gone, unknown, ready, pending, vaultOnly] = [
      h.newSlug(),
      h.newSlug(),
      h.newSlug(),
      h.newSlug(),
      h.newSlug(),
    ];
    for (const slug of [gone, unknown, ready, pending]) {
      await h.useCases.commands.handle(
        h.provisionCommand(slug, [{ name: 'tool', image: BUSYBOX_IMAGE, auto_credentials: [{ name: 'K' }] }]),
      );
    }
    await h.vault.writeGenerated(
      `hearth/${vaultOnly}`,
      'generic',
      { K: 'left-by-a-crash' },
      { provisioned_for_service: `${vaultOnly}/tool` },
    );
    h.directory.statuses.set(gone, 'deprovisioned');
    h.directory.statuses.delete(unknown);
    h.directory.statuses.set(ready, 'ready');
    h.directory.statuses.set(pending, 'provisioning');
    h.directory.statuses.set(vaultOnly, 'failed');
    await h.docker.getContainer(`hearth-${ready}-tool`).stop({ t: 0 });

    const report = await h.useCases.commands.reconcileNow();
    expect(report.removed).toEqual(expect.arrayContaining([gone, vaultOnly]));
    expect(report.held).toEqual([unknown]);
    expect(report.restarted).toContain(ready);
    expect(report.left).toContain(pending);
    expect(await h.leftovers(gone)).toEqual({ containers: 0, networks: 0 });
    expect(h.vault.secrets.get(`hearth/${gone}`)?.destroyed).toBe(true);
    expect(h.vault.secrets.get(`hearth/${vaultOnly}`)?.destroyed).toBe(true);
    expect((await h.containersOf(unknown)).map((c) => c.running)).toEqual([false]);
    expect(h.vault.secrets.get(`hearth/${unknown}`)?.destroyed).toBe(false);
    expect(h.logs.some((line) => line.includes(unknown) && line.includes('"held":true'))).toBe(true);
    expect((await h.containersOf(ready))[0]?.running).toBe(true);
    expect(await h.leftovers(pending)).toEqual({ containers: 1, networks: 1 });
    expect(h.vault.secrets.get(`hearth/${pending}`)?.destroyed).toBe(false);
  });

  it('starts a held workspace again once the console knows it, its credential never destroyed', async () => {
    const slug = h.newSlug();
    await h.useCases.commands.handle(
      h.provisionCommand(slug, [{ name: 'tool', image: BUSYBOX_IMAGE, auto_credentials: [{ name: 'K' }] }]),
    );
    h.directory.statuses.delete(slug);
    expect((await h.useCases.commands.reconcileNow()).held).toContain(slug);
    h.directory.statuses.set(slug, 'ready');
    expect((await h.useCases.commands.reconcileNow()).restarted).toContain(slug);
    expect((await h.containersOf(slug)).map((c) => c.running)).toEqual([true]);
    expect(h.vault.secrets.get(`hearth/${slug}`)?.destroyed).toBe(false);
  });

  it('leaves another engine’s credential alone, and holds what it made for a deployment placed elsewhere', async () => {
    const [theirs, strayed] = [h.newSlug(), h.newSlug()];
    await h.vault.writeGenerated(`hearth/${theirs}`, 'generic', { K: 'another-engines' }, {});
    await h.useCases.commands.handle(
      h.provisionCommand(strayed, [{ name: 'tool', image: BUSYBOX_IMAGE, auto_credentials: [{ name: 'K' }] }]),
    );
    h.directory.statuses.set(theirs, 'elsewhere');
    h.directory.statuses.set(strayed, 'elsewhere');
    const report = await h.useCases.commands.reconcileNow();
    expect(Object.values(report).flat()).not.toContain(theirs);
    expect(h.vault.secrets.get(`hearth/${theirs}`)?.destroyed).toBe(false);
    expect(report.held).toContain(strayed);
    expect(h.vault.secrets.get(`hearth/${strayed}`)?.destroyed).toBe(false);
  });

  it('changes nothing for a workspace the console does not answer for', async () => {
    const slug = h.newSlug();
    await h.useCases.commands.handle(
      h.provisionCommand(slug, [{ name: 'tool', image: BUSYBOX_IMAGE, auto_credentials: [{ name: 'K' }] }]),
    );
    h.directory.unanswered.add(slug);
    const report = await h.useCases.commands.reconcileNow();
    expect(report.left).toContain(slug);
    expect(report.held).not.toContain(slug);
    expect((await h.containersOf(slug)).map((c) => c.running)).toEqual([true]);
    expect(h.vault.secrets.get(`hearth/${slug}`)?.destroyed).toBe(false);
  });
});
