import { beforeAll, describe, expect, it } from 'vitest';
import { accessReportResponse } from '../src/modules/access-log/access-log.schemas.ts';
import { ensurePartitions } from '../src/modules/access-log/access-log.repository.ts';
import { expectProblem } from './helpers/assertions.ts';
import { testClock, useTestApp } from './helpers/build-test-app.ts';
import { fileRequest } from './helpers/documentation.ts';
import { registerKiosk, type KioskDevice } from './helpers/kiosk.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';
import { personPayload } from './factories/persons.ts';

const clock = testClock('2026-12-02T15:00:00Z');
const t = useTestApp({ clock });

type Entry = {
  occurredAt: string;
  kind: 'read' | 'write';
  actor: { type: string; id: string | null; role: string | null; consulateId: string | null };
  action: string;
  entityType: string;
  entityId: string;
  purpose: string | null;
  changedFields: string[];
  requestId: string | null;
};

let consulate: { id: string; code: string };
let other: { id: string; code: string };
let supervisor: LoggedIn;
let docOfficer: LoggedIn;
let protOfficer: LoggedIn;
let otherSupervisor: LoggedIn;
let admin: LoggedIn;
let auditor: LoggedIn;
let kiosk: KioskDevice;

// Personal values that must never appear in a report.
const PERSON = personPayload({
  givenNames: 'Guadalupe Itzel',
  firstSurname: 'Zamarripa',
  secondSurname: 'Quintanilla',
  email: 'itzel.zamarripa@example.org',
  dateOfBirth: '1991-07-23',
});
const SUMMARY = 'Detenida en Otay Mesa; pide visita consular urgente.';

let person: { id: string; curp: string };
let otherPerson: { id: string };
let request: { id: string; reference: string };
let confidentialCase: { id: string };
let openCase: { id: string };
let otherRequest: { id: string };

const consent = { given: true, recordedAt: '2026-12-02T14:55:00Z', channel: 'phone' };

