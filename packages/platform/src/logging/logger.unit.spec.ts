import { describe, expect, it } from '@jest/globals';
import { correlation, createLogger, redactionPaths, SecretScrubber } from './logger.js';

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

  it('expands each secret field name to its spellings, at the top and two levels down', () => {
    expect(redactionPaths(['api_key'])).toEqual([
      'api_key',
      'apiKey',
      'ApiKey',
      'API_KEY',
      '["api-key"]',
      '*.api_key',
      '*.apiKey',
      '*.ApiKey',
      '*.API_KEY',
      '*["api-key"]',
      '*.*.api_key',
      '*.*.apiKey',
      '*.*.ApiKey',
      '*.*.API_KEY',
      '*.*["api-key"]',
    ]);
    // The defaults are contracts' list, the one hatch admits by: secretKey (PrincipalKeys) is among them.
    expect(redactionPaths()).toEqual(expect.arrayContaining(['secretKey', '*.*.values', '*.*.token', '*.privateKey']));
  });

  it('redacts a secret field nested deep, suffixed or spelt any way, and leaves the caller’s object as it was', () => {
    const { logger, text, records } = captured();
    const logged = {
      db_password: 'suffix-1',
      keys: { publicKey: 'pub-1', secretKey: 'principal-secret-1' },
      outer: { middle: { inner: { clientSecret: 'four-deep-1', list: [{ ACCESS_TOKEN: 'in-array-1' }] } } },
      'api-key': 'kebab-1',
      password_changed_at: 'visible-2',
    };
    const before = JSON.stringify(logged);
    logger.info(logged, 'nested');
    for (const value of ['suffix-1', 'principal-secret-1', 'four-deep-1', 'in-array-1', 'kebab-1']) {
      expect(text()).not.toContain(value);
    }
    expect(records()[0]).toMatchObject({
      db_password: '[REDACTED]',
      keys: { publicKey: 'pub-1', secretKey: '[REDACTED]' },
      outer: { middle: { inner: { clientSecret: '[REDACTED]', list: [{ ACCESS_TOKEN: '[REDACTED]' }] } } },
      password_changed_at: 'visible-2',
    });
    expect(JSON.stringify(logged)).toBe(before);
  });

  it('redacts secret fields a child logger is bound with, and in an object interpolated into the message', () => {
    const { logger, text } = captured();
    logger.child({ token: 'bound-token-1' }).info('bound');
    logger.info('interpolated %o', { password: 'interpolated-1' });
    expect(text()).not.toContain('bound-token-1');
    expect(text()).not.toContain('interpolated-1');
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

  it('scrubs a known value that JSON escapes in the line, such as a multi-line PEM key', () => {
    const scrubber = new SecretScrubber();
    const pem = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI"quoted"\\slash\n-----END PRIVATE KEY-----\n';
    scrubber.remember(pem);
    const { logger, text } = captured(scrubber);
    logger.info({ loaded: pem }, 'key read');
    expect(text()).not.toContain('MC4CAQAwBQYDK2VwBCIEI');
    expect(text()).toContain('[SCRUBBED]');
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
