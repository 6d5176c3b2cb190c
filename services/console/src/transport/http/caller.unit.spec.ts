import { describe, expect, it } from '@jest/globals';
import { ErrorCode, type HearthError } from '@hearth/contracts';
import { WebOrigin } from './caller.js';

const request = (headers: Record<string, string>, protocol = 'http') => ({ protocol, headers });
const refusal = (run: () => void) => {
  try {
    run();
  } catch (error) {
    return (error as HearthError).code;
  }
  return null;
};

describe('the web console’s origin', () => {
  it('unconfigured, is the request’s own scheme and Host', () => {
    const origin = new WebOrigin(null);
    const direct = request({ host: '127.0.0.1:7700', origin: 'http://127.0.0.1:7700' });
    expect(refusal(() => origin.assertSameOrigin(direct))).toBeNull();
    expect(origin.secure(direct)).toBe(false);
    const proxied = request({
      host: 'console.example',
      'x-forwarded-proto': 'https',
      origin: 'https://console.example',
    });
    expect(refusal(() => origin.assertSameOrigin(proxied))).toBeNull();
    expect(origin.secure(proxied)).toBe(true);
    expect(
      refusal(() => origin.assertSameOrigin(request({ host: '127.0.0.1:7700', origin: 'http://evil.test' }))),
    ).toBe(ErrorCode.CsrfRefused);
  });

  it('configured, is exactly that whatever Host a proxy hands on, and makes the cookie Secure when https', () => {
    const origin = new WebOrigin('https://console.example');
    // A proxy that ends TLS and rewrites Host: the browser's Origin is still the public one.
    const behindProxy = request({ host: 'hearth-console:7700', origin: 'https://console.example' });
    expect(refusal(() => origin.assertSameOrigin(behindProxy))).toBeNull();
    expect(origin.secure(behindProxy)).toBe(true);
    // A rebound name (DNS rebinding: Host and Origin both the other site's) no longer passes.
    const forged = request({ host: 'evil.test', origin: 'http://evil.test' });
    expect(refusal(() => origin.assertSameOrigin(forged))).toBe(ErrorCode.CsrfRefused);
    expect(refusal(() => origin.assertSameOrigin(request({ origin: 'http://console.example' })))).toBe(
      ErrorCode.CsrfRefused,
    );
    // No Origin (an older browser, a same-origin GET): left to the CSRF token.
    expect(refusal(() => origin.assertSameOrigin(request({})))).toBeNull();
  });

  it("refuses a cookie request another site's page made, reads included, by the browser's Fetch Metadata", () => {
    const origin = new WebOrigin(null);
    for (const site of ['same-site', 'cross-site']) {
      expect(refusal(() => origin.assertOwnPage(request({ 'sec-fetch-site': site })))).toBe(ErrorCode.CsrfRefused);
    }
    // Its own pages, an address typed in, or a client that sends no Fetch Metadata (the CLI, curl).
    const own: Record<string, string>[] = [{ 'sec-fetch-site': 'same-origin' }, { 'sec-fetch-site': 'none' }, {}];
    for (const headers of own) {
      expect(refusal(() => origin.assertOwnPage(request(headers)))).toBeNull();
    }
  });
});
