import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { STORABLE_TEXT } from '../src/lib/schemas.ts';
import { KIOSK_AUDIENCE, STAFF_AUDIENCE } from '../src/plugins/auth.ts';
import { booked, createVisit, putSchedule, visitPayload, WEEKDAY_SCHEDULE } from './helpers/appointments.ts';
import { TEST_JWT_SECRET, useTestApp } from './helpers/build-test-app.ts';
import { DETAILS, fileRequest } from './helpers/documentation.ts';
import { kioskToken, registerKiosk } from './helpers/kiosk.ts';
import { login, loginAs } from './helpers/login-as.ts';
import {
  arbitraryFor,
  HOSTILE_STRINGS,
  percentEncode,
  RAW_URL_FRAGMENTS,
  type JsonSchema,
  type SchemaContext,
} from './helpers/openapi-arbitrary.ts';
import {
  openapiDocument,
  operationsOf,
  resolveRef,
  type OpenApiDocument,
  type OpenApiOperation,
} from './helpers/openapi-document.ts';
import { createConsulate } from './factories/consulates.ts';
import { personPayload } from './factories/persons.ts';
import { createStaff, DEFAULT_PASSWORD } from './factories/staff.ts';
import { createSigner } from 'fast-jwt';

/**
 * A property-based fuzzer driven by the OpenAPI document: for every
 * operation, FUZZ_RUNS requests (default 40) built from its parameter and body
 * schemas with hostile values mixed in (NUL, lone surrogates, huge strings,
 * extreme numbers, out-of-range dates, wrong types, extra fields, malformed
 * JSON, wrong content types, over-long and badly percent-encoded
 * parameters), sent with and without valid tokens (staff of every role, a
 * kiosk, garbage) to the real app on a real database. Every answer must be
 * below 500, every 4xx a problem document, every status documented on the
 * operation, and every string of a 2xx body storable text.
 *
 * Seeded and repeatable: FUZZ_SEED (default 20261202) and FUZZ_RUNS vary it; a
 * failure prints the seed, fast-check's replay path and the shrunk request.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

const OPERATIONS = operationsOf(await openapiDocument());

const t = useTestApp({
  env: {
    // The limits have their own tests; here they would only hide what lies behind them.
    LOGIN_RATE_LIMIT_PER_ACCOUNT: '100000',
    LOGIN_RATE_LIMIT_PER_ADDRESS: '1000000',
    KIOSK_STATUS_RATE_LIMIT_PER_MINUTE: '100000',
    LOGIN_MAX_FAILURES: '100',
    // Input, not load, is under test: a busy machine must not turn a slow answer into a 503.
    READINESS_TIMEOUT_MS: '60000',
    DATABASE_STATEMENT_TIMEOUT_MS: '120000',
    STATS_STATEMENT_TIMEOUT_MS: '120000',
    DATABASE_POOL_TIMEOUT_MS: '120000',
  },
});

interface Principal {
  name: string;
  kind: 'staff' | 'kiosk' | 'none';
  authorization?: string;
  /** Gets a fresh token after the fuzzer ended this one (logout). */
  renew?: () => Promise<string>;
}

let doc: OpenApiDocument;
const principals: Principal[] = [];
const ids: string[] = [];

