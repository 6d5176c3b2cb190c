import { describe, expect, it } from '@jest/globals';
import { DeploymentRequest, looksLikeCredential, SidecarSpec } from './deployment.js';
import { ErrorCode, HearthError } from './errors.js';
import { parseRequest } from './parse.js';

describe('a deployment request', () => {
  const valid = {
    slug: 'acme',
    tier: 'dev',
    driver: 'localdocker',
    sidecars: [{ name: 'postgres', image: 'postgres:16' }],
  };

  it('accepts a well-formed request', () => {
    expect(DeploymentRequest.parse(valid)).toEqual(valid);
  });

  it.each([
    ['an unknown field', { ...valid, extra: 1 }],
    ['an unknown tier', { ...valid, tier: 'gold' }],
    ['an unknown driver', { ...valid, driver: 'k8s' }],
    ['duplicate sidecar names', { ...valid, sidecars: [valid.sidecars[0], valid.sidecars[0]] }],
    [
      'a sidecar with an unknown field',
      { ...valid, sidecars: [{ name: 'pg', image: 'postgres', devices: ['/dev/kvm'] }] },
    ],
  ])('refuses %s', (_, body) => {
    expect(DeploymentRequest.safeParse(body).success).toBe(false);
  });
});

describe('credentials in a sidecar’s env', () => {
  const withEnv = (env: Record<string, string>) => ({
    slug: 'acme',
    tier: 'dev',
    driver: 'localdocker',
    sidecars: [{ name: 'postgres', image: 'postgres:16', env }],
  });

  it.each([
    'POSTGRES_PASSWORD',
    'postgres_password',
    'MYSQL_ROOT_PASSWORD',
    'POSTGRES_PASSWORD_FILE',
    'CONFIG_FILE',
    'PGPASSWD',
    'RABBITMQ_DEFAULT_PASS',
    'MYSQL_PWD',
    'JWT_SECRET',
    'SECRET_KEY_BASE',
    'GITHUB_TOKEN',
    'API_KEY',
    'STRIPE_APIKEY',
    'AWS_ACCESS_KEY_ID',
    'TLS_PRIVATE_KEY',
    'S3_CREDENTIALS',
    'GPG_PASSPHRASE',
  ])('are refused by name: %s', (name) => {
    expect(looksLikeCredential(name)).toBe(true);
    expect(DeploymentRequest.safeParse(withEnv({ [name]: 'x' })).success).toBe(false);
  });

  it.each(['POSTGRES_USER', 'POSTGRES_DB', 'POSTGRES_HOST_AUTH_METHOD', 'CACHE_KEY_PREFIX', 'TZ', 'PATH', 'PASSENGER'])(
    'leave other names alone: %s',
    (name) => {
      expect(looksLikeCredential(name)).toBe(false);
      expect(DeploymentRequest.safeParse(withEnv({ [name]: 'x' })).success).toBe(true);
    },
  );

  it('answers CONSOLE.SECRET_IN_SPEC naming the variable and the vault, never the value', () => {
    const canary = 'canary-Zq8vX2-password';
    let refused: unknown;
    try {
      parseRequest(DeploymentRequest, withEnv({ POSTGRES_USER: 'app', POSTGRES_PASSWORD: canary }));
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(HearthError);
    const { code, message } = refused as HearthError;
    expect(code).toBe(ErrorCode.SecretInSpec);
    expect(message).toContain('sidecars.0.env.POSTGRES_PASSWORD');
    expect(message).toMatch(/vault/);
    expect(message).toContain('auto_credentials');
    expect(message).not.toContain(canary);
  });

  it('is not a rule of the driver’s SidecarSpec, which refuses such env with codes of its own', () => {
    expect(SidecarSpec.safeParse({ name: 'pg', image: 'postgres', env: { POSTGRES_PASSWORD: 'x' } }).success).toBe(
      true,
    );
  });
});
