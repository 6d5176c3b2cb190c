import type { NatsRequestContext } from '@hearth/platform/nest';
import type { SignedRequest } from '../../app/admission/caller-identity.js';

/** The bytes and headers a request was signed over, exactly as they arrived, and its decoded body. */
export function signedRequestOf(context: NatsRequestContext, payload: unknown): SignedRequest {
  const msg = context.message;
  return { subject: msg.subject, body: msg.data, header: (name) => msg.headers?.get(name) || undefined, payload };
}