const isoDay = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  doc = (await t.app.inject({ url: '/docs/json' })).json();
  const a = await createConsulate(t.prisma);
  const b = await createConsulate(t.prisma, { timeZone: 'Pacific/Guam', state: 'GU' });
  const roles = ['admin', 'auditor', 'supervisor', 'documentation_officer', 'protection_officer'] as const;
  for (const role of roles) {
    const who = await loginAs(t.app, t.prisma, role, role === 'admin' || role === 'auditor' ? null : a.id);
    principals.push({
      name: role,
      kind: 'staff',
      authorization: who.headers.authorization,
      renew: async () => `Bearer ${(await login(t.app, who.staff.email)).json().accessToken as string}`,
    });
  }
  const foreign = await loginAs(t.app, t.prisma, 'supervisor', b.id);
  principals.push({
    name: 'supervisor of another consulate',
    kind: 'staff',
    authorization: foreign.headers.authorization,
  });
  const [admin, , supervisor, documentation, protection] = principals.map((p) => ({
    authorization: p.authorization!,
  }));

  const kiosk = await registerKiosk(t.app, { headers: supervisor! } as never);
  principals.push({
    name: 'kiosk',
    kind: 'kiosk',
    authorization: kiosk.headers.authorization,
    renew: async () => `Bearer ${(await kioskToken(t.app, kiosk.kioskId, kiosk.secret)).json().accessToken as string}`,
  });
  const signer = (aud: string) =>
    createSigner({
      key: TEST_JWT_SECRET,
      algorithm: 'HS256',
      header: { alg: 'HS256', typ: 'at+jwt' },
      aud,
      iss: 'consular-api',
    });
  principals.push(
    { name: 'no token', kind: 'none' },
    { name: 'garbage token', kind: 'none', authorization: 'Bearer abc.def.ghi' },
    { name: 'basic auth', kind: 'none', authorization: 'Basic YWRtaW46YWRtaW4=' },
    { name: 'huge token', kind: 'none', authorization: `Bearer ${'x'.repeat(10_000)}` },
    {
      name: 'unsigned token',
      kind: 'none',
      authorization: `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"kind":"staff"}').toString('base64url')}.`,
    },
    {
      name: 'token of an unknown session',
      kind: 'none',
      authorization: `Bearer ${signer(STAFF_AUDIENCE)({ kind: 'staff', sub: crypto.randomUUID(), sid: crypto.randomUUID(), role: 'admin', cid: null, exp: 4102444800 })}`,
    },
    {
      name: 'token of an unknown kiosk',
      kind: 'none',
      authorization: `Bearer ${signer(KIOSK_AUDIENCE)({ kind: 'kiosk', sub: crypto.randomUUID(), cid: a.id, sv: 1, exp: 4102444800 })}`,
    },
  );

  // Records the fuzzer can find (their ids are among the generated ones); the
  // principals' own accounts and kiosk are not, so it cannot deactivate them.
  await putSchedule(t.app, supervisor!, a.id, WEEKDAY_SCHEDULE);
  const victim = await createStaff(t.prisma, { role: 'documentation_officer', consulateId: a.id });
  const victimKiosk = await registerKiosk(t.app, { headers: supervisor! } as never, 'Victim kiosk');
  const person = await t.app.inject({
    method: 'POST',
    url: '/v1/persons',
    headers: documentation!,
    payload: personPayload(),
  });
  expect(person.statusCode, person.body).toBe(201);
  const personId = person.json().id as string;
  const request = await fileRequest(t.app, documentation!, personId);
  const protectionCase = await t.app.inject({
    method: 'POST',
    url: '/v1/protection-cases',
    headers: protection!,
    payload: {
      personId,
      category: 'detention',
      priority: 'high',
      summary: 'Detained at a county facility.',
      consent: { given: true, recordedAt: new Date().toISOString(), channel: 'phone' },
    },
  });
  expect(protectionCase.statusCode, protectionCase.body).toBe(201);
  const caseId = protectionCase.json().id as string;
  const note = await t.app.inject({
    method: 'POST',
    url: `/v1/protection-cases/${caseId}/notes`,
    headers: protection!,
    payload: { body: 'Called the facility.', kind: 'contact' },
  });
  const referral = await t.app.inject({
    method: 'POST',
    url: `/v1/protection-cases/${caseId}/referrals`,
    headers: protection!,
    payload: { organization: 'Legal aid', kind: 'legal_aid' },
  });
  const visit = await createVisit(t.app, supervisor!, {
    days: [
      { date: isoDay(10), opens: '09:00', closes: '13:00' },
      { date: isoDay(11), opens: '09:00', closes: '13:00' },
    ],
  });
  const appointment = await booked(t.app, documentation!, {
    personId,
    service: 'passport',
    mobileVisitId: visit.id,
    startsAt: visit.days[0].opensAt,
  });
  const ticket = await t.app.inject({
    method: 'POST',
    url: '/v1/kiosk/tickets',
    headers: kiosk.headers,
    payload: { service: 'passport' },
  });
  ids.push(
    a.id,
    b.id,
    victim.id,
    victimKiosk.kioskId,
    personId,
    request.id as string,
    caseId,
    note.json().id as string,
    referral.json().id as string,
    visit.id as string,
    appointment.id as string,
    ticket.json().ticket?.id ?? ticket.json().id,
  );
  void admin;

  // Well-formed bodies, so that a single fault travels as far as a real request would.
  const examples: Record<string, unknown> = {
    'POST /v1/auth/login': { email: 'nobody@consular.test', password: DEFAULT_PASSWORD },
    'POST /v1/auth/refresh': { refreshToken: 'x'.repeat(43) },
    'POST /v1/auth/logout': {},
    'POST /v1/consulates': {
      code: 'FZZ',
      name: 'Consulate of Mexico in Fuzz',
      kind: 'consulate',
      city: 'Fresno',
      state: 'CA',
      timeZone: 'America/Los_Angeles',
      address: '1 Main St',
      phone: '+1 559 555 0100',
      email: 'fuzz@example.org',
    },
    'PATCH /v1/consulates/{id}': { name: 'Consulate of Mexico in Fuzz City', address: '2 Main St' },
    'PUT /v1/consulates/{id}/holidays': [{ date: isoDay(30), name: 'Día festivo' }],
    'PUT /v1/consulates/{id}/schedule': WEEKDAY_SCHEDULE,
    'POST /v1/staff': {
      email: 'new.officer@consular.test',
      fullName: 'New Officer',
      role: 'documentation_officer',
      consulateId: a.id,
      password: 'a long enough password',
    },
    'PATCH /v1/staff/{id}': { fullName: 'Renamed Officer' },
    'POST /v1/persons': personPayload(),
    'PATCH /v1/persons/{id}': { givenNames: 'Ana Lucía', phone: '+1 213 555 0199' },
    'POST /v1/documentation-requests': { personId, type: 'consular_id', details: DETAILS.consular_id },
    'PATCH /v1/documentation-requests/{id}': { details: DETAILS.passport, emergency: false },
    'POST /v1/documentation-requests/{id}/transitions': { to: 'under_review', reason: 'Documents complete.' },
    'POST /v1/documentation-requests/{id}/clear-flag': { flag: 'potential_duplicate', reason: 'Checked.' },
    'POST /v1/documentation-requests/{id}/payments': { amountCents: 100, method: 'cash', receipt: 'R-0001' },
    'POST /v1/protection-cases': {
      personId,
      category: 'labor_rights',
      priority: 'normal',
      summary: 'Unpaid wages.',
      consent: { given: true, recordedAt: new Date().toISOString(), channel: 'in_person' },
    },
    'PATCH /v1/protection-cases/{id}': { summary: 'Unpaid wages for three months.' },
    'POST /v1/protection-cases/{id}/transitions': { to: 'in_progress', reason: 'First call made.' },
    'POST /v1/protection-cases/{id}/confidentiality': { confidential: true, reason: 'Asked by the national.' },
    'POST /v1/protection-cases/{id}/transfer': { consulateId: b.id, reason: 'Moved to Guam.' },
    'POST /v1/protection-cases/{id}/escalate': { reason: 'Needs headquarters.' },
    'POST /v1/protection-cases/{id}/notes': { body: 'Called the employer.', kind: 'action' },
    'POST /v1/protection-cases/{id}/referrals': {
      organization: 'Legal aid society',
      kind: 'legal_aid',
      contact: 'intake@legal-aid.example.org',
      notes: 'Labor lawyer.',
    },
    'PATCH /v1/protection-cases/{id}/referrals/{referralId}': { status: 'accepted' },
    'POST /v1/mobile-visits': visitPayload({
      days: [{ date: isoDay(20), opens: '09:00', closes: '13:00' }],
    }),
    'PATCH /v1/mobile-visits/{id}': { venue: 'Community centre', address: '5 Oak St, Santa Ana, CA' },
    'POST /v1/mobile-visits/{id}/transitions': { to: 'confirmed' },
    'POST /v1/mobile-visits/{id}/attendance': {
      date: visit.days[0].date,
      served: [{ service: 'passport', peopleServed: 3 }],
    },
    'POST /v1/appointments': {
      personId,
      service: 'consular_id',
      mobileVisitId: visit.id,
      startsAt: visit.days[1].opensAt,
    },
    'POST /v1/appointments/mark-no-shows': { date: isoDay(0), consulateId: a.id },
    'POST /v1/appointments/{id}/transitions': { to: 'cancelled', reason: 'Asked by phone.' },
    'POST /v1/kiosks': { name: 'Lobby kiosk', location: 'Entrance' },
    'POST /v1/kiosk/token': { kioskId: victimKiosk.kioskId, secret: 'x'.repeat(43) },
    'POST /v1/kiosk/tickets': { service: 'consular_id' },
    'POST /v1/kiosk/check-ins': { confirmationCode: appointment.confirmationCode, dateOfBirth: '1990-05-17' },
    'POST /v1/queue/call-next': { service: 'passport', counter: 'Window 1' },
    'POST /v1/queue/tickets/{id}/transitions': { to: 'served' },
  };
  Object.assign(EXAMPLES, examples);
}, 120_000);

