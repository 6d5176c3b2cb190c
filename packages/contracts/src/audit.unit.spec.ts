import { describe, expect, it } from '@jest/globals';
import { findSecretField, isSecretFieldName } from './audit.js';

describe('a secret-looking field name', () => {
  it.each([
    'value',
    'values',
    'password',
    'secret',
    'token',
    'Secret',
    'PASSWORD',
    'client_secret',
    'clientSecret',
    'Client-Secret',
    'CLIENT_SECRET',
    'private_key',
    'privateKey',
    'ssh_private_key',
    'api_key',
    'APIKey',
    'db_password',
    'dbPassword',
    'DB_PASSWORD',
    'access_token',
    'refreshToken',
  ])('is %s', (name) => {
    expect(isSecretFieldName(name)).toBe(true);
  });

  it.each([
    'value_names',
    'public_key',
    'publicKey',
    'key_id',
    'token_name',
    'password_changed_at',
    'secret_path',
    'path',
    'tags',
    'version',
    'description',
  ])('is not %s, which names or describes a secret without holding one', (name) => {
    expect(isSecretFieldName(name)).toBe(false);
  });

  it('is found anywhere in a body, and named by its path', () => {
    expect(findSecretField({ data: { tags: { env: 'prod' }, auth: [{ ok: 1 }, { clientSecret: 's' }] } })).toBe(
      'data.auth.1.clientSecret',
    );
    expect(findSecretField({ data: { value_names: ['password'], public_key: 'pem' } })).toBeNull();
  });
});
