import { describe, expect, it } from '@jest/globals';
import { ErrorCode, HearthError } from '@hearth/contracts';
import { secretReadFixture } from '@hearth/testkit';
import { randomUUID } from 'node:crypto';
import { admit, type OriginCheck } from './audit-entry.js';

/** The origin check of a message its service signed: what the record keeps of it. */
const ORIGIN = { message_id: 'm-1', source_seq: null, signature: 'c2lnbmVk', envelope: {} };
const signed: OriginCheck = (service) => ({ service, ...ORIGIN });

/** An event of a type hatch has no contract for: only the envelope and the common rules apply. */
const event = (data: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  type: 'ThingCheckedV1',
  stream: 'ThingCheckedV1-x',
  version: 1,
  data: { path: 'hearth/acme/postgres', workspace_slug: 'acme', outcome: 'OK', ...data },
  metadata: {
    actor: 'svc-billing',
    correlation_id: 'c-1',
    causation_id: null,
    trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    occurred_at: '2026-11-22T10:00:00.123456Z',
    ...metadata,
  },
});

describe('admitting a message from the HATCH stream', () => {
  it('records an audit event with what hatch indexes taken from its subject and data', () => {
    const body = event({ version: 3 });
    expect(admit('hatch.vault.secret.read', body, signed)).toEqual({
      kind: 'record',
      entry: {
        event_id: body.id,
        event_type: 'ThingCheckedV1',
        occurred_at: '2026-11-22T10:00:00.123Z',
        source: 'vault',
        action: 'secret.read',
        actor: 'svc-billing',
        subject_path: 'hearth/acme/postgres',
        workspace_slug: 'acme',
        outcome: 'OK',
        trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
        correlation_id: 'c-1',
        causation_id: null,
        data: body.data,
        origin: { service: 'vault', ...ORIGIN },
      },
    });
  });

  it('parks an event its service did not sign, with the refusal as the reason', () => {
    const unsigned: OriginCheck = () => {
      throw new HearthError(ErrorCode.BusUnsigned, 'hatch.vault.secret.read: the message is unsigned');
    };
    expect(admit('hatch.vault.secret.read', event(), unsigned)).toEqual({
      kind: 'park',
      reason: 'BUS.UNSIGNED: hatch.vault.secret.read: the message is unsigned',
      keepBody: true,
    });
  });

  it("parks a type hatch knows on another service's subject, and a service nobody runs, before any signature is asked for", () => {
    const read = secretReadFixture();
    const asked: string[] = [];
    const check: OriginCheck = (service) => (asked.push(service), { service, ...ORIGIN });
    expect(admit('hatch.console.secret.read', read, check)).toMatchObject({
      kind: 'park',
      reason: 'BUS.WRONG_ORIGIN: only vault emits SecretReadV1',
    });
    expect(admit('hatch.mallory.secret.read', read, check)).toMatchObject({
      kind: 'park',
      reason: 'no Hearth service is called mallory',
    });
    expect(asked).toEqual([]);
  });

  it('records an event without path, workspace or outcome with those left empty', () => {
    const body = { ...event(), data: { name: 'svc-billing' } };
    expect(admit('hatch.vault.principal.create', body, signed)).toMatchObject({
      kind: 'record',
      entry: { subject_path: null, workspace_slug: null, outcome: null, action: 'principal.create' },
    });
  });

  it.each([
    ['data.password', event({ password: 'p' })],
    ['data.nested.0.Secret', event({ nested: [{ Secret: 's' }] })],
    ['data.values', event({ values: { user: 'u' } })],
    ['data.token', event({ token: 't' })],
    ['data.value', event({ value: 'hunter2' })],
    ['data.secret', event({ secret: 's' })],
    ['data.credentials.value', event({ credentials: { value: 'v' } })],
    ['data.rotation.0.previous.Secret', event({ rotation: [{ previous: { Secret: 's' } }] })],
    ['data.oauth.client_secret', event({ oauth: { client_secret: 's' } })],
    ['data.clientSecret', event({ clientSecret: 's' })],
    ['data.private_key', event({ private_key: '-----BEGIN PRIVATE KEY-----' })],
    ['data.db_password', event({ db_password: 'p' })],
    ['data.tags.ADMIN_PASSWORD', event({ tags: { ADMIN_PASSWORD: 'p' } })],
    ['metadata.value', event({}, { value: 'v' })],
  ])('parks an event carrying %s, without its body', (path, body) => {
    expect(admit('hatch.vault.secret.read', body, signed)).toEqual({
      kind: 'park',
      reason: `carries a secret-looking field: ${path}`,
      keepBody: false,
    });
  });

  it('records what only names or describes a secret: value_names, public_key, a secret_path', () => {
    const body = event({ value_names: ['password', 'username'], public_key: 'pem', secret_path: 'hearth/acme/db' });
    expect(admit('hatch.vault.secret.write', body, signed)).toMatchObject({ kind: 'record' });
  });

  it('parks a secret-looking field even in a body that is not an event', () => {
    expect(admit('hatch.x.y', { password: 'p' }, signed)).toMatchObject({ kind: 'park', keepBody: false });
  });

  it("parks what claims to be hatch's own entry: a gap closed from the bus would hide one", () => {
    const filled = event({ source: 'vault', from: 3, to: 3 });
    expect(admit('hatch.hatch.gap.filled', { ...filled, type: 'AuditGapFilledV1' }, signed)).toMatchObject({
      kind: 'park',
      keepBody: true,
    });
  });

  it('parks what is not an audit event, keeping the body', () => {
    expect(admit('hatch.vault.secret.read', { hello: 'world' }, signed)).toMatchObject({
      kind: 'park',
      keepBody: true,
    });
    expect(admit('hatch.vault.secret.read', event({ outcome: 'MAYBE' }), signed)).toMatchObject({
      kind: 'park',
      reason: expect.stringContaining('data.outcome'),
    });
  });

  it("records a vault event by its contract, a path outside any workspace and an earlier release's read too", () => {
    const read = secretReadFixture();
    expect(admit('hatch.vault.secret.read', read, signed)).toMatchObject({
      kind: 'record',
      entry: { data: read.data },
    });
    const elsewhere = secretReadFixture({ path: 'ops/db', data: { workspace_slug: null } });
    expect(admit('hatch.vault.secret.read', elsewhere, signed)).toMatchObject({
      kind: 'record',
      entry: { workspace_slug: null },
    });
    const earlier = secretReadFixture({ data: { trace_id: null } });
    expect(admit('hatch.vault.secret.read', earlier, signed)).toMatchObject({ kind: 'record' });
  });

  it('parks a vault event that breaks its contract, keeping the body', () => {
    const withoutRequestId = secretReadFixture();
    delete (withoutRequestId.data as Partial<typeof withoutRequestId.data>).request_id;
    for (const body of [
      withoutRequestId,
      secretReadFixture({ data: { note: 'a field the contract does not have' } }),
      secretReadFixture({ data: { version: 'latest' } }),
    ]) {
      expect(admit('hatch.vault.secret.read', body, signed)).toMatchObject({
        kind: 'park',
        reason: expect.stringMatching(/^not a SecretReadV1: data/) as unknown,
        keepBody: true,
      });
    }
  });

  it.each(['hatch.Vault.secret.read', 'hatch.vault', 'hatch..x', 'other.vault.secret.read'])(
    'parks an event on the subject %s',
    (subject) => {
      expect(admit(subject, event(), signed)).toMatchObject({
        kind: 'park',
        reason: expect.stringContaining('subject'),
      });
    },
  );

  it.each([
    ['a NUL', event({ note: 'a\u0000b' })],
    ['a lone surrogate', event({ note: 'a\ud800b' })],
    ['a NUL in a key', event({ 'k\u0000': 1 })],
  ])('parks text Postgres cannot store (%s) without its body, and a storable reason', (_, body) => {
    const admission = admit('hatch.vault.secret.read', body, signed);
    expect(admission).toMatchObject({ kind: 'park', keepBody: false });
    expect(admission.kind === 'park' && (admission.reason.includes('\u0000') || /\p{Cs}/u.test(admission.reason))).toBe(
      false,
    );
  });

  it('keeps an emoji, a well-formed surrogate pair', () => {
    expect(admit('hatch.vault.secret.read', event({ note: '🔥' }), signed)).toMatchObject({ kind: 'record' });
  });
});