/** How often each principal makes the well-formed requests: the roles that may do most, most often. */
const WEIGHTS: Record<string, number> = { supervisor: 4, documentation_officer: 2, protection_officer: 2, admin: 2 };

/** A well-formed body per operation ("METHOD path"), filled in beforeAll. */
const EXAMPLES: Record<string, unknown> = {};

interface FuzzRequest {
  /** Index into `principals`; its token is looked up when the request is sent. */
  principal: number;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** A request before it is put together: what the faults change. */
interface Parts {
  principal: number;
  method: string;
  path: string[];
  /** Query parameter → raw (already percent-encoded) value. */
  query: [string, string][];
  headers: [string, string][];
  body?: { json: unknown } | { raw: string };
  contentType: string;
}

const RAW_BODIES = [
  '{"a":',
  '[',
  '{',
  '"just a string"',
  'null',
  '1e999',
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}',
  '['.repeat(10_000) + ']'.repeat(10_000),
  `{"x":"${'y'.repeat(1_100_000)}"}`,
  '\u0000',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '',
];

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/problem+json',
  '',
];

const HEADER_VALUES = ['"1"', '"0"', 'W/"1"', '*', '"99999999999"', '"-1"', 'garbage', '', 'x'.repeat(300), '"1", "2"'];

const cursorOf = (values: unknown) => Buffer.from(JSON.stringify(values)).toString('base64url');

