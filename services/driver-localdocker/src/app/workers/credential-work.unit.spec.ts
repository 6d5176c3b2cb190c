import { describe, expect, it } from '@jest/globals';
import { createLogger } from '@hearth/platform/logging';
import { until } from '@hearth/testkit';
import { Serial } from '../workspace-resources.js';
import { CredentialWorkWorker } from './credential-work.js';

const logger = createLogger({ service: 'test', level: 'silent' });

describe('the credential work poller', () => {
  it('claims work every interval, one pass at a time, and keeps polling after a pass fails', async () => {
    let passes = 0;
    let concurrent = 0;
    let most = 0;
    const runner = {
      runOnce: async () => {
        passes += 1;
        concurrent += 1;
        most = Math.max(most, concurrent);
        await new Promise((resolve) => setTimeout(resolve, 30)); // a pass outlasting the interval
        concurrent -= 1;
        if (passes === 1) throw new Error('the vault did not answer');
        return 0;
      },
    };
    const worker = new CredentialWorkWorker(runner, new Serial(), logger, 5);
    worker.start();
    await until(() => passes >= 3);
    await worker.stop();
    expect(most).toBe(1);
    expect(concurrent).toBe(0); // stop waited for the pass under way
  });
});
