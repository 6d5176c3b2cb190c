import type { z } from 'zod';
import { ErrorCode, HearthError } from './errors.js';

/** Fields whose refusal has a code of its own; anything else invalid is HEARTH.INVALID_REQUEST. */
const FIELD_CODES: Readonly<Record<string, ErrorCode>> = {
  slug: ErrorCode.InvalidSlug,
  path: ErrorCode.InvalidPath,
};

/**
 * Validates input against a contract schema. A bad `slug` or `path` field gets its own stable code
 * (CONSOLE.INVALID_SLUG, VAULT.INVALID_PATH). Messages name fields and rules, never the values.
 */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const field = issues.map((issue) => FIELD_CODES[String(issue.path[0])]).find((code) => code !== undefined);
  const message = issues
    .map((issue) => {
      const where = issue.path.length ? issue.path.join('.') : 'body';
      return issue.code === 'unrecognized_keys'
        ? `${where}: unknown field(s) ${issue.keys.join(', ')}`
        : `${where}: ${issue.message}`;
    })
    .join('; ');
  throw new HearthError(field ?? ErrorCode.InvalidRequest, message);
}
