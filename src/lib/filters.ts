import { z } from 'zod';
import { dateValue } from './calendar.ts';

/**
 * A list filter taking one or more of `values`: `type=a`, `type=a,b` or
 * `type=a&type=b`. Parses to the distinct values given. A value not in the
 * list is reported on the parameter itself (`querystring.type`), as a single
 * value always was.
 */
export function oneOrMore<const T extends readonly [string, ...string[]]>(values: T) {
  const allowed = new Set<string>(values);
  const expected = values.map((v) => `"${v}"`).join('|');
  const longest = values.join(',').length;
  const one = `(${values.join('|')})`;
  // The pattern and enum document what the check below enforces (with its own message).
  return z
    .union([
      z
        .string()
        .max(longest * 2)
        .meta({ pattern: `^${one}(,${one})*$` }),
      z
        .array(
          z
            .string()
            .max(longest)
            .meta({ enum: [...values] }),
        )
        .max(values.length * 2),
    ])
    .transform((raw, ctx) => {
      const items = (Array.isArray(raw) ? raw : [raw]).flatMap((s) => s.split(',')).map((s) => s.trim());
      if (items.some((s) => !allowed.has(s))) {
        ctx.addIssue({ code: 'custom', message: `Invalid option: expected one or more of ${expected}` });
        return z.NEVER;
      }
      return [...new Set(items)] as T[number][];
    })
    .optional()
    .meta({ description: `One or more of ${values.join(', ')}: comma-separated or repeated.` });
}

/** `from <= day <= to` on a DATE column (both included), or nothing. */
export const dateRange = (from?: string, to?: string) =>
  from || to ? { ...(from ? { gte: dateValue(from) } : {}), ...(to ? { lte: dateValue(to) } : {}) } : undefined;

/**
 * The query string of the list request that returns exactly the records of
 * filter `f` (several values of a filter comma-separated).
 */
export function filterQuery(f: Record<string, string | number | boolean | readonly string[] | undefined>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(f)) {
    if (value === undefined) continue;
    const text =
      typeof value === 'object' ? value.map((v) => encodeURIComponent(v)).join(',') : encodeURIComponent(String(value));
    parts.push(`${key}=${text}`);
  }
  return parts.join('&');
}
