import type { z } from 'zod';
import { ErrorCode, HearthError } from './errors.js';

/**
 * Validates input against a contract schema. A bad `slug` field gets its own stable code
 * (CONSOLE.INVALID_SLUG); anything else is HEARTH.INVALID_REQUEST. Messages name fields and rules,
 * never the offending values.
 */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const badSlug = issues.some((issue) => issue.path[0] === 'slug');
  const message = issues
    .map((issue) => {
      const where = issue.path.length ? issue.path.join('.') : 'body';
      return issue.code === 'unrecognized_keys'
        ? `${where}: unknown field(s) ${issue.keys.join(', ')}`
        : `${where}: ${issue.message}`;
    })
    .join('; ');
  throw new HearthError(badSlug ? ErrorCode.InvalidSlug : ErrorCode.InvalidRequest, message);
}
