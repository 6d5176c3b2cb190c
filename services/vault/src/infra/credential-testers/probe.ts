import type { TestStatus } from '@hearth/contracts';

/** A credential's values by field name, as the version holds them (every one a string). */
export type Values = Readonly<Record<string, string>>;

export interface Verdict {
  status: Exclude<TestStatus, 'TIMEOUT'>;
  message: string;
}

/**
 * One protocol's test. `run` logs in and answers OK, or FAILED for a refusal it recognises; anything
 * else it throws, and the runner names it (connection refused, no such host, TLS) by `target`.
 * `run` closes its connection when `signal` aborts (the runner's timeout); `clientTimeoutMs`, a bit
 * longer, is for the client library's own connect timer, a backstop.
 */
export interface Probe {
  /** Where the test connects, as a person would say it: `host:port`, or a URL's origin. */
  target(values: Values): string;
  run(values: Values, signal: AbortSignal, clientTimeoutMs: number): Promise<Verdict>;
  /** The protocol's own refusals (a driver's error code → a fixed phrase), or null to let the runner name it. */
  refusal?(error: unknown, values: Values): string | null;
}

export const ok = (message: string): Verdict => ({ status: 'OK', message });
export const failed = (message: string): Verdict => ({ status: 'FAILED', message });

export const portOf = (values: Values, fallback: number): number => Number(values.port ?? fallback);
export const flagOf = (values: Values, name: string): boolean => values[name] === 'true';

/** The `code` a Node or driver error carries, if any (on the error or its cause). */
export function codeOf(error: unknown): string | null {
  for (
    let e: unknown = error, depth = 0;
    e && typeof e === 'object' && depth < 4;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') return String(code);
  }
  return null;
}

/** An error's message; duck-typed, since an error from another realm (a vm context) is no `instanceof Error`. */
export function messageOf(error: unknown): string {
  const message = error && typeof error === 'object' ? (error as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : String(error);
}

/** `error` as an Error for a promise's rejection, its code and cause kept. */
export function asError(error: unknown): Error {
  return error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string'
    ? (error as Error)
    : new Error(String(error));
}

/** The most of a response body a test reads: enough for any token or STS answer, bounded against a hostile server. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * A response's body as text, at most `MAX_BODY_BYTES` of it (the rest is cancelled unread): a server the
 * credential names may stream without end, and the vault's memory is not its to fill.
 */
export async function cappedText(response: Response): Promise<string> {
  const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
}

/** Rejects when `signal` aborts, so a probe waiting on a client that ignores aborts still ends. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(new Error('aborted'));
    signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
  });
}
