import amqp from 'amqplib';
import { flagOf, messageOf, ok, portOf, type Probe } from './probe.js';

export const amqpProbe: Probe = {
  target: (values) => `${values.host}:${portOf(values, 5672)}`,
  async run(values, signal, timeoutMs) {
    const tls = flagOf(values, 'tls');
    const connecting = amqp.connect(
      {
        protocol: tls ? 'amqps' : 'amqp',
        hostname: values.host,
        port: portOf(values, 5672),
        username: values.username,
        password: values.password,
        vhost: values.vhost ?? '/',
        heartbeat: 0,
      },
      { timeout: timeoutMs, ...(tls ? { rejectUnauthorized: false } : {}) },
    );
    // An abort before the handshake ends closes whatever connection it made.
    signal.addEventListener('abort', () => void connecting.then((c) => c.close()).catch(() => undefined), {
      once: true,
    });
    const connection = await connecting;
    connection.on('error', () => undefined);
    await connection.close();
    return ok(`logged in as ${values.username} to virtual host ${values.vhost ?? '/'}`);
  },
  refusal(error, values) {
    const message = messageOf(error);
    if (message.includes('ACCESS_REFUSED') || message.includes('ACCESS-REFUSED')) {
      return `password authentication failed for user ${values.username}`;
    }
    if (message.includes('NOT_ALLOWED') || message.includes('NOT-ALLOWED')) {
      return `user ${values.username} may not use virtual host ${values.vhost ?? '/'}`;
    }
    return null;
  },
};
