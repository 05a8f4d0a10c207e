import { beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './helpers/assertions.ts';
import { useTestApp } from './helpers/build-test-app.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';
import { personPayload } from './factories/persons.ts';

const t = useTestApp();

let documentation: LoggedIn;
let protection: LoggedIn;
let admin: LoggedIn;
let caseId: string;

beforeAll(async () => {
  const consulate = await createConsulate(t.prisma);
  documentation = await loginAs(t.app, t.prisma, 'documentation_officer', consulate.id);
  protection = await loginAs(t.app, t.prisma, 'protection_officer', consulate.id);
  admin = await loginAs(t.app, t.prisma, 'admin');
  const opened = await t.app.inject({
    method: 'POST',
    url: '/v1/protection-cases',
    headers: protection.headers,
    payload: {
      category: 'legal_guidance',
      priority: 'normal',
      summary: 'First contact.',
      consent: { given: true, recordedAt: '2026-11-30T10:00:00Z', channel: 'phone' },
    },
  });
  expect(opened.statusCode, opened.body).toBe(201);
  caseId = opened.json().id as string;
});

/** The one field error a 400 names for `path`. */
function fieldError(body: Record<string, any>, path: string): string {
  const error = (body.errors as { path: string; message: string }[]).find((e) => e.path === path);
  expect(error, `${path} in ${JSON.stringify(body.errors)}`).toBeDefined();
  return error!.message;
}

const UNSTORABLE = ['Ana\u0000', '\u0000', 'Ana\uD800', '\uDC00Ana', 'Ana \uD83D'];

describe('text PostgreSQL cannot store is 400 naming the field, never 500', () => {
  it('in bodies: names, summaries, notes, reasons', async () => {
    for (const bad of UNSTORABLE) {
      const person = await t.app.inject({
        method: 'POST',
        url: '/v1/persons',
        headers: documentation.headers,
        payload: personPayload({ givenNames: bad }),
      });
      expect(fieldError(expectProblem(person, 400), 'body.givenNames')).toMatch(/NUL|surrogate/);

      const summary = await t.app.inject({
        method: 'PATCH',
        url: `/v1/protection-cases/${caseId}`,
        headers: { ...protection.headers, 'if-match': '"1"' },
        payload: { summary: bad },
      });
      expect(fieldError(expectProblem(summary, 400), 'body.summary')).toMatch(/NUL|surrogate/);

      const note = await t.app.inject({
        method: 'POST',
        url: `/v1/protection-cases/${caseId}/notes`,
        headers: protection.headers,
        payload: { body: bad, kind: 'contact' },
      });
      expect(fieldError(expectProblem(note, 400), 'body.body')).toMatch(/NUL|surrogate/);

      const escalation = await t.app.inject({
        method: 'POST',
        url: `/v1/protection-cases/${caseId}/escalate`,
        headers: protection.headers,
        payload: { reason: bad },
      });
      expect(fieldError(expectProblem(escalation, 400), 'body.reason')).toMatch(/NUL|surrogate/);
    }
    // Paired surrogates are ordinary characters.
    const emoji = await t.app.inject({
      method: 'POST',
      url: `/v1/protection-cases/${caseId}/notes`,
      headers: protection.headers,
      payload: { body: 'Thanked us 🙏', kind: 'contact' },
    });
    expect(emoji.statusCode, emoji.body).toBe(201);
    expect(emoji.json().body).toBe('Thanked us 🙏');
  });

  it('in query parameters: ?q=, ?name=, ?curp=, ?personName=', async () => {
    for (const [url, path] of [
      ['/v1/consulates?q=LA%00', 'querystring.q'],
      ['/v1/persons?name=Ana%00', 'querystring.name'],
      ['/v1/persons?curp=AB%00', 'querystring.curp'],
      ['/v1/documentation-requests?personName=Ana%00', 'querystring.personName'],
      ['/v1/staff?q=%00%00', 'querystring.q'],
    ] as const) {
      const res = await t.app.inject({
        url,
        headers: url.startsWith('/v1/staff') ? admin.headers : documentation.headers,
      });
      expect(fieldError(expectProblem(res, 400), path), url).toEqual(expect.any(String));
    }
  });

  it('in the login email (and nothing is counted as a failed login)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: `${documentation.staff.email}\u0000`, password: 'whatever it is' },
    });
    expect(fieldError(expectProblem(res, 400), 'body.email')).toMatch(/NUL/);
    const account = await t.prisma.staffMember.findUniqueOrThrow({ where: { id: documentation.staff.id } });
    expect(account.failedLoginCount).toBe(0);
  });
});

