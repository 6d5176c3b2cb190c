import { describe, expect, it } from '@jest/globals';
import { findSecretField, isSecretFieldName, SECRET_FIELD_NAMES, snakeCaseOf, spellingsOf } from './secret-fields.js';

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
    'secretKey',
    'aws_secret_key',
    'Authorization',
    'cookie',
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

  it('has its usual spellings, each of which reads back as the name itself', () => {
    expect(spellingsOf('api_key')).toEqual(['api_key', 'apiKey', 'ApiKey', 'API_KEY', 'api-key']);
    expect(spellingsOf('password')).toEqual(['password', 'Password', 'PASSWORD']);
    for (const name of SECRET_FIELD_NAMES) {
      for (const spelling of spellingsOf(name)) {
        expect(snakeCaseOf(spelling)).toBe(name);
        expect(isSecretFieldName(spelling)).toBe(true);
      }
    }
  });
});
