import {
  BusHeaders,
  BusSigner,
  BusVerifier,
  type HearthError,
  ServiceErrorHeaders,
  ServiceKeysJson,
  rawPublicKeyOf,
  ServiceName,
  SigningKeySettings,
  type ServiceName as Service,
} from '@hearth/contracts';
import { headers, type Msg } from '@nats-io/transport-node';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';

/** A set of service signing keys as `hearth init` makes one, for the services a test starts. */
export interface TestServiceKeys {
  /** HEARTH_SERVICE_KEYS: every service's public key, pinned. */
  readonly pinned: string;
  /** What `service` is started with: its signing key and the pinned keys. */
  env(service: Service): Record<string, string>;
  /** Signs as `service` would: how a test publishes what the service publishes (or forges it). */
  signer(service: Service): BusSigner;
  /** Checks signatures against this set, as a service started with it does. */
  verifier(): BusVerifier;
}

/** A fresh set: one ed25519 key per service. */
export function generateServiceKeys(): TestServiceKeys {
  const keys = new Map<Service, KeyObject>(
    ServiceName.options.map((name) => [name, generateKeyPairSync('ed25519').privateKey]),
  );
  const pinned = JSON.stringify(Object.fromEntries([...keys].map(([name, key]) => [name, rawPublicKeyOf(key)])));
  return {
    pinned,
    env: (service) => ({
      [SigningKeySettings[service]]: keys.get(service)!.export({ type: 'pkcs8', format: 'pem' }).toString(),
      HEARTH_SERVICE_KEYS: pinned,
    }),
    signer: (service) => new BusSigner(service, keys.get(service)!),
    verifier: () => new BusVerifier(ServiceKeysJson.parse(pinned)),
  };
}

let shared: TestServiceKeys | null = null;

/** The set every service a test process starts shares, unless the test passes its own. */
export function sharedServiceKeys(): TestServiceKeys {
  return (shared ??= generateServiceKeys());
}

/**
 * Answers a request on `subject` with `body` as the service `signer` speaks for answers: MACed under
 * the caller's reply key when the request carries one (refused with its coded error when that is no
 * key sealed to the service), else signed for the request's nonce. How a stand-in (a console that
 * knows a few tokens) answers what a service asks.
 */
export function respondSigned(msg: Msg, subject: string, body: unknown, signer: BusSigner): void {
  const answer = headers();
  const nonce = msg.headers?.get(BusHeaders.requestNonce) ?? '';
  const sealedReplyKey = msg.headers?.get(BusHeaders.replyKey);
  if (!sealedReplyKey) {
    answer.set(BusHeaders.signature, signer.signReply(subject, nonce, msg.data, body));
    msg.respond(JSON.stringify(body), { headers: answer });
    return;
  }
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  void signer.macReply({ subject, nonce, bytes: msg.data }, bytes, sealedReplyKey).then(
    (mac) => {
      answer.set(BusHeaders.replyMac, mac);
      msg.respond(bytes, { headers: answer });
    },
    (error: HearthError) => {
      answer.set(ServiceErrorHeaders.code, error.code);
      answer.set(ServiceErrorHeaders.message, error.message);
      msg.respond(JSON.stringify({ error: { code: error.code, message: error.message } }), { headers: answer });
    },
  );
}
