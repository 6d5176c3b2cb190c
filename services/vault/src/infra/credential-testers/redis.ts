import { Redis } from 'ioredis';
import { flagOf, messageOf, ok, portOf, type Probe } from './probe.js';

export const redisProbe: Probe = {
  target: (values) => `${values.host}:${portOf(values, 6379)}`,
  async run(values, signal, timeoutMs) {
    const client = new Redis({
      host: values.host,
      port: portOf(values, 6379),
      ...(values.username ? { username: values.username } : {}),
      ...(values.password ? { password: values.password } : {}),
      db: Number(values.db ?? 0),
      ...(flagOf(values, 'tls') ? { tls: { rejectUnauthorized: false } } : {}),
      lazyConnect: true,
      connectTimeout: timeoutMs,
      // One attempt: a test reports what it met, it does not wait for a server to come back.
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      enableReadyCheck: false,
    });
    // Without a listener ioredis prints "[ioredis] Unhandled error event" to the console; the
    // first error (the AUTH reply) is the reason, later ones are its consequences.
    let first: unknown = null;
    client.on('error', (error: unknown) => {
      first ??= error;
    });
    const close = () => client.disconnect();
    signal.addEventListener('abort', close, { once: true });
    try {
      try {
        await client.connect();
        await client.ping();
      } catch (error) {
        throw first ?? error;
      }
      return ok(`logged in${values.username ? ` as ${values.username}` : ''} to database ${values.db ?? 0}`);
    } finally {
      signal.removeEventListener('abort', close);
      client.disconnect();
    }
  },
  refusal(error, values) {
    const message = messageOf(error);
    const user = values.username ?? 'default';
    if (message.startsWith('WRONGPASS')) return `password authentication failed for user ${user}`;
    if (message.startsWith('NOAUTH')) return 'the server asks for a password and the credential has none';
    if (message.includes('without any password configured')) {
      return 'the server has no password set for the default user, so a password cannot be checked';
    }
    if (message.startsWith('NOPERM')) return `user ${user} may not run PING or SELECT database ${values.db ?? 0}`;
    if (message.includes('DB index is out of range')) return `database ${values.db} does not exist on the server`;
    return null;
  },
};
