import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@hearth/platform';
import { loadConsoleConfig } from './config.js';

function failure(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConsoleConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

describe('the console’s configuration', () => {
  it('fails fast without a bootstrap admin token: there is no default', () => {
    expect(failure({}).message).toContain('HEARTH_BOOTSTRAP_ADMIN_TOKEN');
  });

  it('refuses a short bootstrap token without echoing it', () => {
    const short = 'tooShort-9f3k2';
    const error = failure({ HEARTH_BOOTSTRAP_ADMIN_TOKEN: short });
    expect(error.message).toContain('HEARTH_BOOTSTRAP_ADMIN_TOKEN');
    expect(error.message).toContain('at least 24');
    expect(error.message).not.toContain(short);
    expect(String(error.stack)).not.toContain(short);
  });

  it('takes a long enough token and the DESIGN.md defaults for the rest', () => {
    const token = 'x'.repeat(12) + 'long-enough-token';
    expect(loadConsoleConfig({ HEARTH_BOOTSTRAP_ADMIN_TOKEN: token })).toMatchObject({
      HEARTH_BOOTSTRAP_ADMIN_TOKEN: token,
      CONSOLE_PORT: 7700,
      CONSOLE_HOST: '127.0.0.1',
      CONSOLE_DATABASE: 'hearth_console',
      NATS_URL: 'nats://127.0.0.1:4222',
    });
  });
});
