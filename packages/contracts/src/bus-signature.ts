import { createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from './canonical-json.js';
import { ErrorCode, HearthError } from './errors.js';

/**
 * Who may sign on the bus: each service with an ed25519 key of its own, separate from its NATS
 * identity (a NATS server has the client sign a nonce of its choosing with that one). Consumers
 * verify against these services' public keys as pinned in their configuration, never as learned
 * from the bus, and take each kind of message from the one service allowed to emit it.
 */
export const ServiceName = z.enum(['console', 'vault', 'hatch', 'driver-localdocker']);
export type ServiceName = z.infer<typeof ServiceName>;

/** The setting (and `<setting>_FILE`) that gives each service its signing key. */
export const SigningKeySettings: Readonly<Record<ServiceName, string>> = {
  console: 'CONSOLE_SIGNING_KEY',
  vault: 'VAULT_SIGNING_KEY',
  hatch: 'HATCH_SIGNING_KEY',
  'driver-localdocker': 'DRIVER_SIGNING_KEY',
};

/** The headers a signed message or reply carries. nats.js matches header names exactly. */
export const BusHeaders = {
  origin: 'Hearth-Origin',
  signature: 'Hearth-Signature',
  /** The emitter's per-source sequence of an audit event, when it numbers them: signed with the rest. */
  sourceSeq: 'Hearth-Source-Seq',
  /**
   * The message id again, kept when an audit event is published again from the emitter's journal
   * without `Nats-Msg-Id` (JetStream drops a deleted message's id as a copy for its whole duplicate window).
   */
  messageId: 'Hearth-Msg-Id',
  /** A caller's random nonce, which a signed reply is bound to: a recorded reply answers no other request. */
  requestNonce: 'Hearth-Request-Nonce',
} as const;

/** Signed bytes start with these, so a message signature can pass for no reply, checkpoint or request. */
const MESSAGE_CONTEXT = 'hearth-msg-v1';
const REPLY_CONTEXT = 'hearth-reply-v1';

const RawPublicKey = z
  .base64()
  .refine((text) => Buffer.from(text, 'base64').length === 32, { message: 'an ed25519 public key: 32 bytes, base64' });

/** `HEARTH_SERVICE_KEYS`: JSON `{"console": "<base64 of the raw 32-byte ed25519 public key>", …}`, every service named. */
export const ServiceKeysJson = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
  })
  .pipe(z.object(Object.fromEntries(ServiceName.options.map((name) => [name, RawPublicKey]))).strict())
  .transform((keys) => new ServiceKeys(keys as Record<ServiceName, string>));

/** The pinned public keys of every service. */
export class ServiceKeys {
  private readonly keys: ReadonlyMap<ServiceName, KeyObject>;

  constructor(raw: Readonly<Record<ServiceName, string>>) {
    this.keys = new Map(ServiceName.options.map((name) => [name, publicKeyOfRaw(raw[name])]));
  }

  of(service: ServiceName): KeyObject {
    return this.keys.get(service)!;
  }
}

/** An ed25519 public key from its raw 32 bytes (base64). */
export function publicKeyOfRaw(base64: string): KeyObject {
  const x = Buffer.from(base64, 'base64').toString('base64url');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
}

/** The raw 32 bytes (base64) of a key's public half: what HEARTH_SERVICE_KEYS pins. */
export function rawPublicKeyOf(key: KeyObject): string {
  const publicKey = key.type === 'public' ? key : createPublicKey(key);
  return Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('base64');
}

