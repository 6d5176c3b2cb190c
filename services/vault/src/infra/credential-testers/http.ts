import type { Tester } from '@hearth/contracts';
import { failed, ok, type Probe, type Values, type Verdict } from './probe.js';

/** `host:port` of a URL, the port spelled out so "connection refused at" says where. */
export function addressOf(url: string): string {
  const parsed = new URL(url);
  const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
  return `${parsed.hostname}:${port}`;
}

/** A 2xx is a credential the server took; 401/403 one it refused; anything else is named by its status. */
export function verdictOf(status: number, what = 'the server'): Verdict {
  if (status >= 200 && status < 300) return ok(`${what} accepted the credential (HTTP ${status})`);
  if (status === 401 || status === 403) return failed(`${what} refused the credential (HTTP ${status})`);
  if (status >= 300 && status < 400) return failed(`${what} redirected (HTTP ${status}): test the URL it redirects to`);
  return failed(`${what} answered HTTP ${status}, which says nothing about the credential`);
}

/** A GET with the credential attached as `attach` says, redirects not followed (they could carry it elsewhere). */
function httpProbe(attach: (values: Values) => { url: string; headers: Record<string, string> }): Probe {
  return {
    target: (values) => addressOf(values.url!),
    async run(values, signal) {
      const { url, headers } = attach(values);
      const response = await fetch(url, { headers, signal, redirect: 'manual' });
      await response.body?.cancel();
      return verdictOf(response.status);
    },
  };
}

export const httpProbes: Readonly<Record<Extract<Tester, 'http_bearer' | 'http_basic' | 'api_key'>, Probe>> = {
  http_bearer: httpProbe((values) => ({ url: values.url!, headers: { authorization: `Bearer ${values.token}` } })),
  http_basic: httpProbe((values) => ({
    url: values.url!,
    headers: {
      authorization: `Basic ${Buffer.from(`${values.username}:${values.password}`, 'utf8').toString('base64')}`,
    },
  })),
  api_key: httpProbe((values) => {
    const name = values.key_name ?? 'X-API-Key';
    if (values.location === 'query') {
      const url = new URL(values.url!);
      url.searchParams.set(name, values.key!);
      return { url: url.toString(), headers: {} };
    }
    return { url: values.url!, headers: { [name]: values.key! } };
  }),
};
