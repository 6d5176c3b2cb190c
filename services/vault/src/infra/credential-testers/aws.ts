import aws4 from 'aws4';
import { cappedText, failed, ok, type Probe, type Values } from './probe.js';

const BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

function endpointOf(values: Values): URL {
  return new URL(values.endpoint ?? `https://sts.${values.region ?? 'us-east-1'}.amazonaws.com/`);
}

/**
 * STS GetCallerIdentity, which any valid key may call (no policy grants or denies it): a 200 names
 * the key's identity, a 403 carries AWS's reason code (InvalidClientTokenId, SignatureDoesNotMatch…).
 */
export const awsProbe: Probe = {
  target: (values) => {
    const url = endpointOf(values);
    return `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
  },
  async run(values, signal) {
    const url = endpointOf(values);
    const signed = aws4.sign(
      {
        host: url.host,
        path: url.pathname,
        method: 'POST',
        service: 'sts',
        region: values.region ?? 'us-east-1',
        body: BODY,
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      },
      {
        accessKeyId: values.access_key_id!,
        secretAccessKey: values.secret_access_key!,
        ...(values.session_token ? { sessionToken: values.session_token } : {}),
      },
    );
    // fetch sets Host and Content-Length itself, to the values that were signed.
    const headers = Object.fromEntries(
      Object.entries(signed.headers ?? {})
        .filter(([name]) => !['host', 'content-length'].includes(name.toLowerCase()))
        .map(([k, v]) => [k, String(v)]),
    );
    const response = await fetch(url, { method: 'POST', headers, body: BODY, signal, redirect: 'manual' });
    const text = await cappedText(response);
    if (response.ok) {
      const arn = /<Arn>([^<]{1,256})<\/Arn>/.exec(text)?.[1];
      return ok(arn ? `AWS accepted the key: ${arn}` : `AWS accepted the key (HTTP ${response.status})`);
    }
    const code = /<Code>([A-Za-z.]{1,64})<\/Code>/.exec(text)?.[1];
    return failed(
      code ? `AWS refused the key: ${code} (HTTP ${response.status})` : `AWS answered HTTP ${response.status}`,
    );
  },
};
