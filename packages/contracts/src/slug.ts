import { z } from 'zod';

/** A workspace slug: lowercase DNS label, 1–63 characters, no leading or trailing hyphen. */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const Slug = z.string().regex(SLUG_PATTERN, {
  message: 'a slug is 1-63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit',
});
export type Slug = z.infer<typeof Slug>;

export function isSlug(candidate: unknown): candidate is Slug {
  return typeof candidate === 'string' && SLUG_PATTERN.test(candidate);
}
