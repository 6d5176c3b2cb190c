import { describe, expect, it } from '@jest/globals';
import { isSecretSetting } from '@hearth/contracts';
import { withoutSecrets } from './up.js';

describe('what every service inherits from the operator', () => {
  it.each([
    'HEARTH_BOOTSTRAP_ADMIN_TOKEN',
    'HEARTH_TOKEN_FILE',
    'HEARTH_KEY_FILE',
    'VAULT_KEKS',
    'VAULT_KEK_FILE',
    'HATCH_SIGNING_KEY',
    'CONSOLE_SIGNING_KEY_FILE',
    'DRIVER_VAULT_SECRET_KEY',
    'NATS_NKEY_SEED_FILE',
    'PGPASSWORD',
    'VAULT_SEAL_KEY',
  ])('withholds %s, a secret', (name) => {
    expect(isSecretSetting(name)).toBe(true);
  });

  it.each([
    'VAULT_ROOT_PUBLIC_KEY_FILE',
    'VAULT_SEAL_PUBLIC_KEY',
    'HEARTH_SERVICE_KEYS_FILE',
    'NATS_URL',
    'PGHOST',
    'LOG_LEVEL',
    'KEYBOARD',
    'PATH',
  ])('passes %s on', (name) => {
    expect(isSecretSetting(name)).toBe(false);
  });

  it('keeps the rest of the environment', () => {
    expect(withoutSecrets({ PATH: '/bin', HATCH_SIGNING_KEY: 'pem', PGPASSWORD: 'pw' })).toEqual({ PATH: '/bin' });
  });
});
