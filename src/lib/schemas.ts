import { z } from 'zod';

/**
 * Shared zod primitives, used by every route schema (requests and responses).
 * Every string has a maxLength, every array a maxItems, every integer a range
 * and a format, so the OpenAPI document states the bounds validation enforces.
 */

/**
 * Text PostgreSQL can store and JSON can carry: no NUL (a `text` column cannot
 * hold U+0000, jsonb refuses `\u0000`) and no unpaired UTF-16 surrogate (not
 * Unicode: jsonb refuses it, UTF-8 encoding silently replaces it). Paired
 * surrogates (emoji, rare CJK) are ordinary characters.
 */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
export const STORABLE_TEXT = /^[^\u0000\uD800-\uDFFF]*$/u;
export const STORABLE_TEXT_MESSAGE = 'must not contain NUL characters or unpaired UTF-16 surrogates';

/** True when PostgreSQL can store `value` as text (see STORABLE_TEXT). */
export const isStorableText = (value: string): boolean => STORABLE_TEXT.test(value);

/**
 * A free-text request field: at most `max` characters (after trimming, unless
 * `trim: false`), at least `min`, and storable (400 naming the field otherwise).
 */
export function text(max: number, { min = 0, trim = true }: { min?: number; trim?: boolean } = {}) {
  const base = trim ? z.string().trim() : z.string();
  return (min > 0 ? base.min(min) : base).max(max).regex(STORABLE_TEXT, STORABLE_TEXT_MESSAGE);
}

/**
 * A string the API writes. Whatever PostgreSQL stored is storable text by
 * construction, so the pattern documents that without testing each response.
 */
export const outText = (max: number, min = 0) =>
  (min > 0 ? z.string().min(min) : z.string()).max(max).meta({ pattern: STORABLE_TEXT.source });

export const uuid = z.uuid().max(36).meta({ format: 'uuid' });

export const idParams = z.object({ id: uuid });

/** A record id, or `none` (e.g. `assignedToId=none`: unassigned). One string schema, so the document types it. */
export const uuidOrNone = z
  .string()
  .max(36)
  .regex(
    /^(?:none|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12})$/,
    'must be an id (UUID) or none',
  );

/** An `If-Match` value: printable ASCII, as HTTP field values are (the tag is checked by `expectedVersion`). */
const ifMatchValue = z
  .string()
  .max(100)
  .regex(/^[\t\x20-\x7e]*$/, 'must be an entity tag such as "3"')
  .meta({ description: 'The ETag of the version you read, e.g. `"3"`.' });

/**
 * `If-Match` on PATCH and transitions: the ETag last read. Required — a
 * request without it is 428 (RFC 6585), one with a stale tag 412. Validation
 * leaves it optional so that a missing header reaches the 428 check rather
 * than becoming a 400; the document states it as required.
 */
export const ifMatchHeaders = z.object({ 'if-match': ifMatchValue.optional() }).meta({ required: ['if-match'] });

/** `If-Match` where it is optional and checked when sent (holidays, schedules). */
export const optionalIfMatchHeaders = z.object({ 'if-match': ifMatchValue.optional() });

// Calendar days 1900-01-01 … 2100-12-31 that exist (leap years: every fourth, not 1900 or 2100).
const YEAR = '(?:19\\d\\d|20\\d\\d|2100)';
const LEAP_YEAR = '(?:19(?:0[48]|[2468][048]|[13579][26])|20(?:0[048]|[2468][048]|[13579][26]))';
const DAY = `(?:${LEAP_YEAR}-02-29|${YEAR}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8])))`;
const TIME = '(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d{1,9})?';
const OFFSET = '(?:Z|[+-](?:[01]\\d|2[0-3]):[0-5]\\d)';

/** The earliest and latest calendar days the API accepts (dates of birth, periods, filters). */
export const DATE_RANGE = { min: '1900-01-01', max: '2100-12-31' } as const;

/**
 * A calendar date in a request, `YYYY-MM-DD`, that really exists (no
 * 2026-02-30) and lies between 1900-01-01 and 2100-12-31 — PostgreSQL and
 * JavaScript disagree about year 0 and beyond 9999, and nothing the consulates
 * record lies outside these years.
 */
export const isoDate = z
  .string()
  .max(10)
  .regex(new RegExp(`^${DAY}$`), `must be a date YYYY-MM-DD from ${DATE_RANGE.min} to ${DATE_RANGE.max}`)
  .meta({ format: 'date' });

/** An instant in a request: date-time with its offset, on a day of the years 1900–2100. */
export const isoDateTime = z
  .string()
  .max(35)
  .regex(
    new RegExp(`^${DAY}T${TIME}${OFFSET}$`),
    'must be a date-time with its offset, e.g. 2026-03-01T09:00:00-08:00, in the years 1900–2100',
  )
  .meta({ format: 'date-time' });

