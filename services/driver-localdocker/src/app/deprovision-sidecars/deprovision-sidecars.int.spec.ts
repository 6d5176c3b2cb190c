import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BUSYBOX_IMAGE, startDriverHarness, type DriverHarness } from '../../test/driver-harness.js';

describe('deprovisioning on the real engine', () => {
  let h: DriverHarness;
  beforeAll(async () => {
    h = await startDriverHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('deprovisions: no container, no network, the credential destroyed; again, nothing more', async () => {
    const slug = h.newSlug();
    const provision = h.provisionCommand(slug, [
      { name: 'tool', image: BUSYBOX_IMAGE, auto_credentials: [{ name: 'K' }] },
    ]);
    await h.useCases.commands.handle(provision);
    expect(await h.leftovers(slug)).toEqual({ containers: 1, networks: 1 });

    const stale = h.deprovisionCommand(slug);
    h.directory.statuses.set(slug, 'ready'); // provisioned again since that command was sent
    await h.useCases.commands.handle(stale);
    expect(await h.answersTo(stale.id)).toEqual([]);
    expect(await h.leftovers(slug)).toEqual({ containers: 1, networks: 1 });

    h.directory.statuses.set(slug, 'deprovisioning');
    const command = h.deprovisionCommand(slug);
    await h.useCases.commands.handle(command);
    await h.useCases.commands.handle(command);
    expect((await h.answersTo(command.id)).map((a) => a.type)).toEqual(['SidecarsDeprovisionedV1']);
    expect(await h.leftovers(slug)).toEqual({ containers: 0, networks: 0 });
    expect(h.vault.secrets.get(`hearth/${slug}`)).toMatchObject({ destroyed: true, values: {} });
  });
});