async function post(who: LoggedIn, url: string, payload: object) {
  const res = await t.app.inject({ method: 'POST', url, headers: who.headers, payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function ok(who: { headers: Record<string, string> }, url: string) {
  const res = await t.app.inject({ url, headers: who.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res;
}

/** Every page of the JSON report. */
async function report(who: LoggedIn, personId: string, query = '', limit = 200): Promise<Entry[]> {
  const entries: Entry[] = [];
  let cursor: string | null = null;
  do {
    const res = await ok(
      who,
      `/v1/persons/${personId}/access-report?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    const body = accessReportResponse.parse(res.json());
    expect(body.personId).toBe(personId);
    entries.push(...(body.data as Entry[]));
    cursor = body.nextCursor;
  } while (cursor);
  return entries;
}

const find = (entries: Entry[], action: string, entityId?: string) =>
  entries.filter((e) => e.action === action && (entityId === undefined || e.entityId === entityId));

beforeAll(async () => {
  consulate = await createConsulate(t.prisma, { code: 'ARLAX' });
  other = await createConsulate(t.prisma, { code: 'ARSFO' });
  supervisor = await loginAs(t.app, t.prisma, 'supervisor', consulate.id);
  docOfficer = await loginAs(t.app, t.prisma, 'documentation_officer', consulate.id);
  protOfficer = await loginAs(t.app, t.prisma, 'protection_officer', consulate.id);
  otherSupervisor = await loginAs(t.app, t.prisma, 'supervisor', other.id);
  admin = await loginAs(t.app, t.prisma, 'admin');
  auditor = await loginAs(t.app, t.prisma, 'auditor');
  kiosk = await registerKiosk(t.app, supervisor);

  person = await post(docOfficer, '/v1/persons', PERSON);
  otherPerson = await post(
    docOfficer,
    '/v1/persons',
    personPayload({ givenNames: 'Otro', firstSurname: 'Zamarripa', dateOfBirth: '1970-01-02' }),
  );

  // Reads and writes of the person's records, by every kind of actor.
  await ok(docOfficer, `/v1/persons/${person.id}`);
  await ok(docOfficer, `/v1/persons?name=zamarripa`); // both persons listed
  request = await fileRequest(t.app, docOfficer.headers, person.id, 'passport');
  otherRequest = await fileRequest(t.app, docOfficer.headers, otherPerson.id, 'passport');
  await ok(docOfficer, `/v1/documentation-requests/${request.id}`);
  await ok(docOfficer, `/v1/documentation-requests?limit=50`);
  await ok(docOfficer, `/v1/documentation-requests/${request.id}/timeline`);
  await ok(
    kiosk,
    `/v1/kiosk/request-status?reference=${encodeURIComponent(request.reference)}&dateOfBirth=${PERSON.dateOfBirth}`,
  );
  confidentialCase = await post(protOfficer, '/v1/protection-cases', {
    category: 'gender_based_violence',
    priority: 'urgent',
    summary: SUMMARY,
    consent,
    personId: person.id,
  });
  openCase = await post(protOfficer, '/v1/protection-cases', {
    category: 'labor_rights',
    priority: 'normal',
    summary: SUMMARY,
    consent,
    personId: person.id,
  });
  await ok(protOfficer, `/v1/protection-cases/${confidentialCase.id}?purpose=case_work`);
  await ok(protOfficer, `/v1/protection-cases/${openCase.id}`);
  await ok(protOfficer, `/v1/protection-cases?limit=50`);

  // A sealed previous identity, read by the supervisor with a stated purpose.
  await t.prisma.sealedIdentity.create({
    data: {
      personId: person.id,
      givenNames: 'Sealed Previous',
      firstSurname: 'Identitysurname',
      genderMarker: 'M',
      documentationRequestId: request.id,
    },
  });
  await ok(supervisor, `/v1/persons/${person.id}/sealed-identity?purpose=legal_obligation`);

  const patched = await t.app.inject({
    method: 'PATCH',
    url: `/v1/persons/${person.id}`,
    headers: { ...docOfficer.headers, 'if-match': '"1"' },
    payload: { phone: '+1 213 555 0199' },
  });
  expect(patched.statusCode, patched.body).toBe(200);

  // Another person's reads, which must not show in this person's report.
  await ok(docOfficer, `/v1/persons/${otherPerson.id}`);
  await ok(docOfficer, `/v1/documentation-requests/${otherRequest.id}`);
});

describe('GET /v1/persons/:id/access-report', () => {
  it('lists every read and write of the person, their requests and their cases, with who and what', async () => {
    const entries = await report(supervisor, person.id);
    const staff = (who: LoggedIn) => ({
      type: 'staff',
      id: who.staff.id,
      role: who.staff.role,
      consulateId: consulate.id,
    });

    expect(find(entries, 'person.create', person.id)).toEqual([
      expect.objectContaining({ kind: 'write', actor: staff(docOfficer), entityType: 'person' }),
    ]);
    expect(find(entries, 'person.read', person.id)).toEqual([
      expect.objectContaining({ kind: 'read', actor: staff(docOfficer), entityType: 'person', purpose: null }),
    ]);
    expect(find(entries, 'person.list', person.id)).toHaveLength(1);
    expect(find(entries, 'person.update', person.id)).toEqual([
      expect.objectContaining({ kind: 'write', changedFields: ['phone'] }),
    ]);

    expect(find(entries, 'documentation_request.create', request.id)).toHaveLength(1);
    expect(find(entries, 'documentation_request.read', request.id)).toEqual([
      expect.objectContaining({ kind: 'read', actor: staff(docOfficer), entityType: 'documentation_request' }),
    ]);
    expect(find(entries, 'documentation_request.list', request.id)).toHaveLength(1);
    expect(find(entries, 'documentation_request.timeline_read', request.id)).toHaveLength(1);
    expect(find(entries, 'documentation_request.status_lookup', request.id)).toEqual([
      expect.objectContaining({
        kind: 'read',
        actor: { type: 'kiosk', id: kiosk.kioskId, role: 'kiosk', consulateId: consulate.id },
      }),
    ]);

    expect(find(entries, 'protection_case.create', confidentialCase.id)).toHaveLength(1);
    // Confidential reads: the single read with its purpose, and the list (no purpose stated).
    expect(find(entries, 'protection_case.confidential_read', confidentialCase.id)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'read', actor: staff(protOfficer), purpose: 'case_work' }),
        expect.objectContaining({ kind: 'read', actor: staff(protOfficer), purpose: null }),
      ]),
    );
    expect(find(entries, 'protection_case.read', openCase.id)).toHaveLength(1);
    expect(find(entries, 'protection_case.list', openCase.id)).toHaveLength(1);
    // Each read is recorded once: a confidential case's reads are audit events, not access-log rows too.
    expect(find(entries, 'protection_case.read', confidentialCase.id)).toHaveLength(0);

    expect(find(entries, 'person.sealed_identity_read', person.id)).toEqual([
      expect.objectContaining({ kind: 'read', actor: staff(supervisor), purpose: 'legal_obligation' }),
    ]);

    // Newest first, every line carries the request that made it.
    const times = entries.map((e) => e.occurredAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect(entries.every((e) => typeof e.requestId === 'string')).toBe(true);
  });

  it('shows no field values and nothing of another person', async () => {
    const res = await ok(supervisor, `/v1/persons/${person.id}/access-report?limit=200`);
    for (const value of [
      PERSON.givenNames,
      PERSON.firstSurname,
      PERSON.secondSurname,
      PERSON.curp,
      PERSON.email,
      PERSON.phone,
      PERSON.dateOfBirth,
      '+1 213 555 0199',
      SUMMARY,
      'Sealed Previous',
      request.reference,
    ]) {
      expect(res.body).not.toContain(value);
    }
    const entries = res.json<{ data: Entry[] }>().data;
    const ids = new Set(entries.map((e) => e.entityId));
    expect(ids.has(otherPerson.id)).toBe(false);
    expect(ids.has(otherRequest.id)).toBe(false);
    expect([...ids].sort()).toEqual([person.id, request.id, confidentialCase.id, openCase.id].sort());
  });

  it('is itself audited, and the reading shows in the next report', async () => {
    const before = find(await report(admin, person.id), 'person.access_report_read');
    const after = find(await report(admin, person.id), 'person.access_report_read');
    expect(after.length).toBe(before.length + 1);
    expect(after[0]).toMatchObject({ kind: 'read', actor: { type: 'staff', id: admin.staff.id, consulateId: null } });
    const events = await t.prisma.auditEvent.findMany({
      where: { action: 'person.access_report_read', entityId: person.id, actorId: admin.staff.id },
    });
    expect(events.length).toBeGreaterThanOrEqual(2);
  });

  it('pages with a stable cursor and filters by period', async () => {
    const whole = await report(supervisor, person.id);
    const paged = await report(supervisor, person.id, '', 3);
    // The paged walk also sees the whole walk's own audited reading.
    const key = (e: Entry) => `${e.occurredAt}|${e.action}|${e.entityId}|${e.requestId}`;
    expect(new Set(paged.map(key)).size).toBe(paged.length);
    for (const e of whole) expect(paged.map(key)).toContain(key(e));

    expect(await report(supervisor, person.id, '&from=2099-01-01T00:00:00Z')).toEqual([]);
    const upTo = whole[Math.floor(whole.length / 2)]!.occurredAt;
    const older = await report(supervisor, person.id, `&to=${encodeURIComponent(upTo)}`);
    expect(older.length).toBeGreaterThan(0);
    expect(older.every((e) => e.occurredAt < upTo)).toBe(true);
    expectProblem(
      await t.app.inject({
        url: `/v1/persons/${person.id}/access-report?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z`,
        headers: supervisor.headers,
      }),
      400,
    );
    expectProblem(
      await t.app.inject({
        url: `/v1/persons/${person.id}/access-report?cursor=${Buffer.from('["x","y"]').toString('base64url')}`,
        headers: supervisor.headers,
      }),
      400,
    );
  });

  it('is for the consulate’s supervisor and admins: another consulate gets 404, other roles 403', async () => {
    const url = `/v1/persons/${person.id}/access-report`;
    expectProblem(await t.app.inject({ url, headers: otherSupervisor.headers }), 404);
    expectProblem(await t.app.inject({ url, headers: docOfficer.headers }), 403);
    expectProblem(await t.app.inject({ url, headers: protOfficer.headers }), 403);
    expectProblem(await t.app.inject({ url, headers: auditor.headers }), 403);
    expectProblem(await t.app.inject({ url, headers: kiosk.headers }), 403);
    expectProblem(await t.app.inject({ url }), 401);
    expectProblem(
      await t.app.inject({ url: `/v1/persons/${crypto.randomUUID()}/access-report`, headers: admin.headers }),
      404,
    );
    // A refused reader leaves no trace of a reading.
    const refused = await t.prisma.auditEvent.count({
      where: { action: 'person.access_report_read', actorId: { in: [otherSupervisor.staff.id, auditor.staff.id] } },
    });
    expect(refused).toBe(0);
  });

  it('answers CSV with Accept: text/csv, the whole period, without field values', async () => {
    const res = await t.app.inject({
      url: `/v1/persons/${person.id}/access-report`,
      headers: { ...supervisor.headers, accept: 'text/csv' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toContain(`access-report-${person.id}.csv`);
    const lines = res.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'occurred_at,kind,actor_type,actor_id,actor_role,actor_consulate_id,action,entity_type,entity_id,purpose,changed_fields,request_id',
    );
    const json = await report(supervisor, person.id);
    // The JSON walk after the CSV sees the CSV's own reading as well.
    expect(lines.length - 1).toBe(json.length - 1);
    expect(lines.some((l) => l.includes(',documentation_request.status_lookup,documentation_request,'))).toBe(true);
    expect(
      lines.some((l) => l.includes(',person.sealed_identity_read,person,') && l.includes('legal_obligation')),
    ).toBe(true);
    for (const value of [PERSON.givenNames, PERSON.firstSurname, PERSON.curp, SUMMARY]) {
      expect(res.body).not.toContain(value);
    }
    const csvRead = await t.prisma.auditEvent.findFirst({
      where: { action: 'person.access_report_read', entityId: person.id, details: { path: ['format'], equals: 'csv' } },
    });
    expect(csvRead).not.toBeNull();
  });

  it('refuses an unknown purpose with 400', async () => {
    expectProblem(
      await t.app.inject({
        url: `/v1/protection-cases/${confidentialCase.id}?purpose=curiosity`,
        headers: protOfficer.headers,
      }),
      400,
    );
  });
});

describe('access_log partitions', () => {
  it('creates monthly partitions ahead, once, and keeps a default partition so an insert never fails', async () => {
    expect(await ensurePartitions(t.prisma, new Date('2031-05-17T00:00:00Z'), 2)).toBe(2);
    expect(await ensurePartitions(t.prisma, new Date('2031-05-17T00:00:00Z'), 2)).toBe(0);
    const parts = await t.prisma.$queryRawUnsafe<{ name: string }[]>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'access_log'::regclass ORDER BY 1`,
    );
    const names = parts.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['access_log_2031_05', 'access_log_2031_06', 'access_log_default']));
    // The app made the current month's partition (and those ahead) at start.
    expect(names).toContain('access_log_2026_12');

    const placed = await t.prisma.$queryRawUnsafe<{ part: string }[]>(
      `WITH ins AS (
         INSERT INTO access_log (occurred_at, actor_type, person_id, entity_type, entity_id, action)
         VALUES ('2031-05-20T10:00:00Z', 'system', $1::uuid, 'person', $1::uuid, 'person.read'),
                ('2040-01-01T00:00:00Z', 'system', $1::uuid, 'person', $1::uuid, 'person.read')
         RETURNING tableoid::regclass::text AS part)
       SELECT part FROM ins ORDER BY part`,
      otherPerson.id,
    );
    expect(placed.map((p) => p.part)).toEqual(['access_log_2031_05', 'access_log_default']);
  });
});