/**
 * Dates and instants the API writes (responses). Same formats, without the
 * year bound: what the API derives from bounded input may cross it (a slot on
 * 31 December 2100 in Los Angeles ends in 2101 UTC), and a response must
 * never fail its own schema.
 */
export const isoDateOut = z.iso.date().max(10);
export const isoDateTimeOut = z.iso.datetime({ offset: true }).max(35);

export const INT32_MAX = 2_147_483_647;

/** An integer within `[min, max]` (by default 0 … 2³¹−1), documented as int32. */
export const int32 = (min = 0, max = INT32_MAX) => z.number().int().min(min).max(max).meta({ format: 'int32' });

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
  .regex(/^[A-Za-z0-9_-]+$/, 'is not a cursor issued by this list')
  .optional()
  .meta({ description: 'Opaque cursor from a previous page’s `nextCursor`.' });

export const paginationQuery = z.object({ limit: limitQuery, cursor: cursorQuery });

/** `{ data, nextCursor }`: the shape of every list response. */
export const listOf = <T extends z.ZodType>(item: T) =>
  z.object({
    data: z.array(item).max(200),
    nextCursor: z
      .string()
      .max(500)
      .meta({ pattern: '^[A-Za-z0-9_-]+$', description: 'Pass as `cursor` for the next page; null on the last.' })
      .nullable(),
  });

export const problemSchema = z
  .object({
    type: z
      .string()
      .max(200)
      .meta({ format: 'uri', description: 'A stable URN per kind of problem: urn:problem-type:consular:<code>.' }),
    title: outText(200),
    status: z.number().int().min(400).max(599).meta({ format: 'int32' }),
    detail: outText(2000).optional(),
    instance: outText(2000).optional(),
    errors: z
      .array(z.object({ path: outText(500), message: outText(1000) }))
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
  .max(2)
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
  .regex(/^[A-Za-z0-9_+\-/]+$/, 'must be an IANA time zone, e.g. America/Los_Angeles')
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return tz.includes('/') || tz === 'UTC';
    } catch {
      return false;
    }
  }, 'must be an IANA time zone, e.g. America/Los_Angeles');

/** What each problem status means on this API (the OpenAPI response descriptions). */
const PROBLEM_MEANINGS: Readonly<Record<number, string>> = {
  400: 'The request is not valid: the problem names each field (`errors`).',
  401: 'No access token, or one that is invalid, expired or of an ended session.',
  403: 'Your role, or the kind of token, does not allow this.',
  404: 'Not found, or outside your consulate.',
  409: 'The request conflicts with the record’s current state.',
  412: '`If-Match` does not match the current version: read it again.',
  413: 'The body is larger than the limit (1 MiB).',
  414: 'A path parameter is longer than the limit (100 characters).',
  415: 'The body is not `application/json`.',
  422: 'The request is well-formed but cannot be processed (e.g. an `Idempotency-Key` reused with another body).',
  428: '`If-Match` is required: send the ETag of the version you read.',
  429: 'Too many requests: retry after the `Retry-After` seconds.',
  500: 'Unexpected error: quote the request id (`x-request-id`) when reporting it.',
  503: 'The database is unavailable or the service is shutting down: retry later.',
};

/** The OpenAPI response of a problem status: `application/problem+json` with the Problem schema (or an extension of it). */
export const problemResponse = (status: number, schema: z.ZodType = problemSchema) => ({
  description: PROBLEM_MEANINGS[status] ?? 'Problem details (RFC 9457).',
  content: { 'application/problem+json': { schema } },
});

export type ProblemResponse = ReturnType<typeof problemResponse>;

/** Error responses, by status, for route schemas (the route's own: 404, 409, 412, 428…). */
export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, problemResponse(s)])) as Record<number, ProblemResponse>;

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What `standardResponses` reads of a route. */
export interface RouteContract {
  method: string;
  hasParams: boolean;
  /** Takes query parameters, headers or a body that are validated. */
  validatesInput: boolean;
  /** Declares a security scheme (staff or kiosk token). */
  authenticated: boolean;
}

/**
 * The problem statuses every route of its kind can answer, whatever its
 * handler does: 500 and 503 everywhere (the database, shutting down); 400 when
 * something is validated; 413 and 415 where a body is read; 414 where a path
 * parameter is; 401, 403 and 429 where a token is required (the per-actor rate
 * limit). The route adds its own (404, 409, 412, 422, 428…).
 */
export function standardResponses(route: RouteContract): Record<number, ProblemResponse> {
  const statuses = [500, 503];
  const takesBody = BODY_METHODS.has(route.method);
  if (route.validatesInput || route.hasParams || takesBody) statuses.push(400);
  if (takesBody) statuses.push(413, 415);
  if (route.hasParams) statuses.push(414);
  if (route.authenticated) statuses.push(401, 403, 429);
  return problemResponses(...statuses);
}
