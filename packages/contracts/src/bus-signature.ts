import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
  type KeyObject,
} from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from './canonical-json.js';
import { ErrorCode, HearthError } from './errors.js';
import { cryptoReady, openSealed, sealTo, strictBase64, type PrincipalKeys } from './vault-crypto.js';

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
  /**
   * A caller's reply key, sealed to the service it asks: the service then answers with a MAC under
   * it (`replyMac`) instead of a signature. Only that service can open it, so the MAC proves it answered.
   */
  replyKey: 'Hearth-Reply-Key',
  replyMac: 'Hearth-Reply-Mac',
} as const;

/** Signed bytes start with these, so a message signature can pass for no reply, checkpoint or request. */
const MESSAGE_CONTEXT = 'hearth-msg-v1';
const REPLY_CONTEXT = 'hearth-reply-v1';
const REPLY_MAC_CONTEXT = 'hearth-reply-mac-v1';

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

/**
 * The bytes a reply signature covers: the request's subject, nonce and the SHA-256 of its exact bytes,
 * and the body — so a signed answer holds for the one request it answers, never for another that
 * reused the nonce.
 */
export function replySigningPayload(subject: string, nonce: string, request: Uint8Array, body: unknown): Buffer {
  const request_sha256 = createHash('sha256').update(request).digest('hex');
  return Buffer.from(`${REPLY_CONTEXT}\n${canonicalJson({ subject, nonce, request_sha256, body })}`, 'utf8');
}

/** A header block as both nats.js and an outbox row hold it. */
interface HeaderSource {
  get(key: string): string;
}

/** Signs what one service publishes and answers with its own key. */
export class BusSigner {
  private openedReplyKeys: OpenedReplyKeys | null = null;

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

  /** The signature header of a reply to the request bytes `request` on `subject` that carried `nonce`. */
  signReply(subject: string, nonce: string, request: Uint8Array, body: unknown): string {
    return sign(null, replySigningPayload(subject, nonce, request, body), this.key).toString('base64');
  }

  /**
   * The MAC header of the reply bytes `reply` to `request` (on `subject`, with `nonce`) that carried
   * `sealedKey` (Hearth-Reply-Key); BUS.BAD_REPLY_KEY when that is no reply key sealed to this service.
   */
  async macReply(
    request: { subject: string; nonce: string; bytes: Uint8Array },
    reply: Uint8Array,
    sealedKey: string,
  ): Promise<string> {
    this.openedReplyKeys ??= new OpenedReplyKeys(openingKeysOf(this.key));
    const key = await this.openedReplyKeys.open(sealedKey);
    const { subject, nonce, bytes } = request;
    return replyMac(key, { service: this.service, subject, nonce, request: bytes }, reply).toString('base64');
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

  /** A fresh holder of reply keys sealed to `service`'s pinned key, for a caller that asks it often. */
  replyKeysFor(service: ServiceName): ReplyKeys {
    return new ReplyKeys(this.keys.of(service));
  }

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

  /** Throws BUS.UNSIGNED or BUS.BAD_SIGNATURE unless `from` signed this reply to the request bytes `request` with `nonce`. */
  verifyReply(
    from: ServiceName,
    request: { subject: string; nonce: string; bytes: Uint8Array },
    body: unknown,
    signature: string | undefined,
  ): void {
    const { subject, nonce, bytes } = request;
    if (!signature) throw new HearthError(ErrorCode.BusUnsigned, `the answer on ${subject} is unsigned`);
    if (!signatureValid(replySigningPayload(subject, nonce, bytes, body), this.keys.of(from), signature)) {
      throw new HearthError(ErrorCode.BusBadSignature, `the answer on ${subject} is not signed by ${from}`);
    }
  }
}

/** How long a caller keeps one reply key, and a service an opened one. */
export const REPLY_KEY_TTL_MS = 15 * 60_000;
const REPLY_KEY_BYTES = 32;
/** crypto_box_seal of a reply key: the ephemeral X25519 key, the Poly1305 tag, the key. */
const SEALED_REPLY_KEY_BYTES = 32 + 16 + REPLY_KEY_BYTES;
/** Opened reply keys a service keeps: a flood of fresh ones costs it X25519 opens, never more memory. */
const OPENED_REPLY_KEYS_LIMIT = 10_000;

/** What a reply MAC binds the reply to: who answers which request (its subject, nonce and exact bytes). */
export interface ReplyBinding {
  service: ServiceName;
  subject: string;
  nonce: string;
  request: Uint8Array;
}

/**
 * HMAC-SHA256 under a reply key of the binding (each part length-prefixed) and the reply's exact
 * bytes, so no canonical JSON is needed. The request's bytes are covered too: whoever sees a request
 * cannot have the service answer another one (another slug) under its nonce and pass that answer on.
 */
export function replyMac(key: Uint8Array, binding: ReplyBinding, reply: Uint8Array): Buffer {
  const hmac = createHmac('sha256', key).update(REPLY_MAC_CONTEXT);
  const { service, subject, nonce, request } = binding;
  for (const part of [Buffer.from(service), Buffer.from(subject), Buffer.from(nonce), request]) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(part.length);
    hmac.update(length).update(part);
  }
  return hmac.update(reply).digest();
}

