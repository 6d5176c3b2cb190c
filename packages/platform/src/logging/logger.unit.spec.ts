import { describe, expect, it } from '@jest/globals';
import { correlation, createLogger, SecretScrubber } from './logger.js';

/** A logger whose lines land in an array, written synchronously, so a test reads exactly what was logged. */
function captured(scrubber?: SecretScrubber) {
  const lines: string[] = [];
  const logger = createLogger({
    service: 'test',
    level: 'info',
    ...(scrubber ? { scrubber } : {}),
    destination: { write: (line: string) => void lines.push(line) },
  });
  return {
    logger,
    text: () => lines.join(''),
    records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('the logger', () => {
  it('redacts secret-bearing fields by path, at the top and nested', () => {
    const { logger, text, records } = captured();
    logger.info(
      {
        password: 'top-password-1',
        token: 'top-token-1',
        secret: 'top-secret-1',
        value: 'top-value-1',
        request: { password: 'nested-password-1', value: 'nested-value-1' },
        deep: { inner: { secret: 'deep-secret-1' } },
        req: { headers: { authorization: 'Bearer header-token-1', cookie: 'session=cookie-1' } },
        kept: 'visible-1',
      },
      'login',
    );
    for (const value of [
      'top-password-1',
      'top-token-1',
      'top-secret-1',
      'top-value-1',
      'nested-password-1',
      'nested-value-1',
      'deep-secret-1',
      'header-token-1',
      'cookie-1',
    ]) {
      expect(text()).not.toContain(value);
    }
    const [record] = records();
    expect(record).toMatchObject({
      password: '[REDACTED]',
      request: { password: '[REDACTED]' },
      deep: { inner: { secret: '[REDACTED]' } },
      req: { headers: { authorization: '[REDACTED]' } },
      kept: 'visible-1',
    });
  });

  it('scrubs a known secret value wherever it appears, message and unexpected fields alike', () => {
    const scrubber = new SecretScrubber();
    const known = 'k3y-material-that-slipped';
    scrubber.remember(known);
    const { logger, text } = captured(scrubber);
    logger.info({ note: `prefix ${known} suffix`, list: [known] }, `connecting with ${known}`);
    expect(text()).not.toContain(known);
    expect(text().match(/\[SCRUBBED\]/g)).toHaveLength(3);

    scrubber.forget(known);
    logger.info(`after forgetting: ${known}`);
    expect(text()).toContain(known); // forgotten values are no longer hidden: the scrubber did the hiding
  });

  it('does not remember values too short to scrub safely', () => {
    const scrubber = new SecretScrubber();
    scrubber.remember('short');
    const { logger, text } = captured(scrubber);
    logger.info('a short word');
    expect(text()).toContain('short');
  });

  it('stamps each line with the service and the correlation id of the work in progress', () => {
    const { logger, records } = captured();
    correlation.run('corr-42', () => logger.info('inside'));
    logger.info('outside');
    const [inside, outside] = records();
    expect(inside).toMatchObject({ service: 'test', correlation_id: 'corr-42' });
    expect(outside).not.toHaveProperty('correlation_id');
  });
});
