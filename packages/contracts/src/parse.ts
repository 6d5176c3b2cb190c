import type { z } from 'zod';
import { ERROR_KINDS, ErrorCode, HearthError } from './errors.js';

/** Fields (by dotted path, or by their top-level field) whose refusal has a code of its own; anything else invalid is HEARTH.INVALID_REQUEST. */
const FIELD_CODES: Readonly<Record<string, ErrorCode>> = {
  slug: ErrorCode.InvalidSlug,
  path: ErrorCode.InvalidPath,
  prefix: ErrorCode.InvalidPath,
  pattern: ErrorCode.InvalidPattern,
  'rule.pattern': ErrorCode.InvalidPattern,
};

/** A rule's own code (a schema check names it in `params.code`), else the field's (dotted path, then top-level), if it has one. */
function codeOf(issue: z.core.$ZodIssue): ErrorCode | undefined {
  if (issue.code === 'custom' && isErrorCode(issue.params?.code)) return issue.params.code;
  return FIELD_CODES[issue.path.join('.')] ?? FIELD_CODES[String(issue.path[0])];
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && value in ERROR_KINDS;
}

/**
 * Validates input against a contract schema. A bad `slug`, `path` (or list `prefix`) or policy
 * `pattern` gets its own stable code (CONSOLE.INVALID_SLUG, VAULT.INVALID_PATH, VAULT.INVALID_PATTERN).
 * Messages name fields and rules, never the values.
 */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const field = issues.map(codeOf).find((code) => code !== undefined);
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
