import { addressOf } from './http.js';
import { cappedText, failed, ok, type Probe, type Values } from './probe.js';

function form(values: Values, withSecret: boolean): URLSearchParams {
  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  if (values.scope) body.set('scope', values.scope);
  if (values.audience) body.set('audience', values.audience);
  if (withSecret) {
    body.set('client_id', values.client_id!);
    body.set('client_secret', values.client_secret!);
  }
  return body;
}

/** RFC 6749 2.3.1: id and secret are form-encoded before they are joined for the Basic header. */
function basic(values: Values): string {
  const pair = `${encodeURIComponent(values.client_id!)}:${encodeURIComponent(values.client_secret!)}`;
  return `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
}

const FORM = 'application/x-www-form-urlencoded';

/**
 * A client-credentials grant: client_secret_basic first (the method every server must support),
 * then client_secret_post when the server refused the first as invalid_client. OK when an
 * access_token comes back; the token itself is dropped unread.
 */
export const oauth2Probe: Probe = {
  target: (values) => addressOf(values.token_url!),
  async run(values, signal) {
    let answer = await grant(values, signal, 'basic');
    if (answer.status === 400 || answer.status === 401) {
      const second = await grant(values, signal, 'post');
      if (second.status < 300 || answer.error === 'invalid_client') answer = second;
    }
    if (answer.status >= 200 && answer.status < 300) {
      return answer.token
        ? ok(`the token endpoint issued an access token (HTTP ${answer.status})`)
        : failed(`the token endpoint answered HTTP ${answer.status} without an access_token`);
    }
    if (answer.error) return failed(`the token endpoint refused the client: ${answer.error} (HTTP ${answer.status})`);
    if (answer.status === 401 || answer.status === 403)
      return failed(`the token endpoint refused the credential (HTTP ${answer.status})`);
    return failed(`the token endpoint answered HTTP ${answer.status}`);
  },
};

async function grant(
  values: Values,
  signal: AbortSignal,
  method: 'basic' | 'post',
): Promise<{ status: number; token: boolean; error: string | null }> {
  const response = await fetch(values.token_url!, {
    method: 'POST',
    headers: {
      'content-type': FORM,
      accept: 'application/json',
      ...(method === 'basic' ? { authorization: basic(values) } : {}),
    },
    body: form(values, method === 'post'),
    signal,
    redirect: 'manual',
  });
  const body: unknown = await cappedText(response)
    .then((text) => JSON.parse(text) as unknown)
    .catch(() => null);
  const field = (name: string): unknown =>
    body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  const error = field('error');
  return {
    status: response.status,
    token: typeof field('access_token') === 'string',
    // Only the RFC's error code, which is a short token; error_description is free text a server may fill with anything.
    error: typeof error === 'string' && /^[\x20-\x7e]{1,64}$/.test(error) ? error : null,
  };
}