/** Throws BUS.UNSIGNED or BUS.BAD_SIGNATURE unless `mac` is the MAC under `key` of these reply bytes so bound. */
export function verifyReplyMac(
  key: Uint8Array,
  binding: ReplyBinding,
  reply: Uint8Array,
  mac: string | undefined,
): void {
  const { service: from, subject } = binding;
  if (!mac) throw new HearthError(ErrorCode.BusUnsigned, `the answer on ${subject} carries no reply MAC`);
  const given = strictBase64(mac, 32);
  if (!given || !timingSafeEqual(given, replyMac(key, binding, reply))) {
    throw new HearthError(ErrorCode.BusBadSignature, `the answer on ${subject} is not ${from}'s`);
  }
}

/** A reply key as a caller holds it: in clear to check MACs, sealed to the service for the request header. */
export interface ReplyKey {
  key: Buffer;
  sealed: string;
}

/**
 * A caller's current reply key for one service, renewed every REPLY_KEY_TTL_MS: a caller that asks
 * the service often pays one seal per renewal, and each reply a MAC instead of an ed25519 verify.
 */
export class ReplyKeys {
  private held: (ReplyKey & { until: number }) | null = null;

  constructor(
    private readonly servicePublicKey: KeyObject,
    private readonly now: () => number = Date.now,
  ) {}

  async current(): Promise<ReplyKey> {
    await cryptoReady(); // before the check: callers waiting here together then share one renewal
    const now = this.now();
    if (this.held && now < this.held.until) return this.held;
    const key = randomBytes(REPLY_KEY_BYTES);
    const sealed = Buffer.from(sealTo(rawPublicKeyOf(this.servicePublicKey), key)).toString('base64');
    this.held = { key, sealed, until: now + REPLY_KEY_TTL_MS };
    return this.held;
  }
}

/**
 * The reply keys callers sealed to a service, each opened on first sight (so any replica answers
 * any caller) and kept for REPLY_KEY_TTL_MS, at most OPENED_REPLY_KEYS_LIMIT of them.
 */
class OpenedReplyKeys {
  /** In the order they were opened, so the expired and the oldest are at the front. */
  private readonly opened = new Map<string, { key: Buffer; until: number }>();

  constructor(private readonly own: PrincipalKeys) {}

  async open(sealed: string): Promise<Buffer> {
    const now = Date.now();
    const known = this.opened.get(sealed);
    if (known && now < known.until) return known.key;
    const key = await this.openAfresh(sealed);
    this.opened.delete(sealed);
    for (const [oldest, { until }] of this.opened) {
      if (until > now && this.opened.size < OPENED_REPLY_KEYS_LIMIT) break;
      this.opened.delete(oldest);
    }
    this.opened.set(sealed, { key, until: now + REPLY_KEY_TTL_MS });
    return key;
  }

  private async openAfresh(sealed: string): Promise<Buffer> {
    const raw = strictBase64(sealed, SEALED_REPLY_KEY_BYTES);
    if (raw) {
      await cryptoReady();
      try {
        return Buffer.from(openSealed(raw, this.own));
      } catch {
        // refused below, as a malformed one is
      }
    }
    throw new HearthError(ErrorCode.BusBadReplyKey, 'the reply key is not one sealed to this service');
  }
}

/** A service's ed25519 key in the form `openSealed` takes (libsodium's seed ‖ public key). */
function openingKeysOf(key: KeyObject): PrincipalKeys {
  const { d, x } = key.export({ format: 'jwk' });
  const publicKey = Buffer.from(x!, 'base64url');
  return {
    publicKey: publicKey.toString('base64'),
    secretKey: Buffer.concat([Buffer.from(d!, 'base64url'), publicKey]).toString('base64'),
  };
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