describe('dates outside 1900–2100 are 400 naming the field, never 500', () => {
  it('in query ranges', async () => {
    for (const [url, path] of [
      ['/v1/audit-events?from=0000-01-01T00:00:00Z', 'querystring.from'],
      ['/v1/audit-events?to=%2B010000-01-01T00:00:00Z', 'querystring.to'],
      ['/v1/documentation-requests?submittedFrom=1899-12-31T23:59:59Z', 'querystring.submittedFrom'],
      ['/v1/appointments?dateFrom=9999-12-31', 'querystring.dateFrom'],
      ['/v1/mobile-visits?from=0000-01-01', 'querystring.from'],
      ['/v1/stats/network?from=2101-01-01&to=2101-01-31', 'querystring.from'],
      ['/v1/queue/tickets?date=2026-02-30', 'querystring.date'],
    ] as const) {
      const res = await t.app.inject({ url, headers: admin.headers });
      expect(fieldError(expectProblem(res, 400), path), url).toMatch(/1900|2100/);
    }
  });

  it('in bodies: dates of birth, consent instants, holidays', async () => {
    const old = await t.app.inject({
      method: 'POST',
      url: '/v1/persons',
      headers: documentation.headers,
      payload: personPayload({ dateOfBirth: '0000-01-01', curp: null }),
    });
    expect(fieldError(expectProblem(old, 400), 'body.dateOfBirth')).toMatch(/1900/);
    const consent = await t.app.inject({
      method: 'POST',
      url: '/v1/protection-cases',
      headers: protection.headers,
      payload: {
        category: 'legal_guidance',
        priority: 'low',
        summary: 'x',
        consent: { given: true, recordedAt: '0000-01-01T00:00:00Z', channel: 'phone' },
      },
    });
    expect(fieldError(expectProblem(consent, 400), 'body.consent.recordedAt')).toMatch(/1900/);
    const holidays = await t.app.inject({
      method: 'PUT',
      url: `/v1/consulates/${documentation.staff.consulateId}/holidays`,
      headers: admin.headers,
      payload: [{ date: '9999-12-31', name: 'The end' }],
    });
    expect(fieldError(expectProblem(holidays, 400), 'body.0.date')).toMatch(/2100/);
  });

  it('the bounds themselves are accepted', async () => {
    for (const url of [
      '/v1/audit-events?from=1900-01-01T00:00:00Z&to=2100-12-31T23:59:59Z',
      '/v1/appointments?dateFrom=1900-01-01&dateTo=2100-12-31',
    ]) {
      const res = await t.app.inject({ url, headers: admin.headers });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
    }
  });
});

describe('what the framework refuses is problem+json with a stable type', () => {
  it('a malformed percent-encoding in the path is 400 malformed-url', async () => {
    const res = await t.app.inject({ url: '/v1/consulates/%ED%A0%80', headers: admin.headers });
    expect(expectProblem(res, 400).type).toBe('urn:problem-type:consular:malformed-url');
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('an over-long path parameter is 414 parameter-too-long', async () => {
    const res = await t.app.inject({ url: `/v1/persons/${'a'.repeat(101)}`, headers: admin.headers });
    expect(expectProblem(res, 414).type).toBe('urn:problem-type:consular:parameter-too-long');
  });

  it('a body over 1 MiB is 413, another content type 415, broken JSON 400 — with stable types', async () => {
    const post = (headers: Record<string, string>, payload: string) =>
      t.app.inject({ method: 'POST', url: '/v1/auth/login', headers, payload });
    const json = { 'content-type': 'application/json' };
    expect(expectProblem(await post(json, `{"email":"${'x'.repeat(1_100_000)}"}`), 413).type).toBe(
      'urn:problem-type:consular:body-too-large',
    );
    expect(expectProblem(await post({ 'content-type': 'application/xml' }, '<a/>'), 415).type).toBe(
      'urn:problem-type:consular:unsupported-media-type',
    );
    for (const broken of ['{"email":', '', '{"__proto__":{"admin":true}}']) {
      expect(expectProblem(await post(json, broken), 400).type).toBe('urn:problem-type:consular:malformed-json');
    }
  });

  it('an unknown route or method is 404 route-not-found', async () => {
    expect(expectProblem(await t.app.inject({ method: 'DELETE', url: '/v1/consulates' }), 404).type).toBe(
      'urn:problem-type:consular:route-not-found',
    );
  });
});
