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
    switch (codeOf(error)) {
      case 'ER_ACCESS_DENIED_ERROR':
      case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
        return `password authentication failed for user ${values.username}`;
      case 'ER_BAD_DB_ERROR':
        return `database ${values.database} does not exist`;
      case 'ER_DBACCESS_DENIED_ERROR':
        return `user ${values.username} may not use database ${values.database}`;
      case 'ER_HOST_NOT_PRIVILEGED':
        return `the server does not let this host connect: ${messageOf(error)}`;
      case 'HANDSHAKE_NO_SSL_SUPPORT':
        return 'the server does not support TLS, which the credential asks for';
    }
    return null;
  },
};
