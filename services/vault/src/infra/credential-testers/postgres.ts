import pg from 'pg';
import { codeOf, failed, messageOf, ok, portOf, type Probe, type Values } from './probe.js';

/** sslmode as libpq means it; `prefer` tries TLS and falls back to a plain connection the server insists on. */
const SSL_ATTEMPTS: Readonly<Record<string, Array<pg.ClientConfig['ssl']>>> = {
  disable: [false],
  require: [{ rejectUnauthorized: false }],
  'verify-full': [true],
  prefer: [{ rejectUnauthorized: false }, false],
};

const NO_SSL = 'The server does not support SSL connections';

export const postgresProbe: Probe = {
  target: (values) => `${values.host}:${portOf(values, 5432)}`,
  async run(values, signal, timeoutMs) {
    const attempts = SSL_ATTEMPTS[values.sslmode ?? 'prefer'] ?? SSL_ATTEMPTS.prefer!;
    for (const [i, ssl] of attempts.entries()) {
      const client = new pg.Client({
        host: values.host,
        port: portOf(values, 5432),
        user: values.username,
        password: values.password,
        database: values.database ?? 'postgres',
        ssl,
        connectionTimeoutMillis: timeoutMs,
        application_name: 'hearth-credential-test',
      });
      // A failed connect also emits 'error'; with no listener Node would throw it.
      client.on('error', () => undefined);
      const close = () => void client.end().catch(() => undefined);
      signal.addEventListener('abort', close, { once: true });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return ok(`logged in as ${values.username} to database ${values.database ?? 'postgres'}`);
      } catch (error) {
        if (i < attempts.length - 1 && messageOf(error).includes(NO_SSL)) continue;
        throw error;
      } finally {
        signal.removeEventListener('abort', close);
        close();
      }
    }
    return failed('no connection was attempted');
  },
  refusal(error, values: Values) {
    const refusals: Record<string, string> = {
      '28P01': `password authentication failed for user ${values.username}`,
      // The server's words name the user, host and database; never a password.
      '28000': `the server refused user ${values.username}: ${messageOf(error)}`,
      '3D000': `database ${values.database ?? 'postgres'} does not exist`,
      '53300': 'the server has no free connection slots',
    };
    const refusal = refusals[codeOf(error) ?? ''];
    if (refusal) return refusal;
    if (messageOf(error).includes(NO_SSL)) return 'the server does not support TLS, which sslmode requires';
    return null;
  },
};