/**
 * One fault, applied to one place of an otherwise well-formed request, so it
 * travels as far as the request would: characters PostgreSQL cannot store,
 * dates it or JavaScript cannot represent, extreme numbers, wrong types.
 */
const FAULTS: Record<string, (original: unknown) => unknown> = {
  'NUL appended': (o) => `${typeof o === 'string' ? o : 'x'}\u0000`,
  'NUL alone': () => '\u0000',
  'NUL inside': (o) => (typeof o === 'string' && o.length > 1 ? `${o.slice(0, 1)}\u0000${o.slice(1)}` : 'a\u0000b'),
  'lone high surrogate': (o) => `${typeof o === 'string' ? o : 'x'}\uD800`,
  'lone low surrogate': (o) => `\uDC00${typeof o === 'string' ? o : 'x'}`,
  'huge string': () => 'x'.repeat(100_000),
  'empty string': () => '',
  'year 0': () => '0000-01-01',
  'year 0 instant': () => '0000-01-01T00:00:00Z',
  'year 9999': () => '9999-12-31',
  'year 1899': () => '1899-12-31',
  'year 2101 instant': () => '2101-01-01T00:00:00Z',
  'expanded year': () => '+010000-01-01T00:00:00Z',
  'negative year': () => '-000001-01-01T00:00:00Z',
  '30 February': () => '2026-02-30',
  'offset +99:99': () => '2026-01-01T00:00:00+99:99',
  'long fraction': () => `2026-01-01T00:00:00.${'9'.repeat(400)}Z`,
  'nil uuid': () => '00000000-0000-0000-0000-000000000000',
  'not a uuid': () => '11111111-1111-1111-1111-111111111111',
  'forged cursor (bad instant)': () => cursorOf(['0000-01-01T00:00:00Z', crypto.randomUUID()]),
  'forged cursor (NUL)': () => cursorOf(['2026-01-01T00:00:00Z', 'x\u0000']),
  'forged cursor (not an id)': () => cursorOf(['2026-01-01T00:00:00Z', 'not-an-id']),
  'forged cursor (bad date)': () => cursorOf(['2026-13-45', crypto.randomUUID()]),
  'forged cursor (huge number)': () => cursorOf(['2026-01-01T00:00:00Z', 1e308, crypto.randomUUID()]),
  'forged cursor (seq)': () => cursorOf(['99999999999999999999']),
  '1e308': () => 1e308,
  '-1e308': () => -1e308,
  '2^31': () => 2 ** 31,
  '2^53 + 2': () => 2 ** 53 + 2,
  '-1': () => -1,
  '0.5': () => 0.5,
  null: () => null,
  true: () => true,
  'empty object': () => ({}),
  'empty array': () => [],
  'array of 2000': () => Array.from({ length: 2000 }, (_, i) => i),
  'number as string': () => '12',
  SQL: () => "'; DROP TABLE persons; --",
};
const FAULT_NAMES = Object.keys(FAULTS);
/** The faults that fit a kind of value; any fault now and then (a wrong type, say). */
const FAMILIES: Record<string, string[]> = {
  text: ['NUL appended', 'NUL alone', 'NUL inside', 'lone high surrogate', 'lone low surrogate', 'huge string', 'SQL'],
  date: ['year 0', 'year 9999', 'year 1899', '30 February', 'NUL appended', 'lone high surrogate'],
  instant: [
    'year 0 instant',
    'year 2101 instant',
    'expanded year',
    'negative year',
    'offset +99:99',
    'long fraction',
    'NUL appended',
  ],
  uuid: ['nil uuid', 'not a uuid', 'NUL appended', 'lone low surrogate', 'huge string'],
  cursor: [
    'forged cursor (bad instant)',
    'forged cursor (NUL)',
    'forged cursor (not an id)',
    'forged cursor (bad date)',
    'forged cursor (huge number)',
    'forged cursor (seq)',
    'NUL appended',
  ],
  number: ['1e308', '-1e308', '2^31', '2^53 + 2', '-1', '0.5', 'number as string', 'null'],
  other: ['null', 'true', 'empty object', 'empty array', 'array of 2000', 'number as string', 'NUL alone'],
};

