import { createHash } from 'node:crypto';
import { Client } from 'ssh2';
import { asError, failed, messageOf, ok, portOf, type Probe } from './probe.js';

const fingerprintOf = (key: Buffer): string =>
  `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;

/**
 * A public-key login, nothing run. The host key is checked against host_key_sha256 when the
 * credential has one (a server presenting another is refused before the key is offered) and reported
 * either way, so an operator can pin the one they saw.
 */
export const sshProbe: Probe = {
  target: (values) => `${values.host}:${portOf(values, 22)}`,
  run(values, signal, timeoutMs) {
    return new Promise((resolve, reject) => {
      const client = new Client();
      let seen: string | null = null;
      let mismatch = false;
      const close = () => client.end();
      signal.addEventListener('abort', close, { once: true });
      const settle = (outcome: () => void) => {
        signal.removeEventListener('abort', close);
        client.end();
        outcome();
      };
      client.on('ready', () => settle(() => resolve(ok(`logged in as ${values.username}; host key ${seen}`))));
      client.on('error', (error) =>
        settle(() =>
          mismatch
            ? resolve(failed(`the server's host key is ${seen}, not the expected ${values.host_key_sha256}`))
            : reject(asError(error)),
        ),
      );
      try {
        client.connect({
          host: values.host,
          port: portOf(values, 22),
          username: values.username,
          privateKey: values.private_key,
          ...(values.passphrase ? { passphrase: values.passphrase } : {}),
          // Only the key: never a password or keyboard-interactive prompt, never an agent.
          authHandler: ['publickey'],
          readyTimeout: timeoutMs,
          hostVerifier: (key: Buffer) => {
            seen = fingerprintOf(key);
            mismatch = Boolean(values.host_key_sha256) && values.host_key_sha256 !== seen;
            return !mismatch;
          },
        });
      } catch (error) {
        // A key that cannot be parsed throws here, before any connection.
        settle(() => reject(asError(error)));
      }
    });
  },
  refusal(error, values) {
    const message = messageOf(error);
    if (message.includes('All configured authentication methods failed')) {
      return `the server refused the key for user ${values.username}`;
    }
    if (
      /Cannot parse privateKey|Encrypted private OpenSSH key detected|bad passphrase|Unsupported key format/i.test(
        message,
      )
    ) {
      return 'the private key could not be read: check its format and passphrase';
    }
    if (message.includes('Timed out while waiting for handshake'))
      return `the server at ${values.host} did not finish the SSH handshake`;
    return null;
  },
};
