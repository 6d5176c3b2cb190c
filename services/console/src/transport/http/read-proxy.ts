import { ErrorCode, HearthError } from '@hearth/contracts';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';

/** What a client may learn of the upstream's answer besides its status and body. */
const PASSED_BACK = [
  'content-type',
  'content-disposition',
  'cache-control',
  'x-accel-buffering',
  'last-modified',
  'etag',
];
/** What the upstream hears of the client's request besides the caller's bearer token. */
const PASSED_ON = ['accept', 'last-event-id', 'traceparent', 'tracestate', 'hearth-correlation-id'];

/** An upstream HTTP edge whose GETs under `prefix` the console passes through once it has authenticated the caller. */
export interface Upstream {
  /** For messages: "the vault", "hatch". */
  name: string;
  /** Where it is (CONSOLE_VAULT_URL, CONSOLE_HATCH_URL). */
  base: string;
  /** The path the console serves it under, and the path it has at the upstream. */
  from: string;
  to: string;
}

/**
 * The web console's reads of the vault and hatch, on the console's own origin: a GET under
 * `upstream.from` goes to `upstream.to` with the caller's bearer token (its own, or its session's
 * secret, which those edges ask the console about), and the answer streams back as it comes (an SSE
 * tail, an export), status and error body included. The path cannot climb out of `upstream.to`.
 * When the client goes, the upstream request is aborted.
 */
export async function passThrough(
  upstream: Upstream,
  bearer: string,
  request: Request,
  response: Response,
): Promise<void> {
  const rest = request.originalUrl.slice(upstream.from.length);
  const target = new URL(`${upstream.to}${rest}`, upstream.base);
  if (!target.pathname.startsWith(upstream.to)) {
    throw new HearthError(ErrorCode.InvalidRequest, `not a path under ${upstream.from}`);
  }
  const headers = new Headers({ authorization: `Bearer ${bearer}` });
  for (const name of PASSED_ON) {
    const value = request.headers[name];
    if (typeof value === 'string') headers.set(name, value);
  }
  const gone = new AbortController();
  response.once('close', () => gone.abort());
  let answer: globalThis.Response;
  try {
    answer = await fetch(target, { headers, redirect: 'manual', signal: gone.signal });
  } catch {
    throw new HearthError(ErrorCode.Unavailable, `${upstream.name} does not answer`);
  }
  response.status(answer.status);
  for (const name of PASSED_BACK) {
    const value = answer.headers.get(name);
    if (value !== null) response.setHeader(name, value);
  }
  if (!answer.body) return void response.end();
  response.flushHeaders();
  try {
    await pipeline(Readable.fromWeb(answer.body), response);
  } catch {
    // The client went away, or the upstream broke off: the response is already ended or destroyed.
  }
}