const UUID_LIKE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What kind of value sits at a place (by its schema when known, else by the value). */
function kindOf(value: unknown, schema?: JsonSchema, name?: string): string {
  if (name === 'cursor') return 'cursor';
  const text = typeof value === 'string' ? value : '';
  if (schema?.format === 'date' || /^\d{4}-\d{2}-\d{2}$/.test(text)) return 'date';
  if (schema?.format === 'date-time' || /^\d{4}-\d{2}-\d{2}T/.test(text)) return 'instant';
  if (schema?.format === 'uuid' || UUID_LIKE.test(text)) return 'uuid';
  if (typeof value === 'string' || schema?.type === 'string') return 'text';
  if (typeof value === 'number' || schema?.type === 'integer' || schema?.type === 'number') return 'number';
  return 'other';
}

/** The fault `pick` chooses for a value of `kind` (one pick in four: any fault at all). */
function faultFor(kind: string, pick: number): (original: unknown) => unknown {
  const family = pick % 4 === 0 ? FAULT_NAMES : FAMILIES[kind]!;
  return FAULTS[family[Math.floor(pick / 4) % family.length]!]!;
}

/** Every place in a JSON value, as a path of keys (the root is []). */
function placesOf(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  const places = [path];
  if (Array.isArray(value)) value.forEach((v, i) => places.push(...placesOf(v, [...path, i])));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) places.push(...placesOf(v, [...path, k]));
  }
  return places;
}

function replaceAt(value: unknown, path: (string | number)[], replace: (old: unknown) => unknown): unknown {
  if (!path.length) return replace(value);
  const [head, ...rest] = path;
  const copy: any = Array.isArray(value) ? [...value] : { ...(value as object) };
  copy[head!] = replaceAt(copy[head!], rest, replace);
  return copy;
}

/** A generated value as text (objects as JSON; some have no prototype, so no String()). */
const asText = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined'));

/** Header values must be what HTTP allows, or the client (inject) refuses to send them. */
const headerSafe = (value: unknown) => asText(value).replace(/[^\t\x20-\x7e]/g, '?');

/**
 * Requests for one operation: well-formed ones (fitting values, the
 * operation's kind of token, JSON) that reach the services; well-formed ones
 * with exactly one fault; and chaotic ones (hostile values everywhere, any
 * token, raw URL fragments, malformed bodies, other content types and methods).
 */
