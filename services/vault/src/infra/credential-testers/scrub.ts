const MASK = '[redacted]';

/**
 * `message` with every secret removed, in each form a client library might have quoted it: as given,
 * URL-encoded (a connection string), base64 and base64url (a Basic header, a SASL payload). Longer
 * forms go first so a shorter one cannot leave a longer one's remains. Empty secrets are skipped.
 * Control characters become spaces.
 */
export function scrub(message: string, secrets: readonly string[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(encodeURI(secret));
    const base64 = Buffer.from(secret, 'utf8').toString('base64');
    forms.add(base64);
    forms.add(base64.replace(/=+$/, ''));
    forms.add(Buffer.from(secret, 'utf8').toString('base64url'));
  }
  let scrubbed = message;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    scrubbed = scrubbed.split(form).join(MASK);
  }
  // The server's words reach terminals and pages: no escape sequence, carriage return or NUL of its
  // own, and one line. (After the secrets: a control character cannot split one to slip past.)
  // eslint-disable-next-line no-control-regex
  return scrubbed.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
}
