import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AuthenticatedOperator } from '@hearth/contracts';
import type { Subscription } from '@nats-io/transport-node';
import { answerTokenChecks, sha256 } from '../../test/console-stand-in.js';
import { startHatchHarness, type HatchHarness } from '../../test/hatch-harness.js';

/** Who may read the log, as the console answers for each token over NATS. */
describe('auditor access', () => {
  let h: HatchHarness;
  const holders = new Map<string, AuthenticatedOperator>([
    ['hth_auditor', { name: 'auditor-1', role: 'auditor' }],
    ['hth_admin', { name: 'admin', role: 'admin' }],
    ['hth_operator', { name: 'operator-1', role: 'operator' }],
  ]);
  beforeAll(async () => {
    h = await startHatchHarness();
  });
  afterAll(() => h?.close());

  const access = () => h.hatch.useCases.auditorAccess;

  let consoleStandIn: Subscription;
  beforeAll(() => {
    consoleStandIn = answerTokenChecks(h.runtime.nc, holders);
  });

  it('lets in a token whose role may read, by its bearer header and by its SHA-256', async () => {
    expect(await access().reader('Bearer hth_auditor')).toEqual({ name: 'auditor-1', role: 'auditor' });
    expect(await access().reader('Bearer hth_admin')).toEqual({ name: 'admin', role: 'admin' });
    expect(await access().readerByTokenHash(sha256('hth_auditor'))).toEqual({ name: 'auditor-1', role: 'auditor' });
  });

  it('refuses a role that may not read (AUTH.FORBIDDEN), and a missing, malformed or unknown token', async () => {
    await expect(access().reader('Bearer hth_operator')).rejects.toMatchObject({ code: 'AUTH.FORBIDDEN' });
    for (const authorization of [undefined, 'hth_auditor', 'Basic hth_auditor', 'Bearer hth_nobody']) {
      await expect(access().reader(authorization)).rejects.toMatchObject({ code: 'AUTH.UNAUTHENTICATED' });
    }
    // A NATS request names its token by hash; the token itself in that place opens nothing.
    for (const hash of [undefined, 'hth_auditor', sha256('hth_nobody')]) {
      await expect(access().readerByTokenHash(hash)).rejects.toMatchObject({ code: 'AUTH.UNAUTHENTICATED' });
    }
  });

  it('lets no one in while the console does not answer: unavailable is not a yes', async () => {
    consoleStandIn.unsubscribe();
    holders.set('hth_auditor_2', { name: 'auditor-2', role: 'auditor' }); // asked for the first time
    await expect(access().reader('Bearer hth_auditor_2')).rejects.toMatchObject({ code: 'HEARTH.UNAVAILABLE' });
  });
});