function requestArbitrary(op: OpenApiOperation, ctx: SchemaContext): fc.Arbitrary<FuzzRequest> {
  const parameters = ((op.operation.parameters ?? []) as JsonSchema[]).map((p) => (p.$ref ? ctx.resolve(p.$ref) : p));
  const inPath = parameters.filter((p) => p.in === 'path');
  const inQuery = parameters.filter((p) => p.in === 'query');
  const inHeader = parameters.filter((p) => p.in === 'header');
  const bodySchema = op.operation.requestBody?.content?.['application/json']?.schema as JsonSchema | undefined;
  const security = (op.operation.security ?? []) as Record<string, unknown>[];
  const wants = security.some((s) => 'kioskBearer' in s) ? 'kiosk' : security.length ? 'staff' : 'none';
  const all = principals.map((_, i) => i);
  const example = EXAMPLES[`${op.method} ${op.path}`];
  const preferred = all.filter(
    (i) => principals[i]!.kind === wants && (wants !== 'none' || !principals[i]!.authorization),
  );

  const partsOf = (hostile: boolean): fc.Arbitrary<Parts> => {
    const values = (schema: JsonSchema | undefined) => arbitraryFor(schema, ctx, { hostile });
    const sometimes = <T, U>(fitting: fc.Arbitrary<T>, other: fc.Arbitrary<U>, weight = 6) =>
      hostile
        ? fc.oneof({ weight, arbitrary: fitting }, { weight: 1, arbitrary: other })
        : (fitting as fc.Arbitrary<T | U>);
    return fc.record({
      principal: sometimes(
        preferred.length
          ? fc.oneof(
              ...preferred.map((i) => ({ weight: WEIGHTS[principals[i]!.name] ?? 1, arbitrary: fc.constant(i) })),
            )
          : fc.constantFrom(...all),
        fc.constantFrom(...all),
        3,
      ),
      method: sometimes(
        fc.constant(op.method),
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
        20,
      ),
      path: fc.tuple(
        ...inPath.map((p) =>
          sometimes(
            values(p.schema as JsonSchema).map((v) => percentEncode(asText(v)) || 'x'),
            fc.constantFrom(...RAW_URL_FRAGMENTS),
          ),
        ),
      ),
      query: fc
        .tuple(
          ...inQuery.map((p) =>
            fc.option(
              values(p.schema as JsonSchema).map(
                (v) => [p.name as string, percentEncode(asText(v))] as [string, string],
              ),
              { freq: 2 },
            ),
          ),
          hostile
            ? fc.option(
                fc.tuple(
                  fc.constantFrom('q', 'limit', 'cursor', 'from', '__proto__', 'x[y]', inQuery[0]?.name ?? 'z'),
                  fc.constantFrom(...RAW_URL_FRAGMENTS, ...HOSTILE_STRINGS.slice(0, 8).map(percentEncode)),
                ),
                { freq: 4 },
              )
            : fc.constant(null),
        )
        .map((pairs) => pairs.filter((pair): pair is [string, string] => pair !== null)),
      headers: fc
        .tuple(
          ...inHeader.map((p) =>
            fc.option(
              sometimes(
                p.name === 'if-match'
                  ? fc.constantFrom('"1"', '"2"', 'W/"1"')
                  : values(p.schema as JsonSchema).map(headerSafe),
                fc.constantFrom(...HEADER_VALUES),
                2,
              ).map((v) => [p.name as string, v] as [string, string]),
              { freq: 4 },
            ),
          ),
        )
        .map((pairs) => pairs.filter((pair): pair is [string, string] => pair !== null)),
      body: bodySchema
        ? sometimes(
            example !== undefined && !hostile
              ? fc.oneof(
                  { weight: 3, arbitrary: fc.constant({ json: example }) },
                  { weight: 1, arbitrary: values(bodySchema).map((json) => ({ json })) },
                )
              : values(bodySchema).map((json) => ({ json })),
            fc.option(
              fc.constantFrom(...RAW_BODIES).map((raw) => ({ raw })),
              { nil: undefined },
            ),
          )
        : sometimes(
            fc.constant(undefined),
            fc.constantFrom(...RAW_BODIES).map((raw) => ({ raw })),
            4,
          ),
      contentType: sometimes(fc.constant('application/json'), fc.constantFrom(...CONTENT_TYPES)),
    });
  };

  const targets = [
    ...(bodySchema ? ['body'] : []),
    ...(inQuery.length ? ['query'] : []),
    ...(inPath.length ? ['path'] : []),
    ...(inHeader.length ? ['header'] : []),
  ];
  const faulty = targets.length
    ? fc
        .record({ parts: partsOf(false), target: fc.constantFrom(...targets), at: fc.nat(), pick: fc.nat() })
        .map(({ parts, target, at, pick }) => withFault(parts, target, at, pick, inQuery, inHeader))
    : partsOf(true);

  return fc
    .oneof(
      { weight: 1, arbitrary: partsOf(false) },
      { weight: 4, arbitrary: faulty },
      { weight: 1, arbitrary: partsOf(true) },
    )
    .map((parts) => assemble(op, inPath, parts));
}

