import fc from 'fast-check';

/**
 * fast-check arbitraries from the JSON Schemas of an OpenAPI document: values
 * that mostly fit the schema (so requests reach the service layer) with
 * hostile ones mixed in at every level — characters PostgreSQL cannot store,
 * lone surrogates, huge strings, extreme numbers, dates PostgreSQL or
 * JavaScript cannot represent, wrong types, extra fields.
 */
export type JsonSchema = Record<string, any>;

export interface SchemaContext {
  /** Resolves `#/components/...` references. */
  resolve(ref: string): JsonSchema;
  /** Ids of records that exist, so some requests find something. */
  ids: readonly string[];
}

export const HOSTILE_STRINGS: readonly string[] = [
  'a\u0000b',
  '\u0000',
  '\uD800',
  'x\uDFFFy',
  '\uDBFF\uDBFF',
  '😀\uD83D',
  'x'.repeat(100_000),
  'é'.repeat(5000),
  '',
  ' ',
  '\t\n\r',
  '0000-01-01',
  '9999-12-31',
  '10000-01-01',
  '1899-12-31',
  '2101-01-01',
  '2026-02-30',
  '+275760-09-13T00:00:00.000Z',
  '-000001-01-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999999999+23:59',
  '2026-01-01T25:61:61Z',
  '2026-01-01T00:00:00+99:99',
  '2026-01-01T00:00:00.' + '9'.repeat(400) + 'Z',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '11111111-1111-1111-1111-111111111111',
  'none',
  "'; DROP TABLE persons; --",
  '%00',
  '../../etc/passwd',
  '__proto__',
  'constructor',
  'NaN',
  'Infinity',
  '1e999',
  '-0',
  '<script>alert(1)</script>',
  '\u202e\u200b\ufeff',
  'İı',
  'ß'.repeat(300),
];

export const HOSTILE_NUMBERS: readonly number[] = [
  0,
  -1,
  -0,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53 + 2,
  0.5,
  1e-300,
  Number.EPSILON,
];

/** A wrong value of any JSON type, or a hostile one of the right type. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.constantFrom(...HOSTILE_NUMBERS),
  fc.constantFrom(null, true, false, [], {}, [null], { '': 1 }, { __proto__: null, constructor: { prototype: 1 } }),
  fc.constant(Array.from({ length: 2000 }, (_, i) => i)),
  fc.constant(JSON.parse('[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]')),
  fc.string({ maxLength: 20, unit: 'binary' }),
);

/** Lone surrogates and NUL among ordinary characters. */
const nastyUnit = fc.oneof(
  { weight: 8, arbitrary: fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme' }) },
  { weight: 1, arbitrary: fc.constantFrom('\u0000', '\uD800', '\uDC00', '\uFFFF', '\u0085') },
);

function stringArb(schema: JsonSchema, ctx: SchemaContext, hostile: boolean): fc.Arbitrary<string> {
  const max = Math.min(typeof schema.maxLength === 'number' ? schema.maxLength : 60, 60);
  const min = Math.min(typeof schema.minLength === 'number' ? schema.minLength : 0, max);
  switch (schema.format) {
    case 'uuid':
      return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ctx.ids) }, { weight: 1, arbitrary: fc.uuid() });
    case 'date':
      return dateArb(hostile).map((d) => d.toISOString().slice(0, 10));
    case 'date-time':
      return fc
        .tuple(dateArb(hostile), fc.constantFrom('Z', '+00:00', '-08:00', '+14:00', '-12:00', '+05:30'))
        .map(([d, offset]) => d.toISOString().replace('Z', offset));
    case 'email':
      return fc.oneof(fc.emailAddress(), fc.constantFrom('admin@example.org', 'nobody@consular.test'));
  }
  const pattern = schema.pattern ?? schema.allOf?.find((s: JsonSchema) => s.pattern)?.pattern;
  if (typeof pattern === 'string' && !pattern.includes('\\u0000')) {
    try {
      return fc.stringMatching(new RegExp(pattern), { maxLength: Math.max(max, 1) });
    } catch {
      // Patterns fast-check cannot invert fall back to free text.
    }
  }
  return fc.string({ minLength: min, maxLength: max, unit: hostile ? nastyUnit : 'grapheme' });
}

