import mysql from 'mysql2/promise';
import { codeOf, flagOf, messageOf, ok, portOf, type Probe } from './probe.js';

export const mysqlProbe: Probe = {
  target: (values) => `${values.host}:${portOf(values, 3306)}`,
  async run(values, signal, timeoutMs) {
    const connection = await mysql.createConnection({
      host: values.host,
      port: portOf(values, 3306),
      user: values.username,
      password: values.password,
      ...(values.database ? { database: values.database } : {}),
      ...(flagOf(values, 'ssl') ? { ssl: { rejectUnauthorized: false } } : {}),
      connectTimeout: timeoutMs,
      // Never print packets (they hold the auth exchange).
      debug: false,
    });
    const close = () => connection.destroy();
    signal.addEventListener('abort', close, { once: true });
    connection.on('error', () => undefined);
    try {
      await connection.ping();
      return ok(`logged in as ${values.username}${values.database ? ` to database ${values.database}` : ''}`);
    } finally {
      signal.removeEventListener('abort', close);
      await connection.end().catch(() => connection.destroy());
    }
  },
  refusal(error, values) {
    const refusals: Record<string, string> = {
      ER_ACCESS_DENIED_ERROR: `password authentication failed for user ${values.username}`,
      ER_ACCESS_DENIED_NO_PASSWORD_ERROR: `password authentication failed for user ${values.username}`,
      ER_BAD_DB_ERROR: `database ${values.database} does not exist`,
      ER_DBACCESS_DENIED_ERROR: `user ${values.username} may not use database ${values.database}`,
      // The server's words name this host, never a password.
      ER_HOST_NOT_PRIVILEGED: `the server does not let this host connect: ${messageOf(error)}`,
      HANDSHAKE_NO_SSL_SUPPORT: 'the server does not support TLS, which the credential asks for',
    };
    return refusals[codeOf(error) ?? ''] ?? null;
  },
};