/** The parts with one fault (chosen by `pick` for the kind of value there) at one place of `target`. */
function withFault(
  parts: Parts,
  target: string,
  at: number,
  pick: number,
  inQuery: JsonSchema[],
  inHeader: JsonSchema[],
): Parts {
  switch (target) {
    case 'body': {
      const json = parts.body && 'json' in parts.body ? parts.body.json : {};
      const all = placesOf(json);
      const valueAt = (place: (string | number)[]) => place.reduce<any>((v, k) => v?.[k], json) as unknown;
      const leaves = all.filter((place) => {
        const v = valueAt(place);
        return v === null || typeof v !== 'object';
      });
      // Free text half the time (names, summaries, notes: stored as typed), else any leaf, now and then anywhere.
      const prose = leaves.filter((place) => {
        const v = valueAt(place);
        return typeof v === 'string' && /\s|^[A-Z][a-z]/.test(v) && !/^\d{4}-\d{2}-\d{2}/.test(v);
      });
      const places = pick % 2 === 0 && prose.length ? prose : pick % 7 === 0 || !leaves.length ? all : leaves;
      const place = places[at % places.length]!;
      const fault = faultFor(kindOf(valueAt(place)), Math.floor(pick / 2));
      return { ...parts, body: { json: replaceAt(json, place, fault) } };
    }
    case 'query': {
      const param = inQuery[at % inQuery.length]!;
      const name = param.name as string;
      const old = parts.query.find(([k]) => k === name)?.[1];
      const original = old === undefined ? undefined : decodeURIComponent(old);
      const fault = faultFor(kindOf(original, param.schema as JsonSchema, name), pick);
      return {
        ...parts,
        query: [...parts.query.filter(([k]) => k !== name), [name, percentEncode(asText(fault(original)))]],
      };
    }
    case 'path': {
      const path = [...parts.path];
      const i = at % path.length;
      const original = decodeURIComponent(path[i]!);
      path[i] = percentEncode(asText(faultFor(kindOf(original), pick)(original))) || '%00';
      return { ...parts, path };
    }
    default: {
      const name = inHeader[at % inHeader.length]!.name as string;
      return {
        ...parts,
        headers: [...parts.headers.filter(([k]) => k !== name), [name, headerSafe(faultFor('text', pick)('"1"'))]],
      };
    }
  }
}

function assemble(op: OpenApiOperation, inPath: JsonSchema[], parts: Parts): FuzzRequest {
  let url = op.path;
  inPath.forEach((p, i) => {
    url = url.replace(`{${p.name as string}}`, parts.path[i]!);
  });
  if (parts.query.length) url += `?${parts.query.map(([k, v]) => `${k}=${v}`).join('&')}`;
  const headers = Object.fromEntries(parts.headers);
  const body =
    parts.body === undefined
      ? undefined
      : 'raw' in parts.body
        ? parts.body.raw
        : (JSON.stringify(parts.body.json) ?? 'null');
  if (body !== undefined && parts.contentType) headers['content-type'] = parts.contentType;
  return { principal: parts.principal, method: parts.method, url, headers, ...(body !== undefined ? { body } : {}) };
}

/** Every string in a JSON value, with its path. */
function* stringsOf(value: unknown, path = '$'): Generator<[string, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* stringsOf(v, `${path}[${i}]`);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) yield* stringsOf(v, `${path}.${k}`);
}

