import pg from 'pg';
import { codeOf, failed, messageOf, ok, portOf, type Probe, type Values } from './probe.js';

/** sslmode as libpq means it; `prefer` tries TLS and falls back to a plain connection the server insists on. */
function sslOf(mode: string | undefined): Array<pg.ClientConfig['ssl']> {
  switch (mode) {
    case 'disable':
      return [false];
    case 'require':
      return [{ rejectUnauthorized: false }];
    case 'verify-full':
      return [true];
    default:
      return [{ rejectUnauthorized: false }, false];
  }
}

const NO_SSL = 'The server does not support SSL connections';

export const postgresProbe: Probe = {
  target: (values) => `${values.host}:${portOf(values, 5432)}`,
  async run(values, signal, timeoutMs) {
    const attempts = sslOf(values.sslmode);
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
    switch (codeOf(error)) {
      case '28P01':
        return `password authentication failed for user ${values.username}`;
      case '28000':
        // The server's words name the user, host and database; never a password.
        return `the server refused user ${values.username}: ${messageOf(error)}`;
      case '3D000':
        return `database ${values.database ?? 'postgres'} does not exist`;
      case '53300':
        return 'the server has no free connection slots';
    }
    if (messageOf(error).includes(NO_SSL)) return 'the server does not support TLS, which sslmode requires';
    return null;
  },
};
