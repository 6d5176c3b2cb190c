import type { z } from 'zod';

/**
 * The one way the console's pages talk to the API: same-origin cookie session, the CSRF token (kept in
 * this module's memory only, never in storage or a cookie) on every request that is not a GET, every
 * answer checked against its contracts schema, and every failure an ApiError with the API's code.
 */

export interface FieldRefusal {
  field: string;
  code: string;
  message: string;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly fields: readonly FieldRefusal[] = [],
  ) {
    super(message);
  }
}

/** Codes of the client's own, for what never reached an answer or came back in a shape we do not know. */
export const ClientCode = {
  Network: 'WEB.NETWORK',
  BadAnswer: 'WEB.BAD_ANSWER',
} as const;

/** `CODE — message`: how every error is shown. */
export const describeError = (error: unknown): string =>
  error instanceof ApiError ? `${error.code} — ${error.message}` : `${ClientCode.Network} — ${String(error)}`;

/** The error an answer stands for: its `{error:{code,message,fields?}}` body, or its status when it has none. */
export function errorOf(status: number, body: unknown): ApiError {
  const error = (body as { error?: unknown } | null)?.error;
  if (typeof error === 'object' && error !== null) {
    const { code, message, fields } = error as Record<string, unknown>;
    if (typeof code === 'string') {
      return new ApiError(
        code,
        typeof message === 'string' ? message : code,
        status,
        Array.isArray(fields) ? fields.filter(isFieldRefusal) : [],
      );
    }
  }
  return new ApiError(
    status === 401 ? 'AUTH.UNAUTHENTICATED' : `HTTP.${status}`,
    `the server answered ${status}`,
    status,
  );
}

function isFieldRefusal(item: unknown): item is FieldRefusal {
  if (typeof item !== 'object' || item === null) return false;
  const { field, code, message } = item as Record<string, unknown>;
  return typeof field === 'string' && typeof code === 'string' && typeof message === 'string';
}

type Fetch = (input: string, init: RequestInit) => Promise<Response>;

let csrfToken: string | null = null;
let unauthenticated: () => void = () => {};
let fetchImpl: Fetch = (input, init) => fetch(input, init);

/** The session's CSRF token (from `Session`), in memory; null on sign-out. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** What to do when any answer is 401: the app goes back to sign-in. */
export function onUnauthenticated(handler: () => void): void {
  unauthenticated = handler;
}

/** A live stream ended because the session no longer passes: back to sign-in, as on any 401. */
export function signalUnauthenticated(): void {
  unauthenticated();
}

/** Whether an error means the session is gone. */
export const isUnauthenticated = (error: ApiError): boolean =>
  error.status === 401 || error.code.endsWith('.UNAUTHENTICATED');

/** For tests: the fetch to use. */
export function setFetch(impl: Fetch): void {
  fetchImpl = impl;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** A 401 here is an answer, not a lost session (the sign-in page's own GET /v1/session and POST). */
  quietUnauthenticated?: boolean;
}

export async function request<S extends z.ZodType>(
  schema: S,
  path: string,
  options: RequestOptions = {},
): Promise<z.infer<S>> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== null) headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetchImpl(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(ClientCode.Network, 'the console could not be reached', 0);
  }
  const text = await response.text();
  let body: unknown = undefined;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  if (!response.ok) {
    const error = errorOf(response.status, body);
    if (response.status === 401 && !options.quietUnauthenticated) unauthenticated();
    throw error;
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') || 'body';
    throw new ApiError(ClientCode.BadAnswer, `unexpected answer from ${method} ${path} (${where})`, response.status);
  }
  return parsed.data;
}

/** Path segments, each encoded: a credential path keeps its `/`. */
/**
 * A credential path in a URL, its slashes kept. A `.` or `..` segment is refused here: the browser
 * would resolve it, and the request would act on another path than the page shows.
 */
export function encodePath(path: string): string {
  const segments = path.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new ApiError('VAULT.INVALID_PATH', `not a credential path: ${path}`, 400);
  }
  return segments.map(encodeURIComponent).join('/');
}

/** `?a=1&b=2` of the defined, non-empty values, or ''. */
export function queryOf(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