/** Days around today, or (hostile) anywhere from 1895 to 2105. */
const dateArb = (hostile: boolean) =>
  hostile
    ? fc.date({ min: new Date('1895-01-01T00:00:00Z'), max: new Date('2105-12-31T00:00:00Z'), noInvalidDate: true })
    : fc.date({
        min: new Date(Date.now() - 400 * 86_400_000),
        max: new Date(Date.now() + 60 * 86_400_000),
        noInvalidDate: true,
      });

export interface ArbitraryOptions {
  /** false: values that fit the schema (requests reach the service); true (default): hostile ones mixed in. */
  hostile?: boolean;
  /** With `hostile`, one value in `hostility + 1` is hostile, at every level. */
  hostility?: number;
  depth?: number;
}

/**
 * Values for `schema`: fitting ones, or (hostile) mostly fitting with hostile
 * values mixed in at every level and now and then a field the schema does not
 * know.
 */
export function arbitraryFor(
  schema: JsonSchema | undefined,
  ctx: SchemaContext,
  { hostile = true, hostility = 8, depth = 0 }: ArbitraryOptions = {},
): fc.Arbitrary<unknown> {
  const fitting = fittingFor(schema, ctx, { hostile, hostility, depth });
  return hostile
    ? fc.oneof({ weight: hostility, arbitrary: fitting }, { weight: 1, arbitrary: hostileValue })
    : fitting;
}

function fittingFor(
  schema: JsonSchema | undefined,
  ctx: SchemaContext,
  options: Required<ArbitraryOptions>,
): fc.Arbitrary<unknown> {
  const deeper = { ...options, depth: options.depth + 1 };
  if (!schema || options.depth > 6) return fc.jsonValue({ maxDepth: 2 });
  if (schema.$ref) return fittingFor(ctx.resolve(schema.$ref as string), ctx, deeper);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(alternatives) && alternatives.length) {
    return fc.oneof(...alternatives.map((s) => fittingFor(s, ctx, deeper)));
  }
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return stringArb(schema, ctx, options.hostile);
    case 'integer':
      return fc.integer({
        min: Math.max(typeof schema.minimum === 'number' ? schema.minimum : -(2 ** 31), -(2 ** 31)),
        max: Math.min(typeof schema.maximum === 'number' ? schema.maximum : 2 ** 31 - 1, 2 ** 31 - 1),
      });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(arbitraryFor(schema.items as JsonSchema, ctx, deeper), {
        minLength: Math.min((schema.minItems as number | undefined) ?? 0, 3),
        maxLength: Math.min((schema.maxItems as number | undefined) ?? 3, 3),
      });
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const keys = Object.keys(properties);
      if (!keys.length) {
        return fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
      }
      const record = fc.record(Object.fromEntries(keys.map((k) => [k, arbitraryFor(properties[k], ctx, deeper)])), {
        requiredKeys: (schema.required as string[] | undefined) ?? [],
      });
      if (!options.hostile) return record;
      return fc
        .tuple(
          record,
          fc.option(fc.constantFrom('extra', '__proto__', 'constructor', 'id', 'consulateId'), { freq: 8 }),
        )
        .map(([value, extra]) => (extra ? { ...value, [extra]: 'x' } : value));
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Percent-encodes the UTF-8 bytes of `value` (lone surrogates become U+FFFD, as a client's encoder would). */
export function percentEncode(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return /[A-Za-z0-9\-._~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/** Raw path or query fragments a careless or hostile client sends as they are. */
export const RAW_URL_FRAGMENTS: readonly string[] = [
  '%ED%A0%80',
  '%C0%AF',
  '%FF%FE',
  '%',
  '%zz',
  '%00',
  '%E2%80%AE',
  'a'.repeat(101),
  'b'.repeat(5000),
  '..',
  '%2e%2e',
  '%2F',
];