function reproduction(request: FuzzRequest, res: LightMyRequestResponse, why: string): string {
  const body =
    request.body === undefined
      ? ''
      : request.body.length > 300
        ? `${request.body.slice(0, 300)}… (${request.body.length} chars)`
        : request.body;
  return [
    why,
    `  as ${principals[request.principal]!.name}: ${request.method} ${request.url.length > 300 ? `${request.url.slice(0, 300)}…` : request.url}`,
    `  headers: ${JSON.stringify(request.headers)}`,
    body ? `  body: ${body}` : '  (no body)',
    `  → ${res.statusCode} ${String(res.headers['content-type'] ?? '')} ${res.body.slice(0, 500)}`,
  ].join('\n');
}

function check(op: OpenApiOperation, request: FuzzRequest, res: LightMyRequestResponse) {
  const fail = (why: string) => {
    throw new Error(reproduction(request, res, why));
  };
  if (res.statusCode >= 500) fail(`answered ${res.statusCode}`);
  const contentType = String(res.headers['content-type'] ?? '');
  if (res.statusCode >= 400) {
    if (!contentType.startsWith('application/problem+json')) fail('a 4xx that is not application/problem+json');
    let problem: Record<string, unknown>;
    try {
      problem = JSON.parse(res.body) as Record<string, unknown>;
    } catch {
      return fail('a problem document that is not JSON');
    }
    if (typeof problem.type !== 'string' || typeof problem.title !== 'string' || problem.status !== res.statusCode) {
      fail('a problem document without type, title and its status');
    }
    if (problem.type === 'urn:problem-type:consular:route-not-found') return; // never reached the operation
  }
  if (request.method === op.method && !(String(res.statusCode) in (op.operation.responses as object))) {
    fail(`status ${res.statusCode} is not documented on ${op.method} ${op.path}`);
  }
  if (res.statusCode < 300 && contentType.startsWith('application/json') && res.body) {
    for (const [path, value] of stringsOf(JSON.parse(res.body))) {
      if (!STORABLE_TEXT.test(value)) fail(`${path} in the answer is not storable text`);
    }
  }
}

describe('fuzzing every operation of the OpenAPI document', () => {
  it('covers every operation', () => {
    expect(operationsOf(doc).map((o) => `${o.method} ${o.path}`)).toEqual(
      OPERATIONS.map((o) => `${o.method} ${o.path}`),
    );
  });

  OPERATIONS.forEach((listed, index) => {
    const name = `${listed.method} ${listed.path}`;
    it(
      name,
      async () => {
        const op = operationsOf(doc).find((o) => o.method === listed.method && o.path === listed.path)!;
        const ctx: SchemaContext = { resolve: (ref) => resolveRef(doc, ref), ids };
        const seed = SEED + index;
        const statuses: Record<number, number> = {};
        await fc
          .assert(
            fc.asyncProperty(requestArbitrary(op, ctx), async (request) => {
              const authorization = principals[request.principal]!.authorization;
              const res = await t.app.inject({
                method: request.method as 'GET',
                url: request.url,
                headers: { ...request.headers, ...(authorization ? { authorization } : {}) },
                ...(request.body !== undefined ? { payload: request.body } : {}),
              });
              // An ended session (logout) or kiosk token is replaced, so later runs still get in.
              const principal = principals[request.principal]!;
              if (
                principal.renew &&
                (res.statusCode === 204 || (res.statusCode === 401 && /session-ended|kiosk-disabled/.test(res.body)))
              ) {
                principal.authorization = await principal.renew();
              }
              statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
              check(op, request, res);
            }),
            { seed, numRuns: RUNS },
          )
          .catch((err: Error) => {
            // fast-check's message has the seed, the replay path and the shrunk request; its cause, what that request got.
            const cause = err.cause instanceof Error ? `\n${err.cause.message}` : '';
            throw new Error(
              `${name} (FUZZ_SEED=${SEED}, property seed ${seed}; rerun: FUZZ_SEED=${SEED} npx vitest run tests/fuzz.test.ts -t '${name}')\n${err.message}${cause}`,
            );
          });
        // FUZZ_STATS=1 shows what the requests got, e.g. to see how many reached the service.
        if (process.env.FUZZ_STATS) console.log(`${name}: ${JSON.stringify(statuses)}`);
      },
      120_000,
    );
  });
});