/** A service's signing key, PEM PKCS#8 as `hearth init` writes it; the message never quotes the key. */
export function signingKeyOf(pem: string, setting: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem.trim());
  } catch {
    throw new Error(`${setting} is not a PEM private key`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${setting} is not an ed25519 key`);
  return key;
}

/** What a message's signature covers besides its body. */
export interface SignedFields {
  subject: string;
  origin: string;
  messageId: string;
  sourceSeq: string | null;
}

/** The bytes a message signature covers: domain-separated, and the body as canonical JSON. */
export function messageSigningPayload(fields: SignedFields, body: unknown): Buffer {
  const { subject, origin, messageId, sourceSeq } = fields;
  const signed = { subject, origin, message_id: messageId, source_seq: sourceSeq, body };
  return Buffer.from(`${MESSAGE_CONTEXT}\n${canonicalJson(signed)}`, 'utf8');
}

/** The bytes a reply signature covers: the request's subject and nonce, and the body. */
export function replySigningPayload(subject: string, nonce: string, body: unknown): Buffer {
  return Buffer.from(`${REPLY_CONTEXT}\n${canonicalJson({ subject, nonce, body })}`, 'utf8');
}

/** A header block as both nats.js and an outbox row hold it. */
interface HeaderSource {
  get(key: string): string;
}

/** Signs what one service publishes and answers with its own key. */
export class BusSigner {
  constructor(
    readonly service: ServiceName,
    private readonly key: KeyObject,
  ) {}

  /** The origin and signature headers of a message whose other headers are `headers`. */
  signMessage(subject: string, messageId: string, body: unknown, headers: HeaderSource): Record<string, string> {
    const sourceSeq = headers.get(BusHeaders.sourceSeq) || null;
    const payload = messageSigningPayload({ subject, origin: this.service, messageId, sourceSeq }, body);
    return {
      [BusHeaders.origin]: this.service,
      [BusHeaders.signature]: sign(null, payload, this.key).toString('base64'),
    };
  }

  /** The signature header of a reply to a request on `subject` that carried `nonce`. */
  signReply(subject: string, nonce: string, body: unknown): string {
    return sign(null, replySigningPayload(subject, nonce, body), this.key).toString('base64');
  }
}

/** What a verified message proves: who emitted it, and the signature an auditor can check again offline. */
export interface MessageOrigin {
  service: ServiceName;
  signature: string;
  sourceSeq: string | null;
}

/** Checks messages and replies against the pinned service keys. */
export class BusVerifier {
  constructor(private readonly keys: ServiceKeys) {}

  /**
   * The origin of a message, if `allowed` (the service that may emit it) signed it; else a
   * HearthError (BUS.UNSIGNED, BUS.WRONG_ORIGIN, BUS.BAD_SIGNATURE) that is never transient.
   */
  verifyMessage(
    message: { subject: string; messageId: string; body: unknown; headers: HeaderSource | undefined },
    allowed: ServiceName,
  ): MessageOrigin {
    const origin = message.headers?.get(BusHeaders.origin) ?? '';
    const signature = message.headers?.get(BusHeaders.signature) ?? '';
    if (!origin || !signature)
      throw new HearthError(ErrorCode.BusUnsigned, `${message.subject}: the message is unsigned`);
    if (origin !== allowed) {
      throw new HearthError(
        ErrorCode.BusWrongOrigin,
        `${message.subject}: only ${allowed} may emit this message, not ${printable(origin)}`,
      );
    }
    const sourceSeq = message.headers?.get(BusHeaders.sourceSeq) || null;
    const fields = { subject: message.subject, origin, messageId: message.messageId, sourceSeq };
    if (!signatureValid(messageSigningPayload(fields, message.body), this.keys.of(allowed), signature)) {
      throw new HearthError(ErrorCode.BusBadSignature, `${message.subject}: the signature is not ${allowed}'s`);
    }
    return { service: allowed, signature, sourceSeq };
  }

  /** Throws BUS.UNSIGNED or BUS.BAD_SIGNATURE unless `from` signed this reply to the request with `nonce`. */
  verifyReply(from: ServiceName, subject: string, nonce: string, body: unknown, signature: string | undefined): void {
    if (!signature) throw new HearthError(ErrorCode.BusUnsigned, `the answer on ${subject} is unsigned`);
    if (!signatureValid(replySigningPayload(subject, nonce, body), this.keys.of(from), signature)) {
      throw new HearthError(ErrorCode.BusBadSignature, `the answer on ${subject} is not signed by ${from}`);
    }
  }
}

/** Whether `signature` (base64) over `payload` is the key's; any malformed input is simply not. */
export function signatureValid(payload: Buffer, key: KeyObject, signature: string): boolean {
  try {
    return verify(null, payload, key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** A fresh request nonce, for a reply to be bound to. */
export function requestNonce(): string {
  return randomBytes(18).toString('base64url');
}

/** An origin header as an error message may quote it: short, and nothing a terminal would act on. */
const printable = (text: string) => JSON.stringify(text.slice(0, 64));
