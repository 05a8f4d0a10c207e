import { z } from 'zod';

/** Shared zod primitives. Bounds everywhere, so the OpenAPI document states them. */

export const uuid = z.uuid().meta({ format: 'uuid' });

export const idParams = z.object({ id: uuid });

/** `If-Match` on PATCH and transitions: the ETag last read (428 when missing, 412 when stale). */
export const ifMatchHeaders = z.object({ 'if-match': z.string().max(100).optional() });

/** A calendar date, `YYYY-MM-DD`, that really exists (no 2026-02-30). */
export const isoDate = z.iso.date();

export const isoDateTime = z.iso.datetime({ offset: true });

export const int32 = (min = 0, max = 2_147_483_647) => z.number().int().min(min).max(max).meta({ format: 'int32' });

export const limitQuery = z.coerce
  .number()
  .int()
  .min(1)
  .max(200)
  .default(50)
  .meta({ format: 'int32', description: 'Page size (1–200, default 50).' });

export const cursorQuery = z
  .string()
  .min(1)
  .max(500)
  .optional()
  .meta({ description: 'Opaque cursor from a previous page’s `nextCursor`.' });

export const paginationQuery = z.object({ limit: limitQuery, cursor: cursorQuery });

/** `{ data, nextCursor }`: the shape of every list response. */
export const listOf = <T extends z.ZodType>(item: T) =>
  z.object({
    data: z.array(item).max(200),
    nextCursor: z.string().max(500).nullable(),
  });

export const problemSchema = z
  .object({
    type: z.string().max(200),
    title: z.string().max(200),
    status: z.number().int().min(400).max(599).meta({ format: 'int32' }),
    detail: z.string().max(2000).optional(),
    instance: z.string().max(2000).optional(),
    errors: z
      .array(z.object({ path: z.string().max(500), message: z.string().max(1000) }))
      .max(100)
      .optional(),
  })
  .passthrough()
  .meta({ id: 'Problem', description: 'RFC 9457 problem details.' });

/** Booleans in query strings: `true`/`false` (and `1`/`0`). */
export const booleanQuery = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1')
  .optional();

export const email = z
  .email()
  .max(254)
  .transform((v) => v.toLowerCase());

export const usState = z
  .string()
  .regex(/^[A-Z]{2}$/, 'must be a two-letter US state code, e.g. CA')
  .refine((v) => US_STATES.has(v), 'is not a US state, district or territory code');

export const US_STATES = new Set([
  'AL',
  'AK',
  'AZ',
  'AR',
  'CA',
  'CO',
  'CT',
  'DE',
  'DC',
  'FL',
  'GA',
  'HI',
  'ID',
  'IL',
  'IN',
  'IA',
  'KS',
  'KY',
  'LA',
  'ME',
  'MD',
  'MA',
  'MI',
  'MN',
  'MS',
  'MO',
  'MT',
  'NE',
  'NV',
  'NH',
  'NJ',
  'NM',
  'NY',
  'NC',
  'ND',
  'OH',
  'OK',
  'OR',
  'PA',
  'RI',
  'SC',
  'SD',
  'TN',
  'TX',
  'UT',
  'VT',
  'VA',
  'WA',
  'WV',
  'WI',
  'WY',
  'PR',
  'GU',
  'VI',
  'AS',
  'MP',
]);

export const timeZone = z
  .string()
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return tz.includes('/') || tz === 'UTC';
    } catch {
      return false;
    }
  }, 'must be an IANA time zone, e.g. America/Los_Angeles');

/** Standard error responses, by status, for route schemas. */
export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, problemSchema])) as Record<number, typeof problemSchema>;
