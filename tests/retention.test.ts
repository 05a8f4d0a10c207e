import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildTestApp, testClock, useTestApp } from './helpers/build-test-app.ts';
import { booked, moveTo, putSchedule, WEEKDAY_SCHEDULE } from './helpers/appointments.ts';
import { fileRequest, move } from './helpers/documentation.ts';
import { registerKiosk } from './helpers/kiosk.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { counts, follow, rollupDrift, statsOf } from './helpers/stats.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson, personPayload } from './factories/persons.ts';

/**
 * Retention and anonymisation (issue 13 §3) on a generated history: every
 * statistic, every drill-down count and every CSV export is the same before
 * and after the daily job, nothing personal of what it anonymised is readable
 * through any endpoint or the logs, and two replicas racing run it once.
 */
const SEED = 20261202;
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = random(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;

const clock = testClock('2026-10-20T16:00:00Z');
const t = useTestApp({ clock });

const TYPES = ['passport', 'consular_id', 'birth_registration', 'gender_identity_recognition'] as const;
const PATHS = [
  [],
  ['under_review'],
  ['under_review', 'needs_information'],
  ['under_review', 'approved', 'issued'],
  ['under_review', 'approved', 'issued', 'delivered'],
  ['under_review', 'rejected'],
  ['cancelled'],
];
const CASE_PATHS = [[], ['in_progress'], ['in_progress', 'resolved'], ['in_progress', 'resolved', 'closed']];
const FINAL = new Set(['delivered', 'rejected', 'cancelled']);
const BASE = Date.parse('2026-10-25T00:00:00Z');
const instant = () => new Date(BASE + Math.floor(rnd() * 45 * 24) * 3_600_000);
const later = (days: number) => new Date(clock.now().getTime() + Math.floor(rnd() * days * 24) * 3_600_000);
const PERIODS = [
  { from: '2026-10-01', to: '2026-12-31' },
  { from: '2026-11-01', to: '2026-11-30' },
];
/** Far past every default retention period of the history above. */
const FAR = '2037-06-01T12:00:00Z';

/** A unique name-like marker (letters only): `Zq` + three letters + `w`. */
let serial = 0;
function marker(): string {
  const n = serial++;
  const l = (k: number) => String.fromCharCode(97 + (Math.floor(n / 26 ** k) % 26));
  return `Zq${l(2)}${l(1)}${l(0)}w`;
}

interface Traced {
  /** Personal values that must be gone after anonymisation (or must stay, when the record stays). */
  values: string[];
  gone: boolean;
  personId: string;
}

async function personWithMarker(consulateId: string) {
  const name = marker();
  const person = await createPerson(t.prisma, consulateId, { givenNames: name, firstSurname: `${name}s` });
  return { person, values: [name, `${name}s`, person.curp!] };
}

async function request(who: LoggedIn, consulateId: string, traced: Traced[]) {
  const { person, values } = await personWithMarker(consulateId);
  const type = pick(TYPES);
  const path = pick(PATHS);
  const filed = await fileRequest(t.app, who.headers, person.id, type);
  const reason = marker();
  for (const to of path) {
    clock.set(later(6));
    const res = await move(t.app, who.headers, filed.id, to, `because ${reason}`);
    expect(res.statusCode, res.body).toBe(200);
  }
  const gone = path.length > 0 && FINAL.has(path.at(-1)!);
  traced.push({ values: path.length > 0 ? [...values, reason] : values, gone, personId: person.id });
  return { id: filed.id as string, reference: filed.reference as string, gone, type };
}

async function protectionCase(who: LoggedIn, consulateId: string, traced: Traced[]) {
  const { person, values } = await personWithMarker(consulateId);
  const [summary, note, contact, reason] = [marker(), marker(), marker(), marker()];
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/protection-cases',
    headers: who.headers,
    payload: {
      personId: person.id,
      category: pick(['detention', 'labor_rights', 'legal_guidance', 'gender_based_violence']),
      priority: pick(['urgent', 'high', 'normal', 'low']),
      summary: `Summary ${summary}`,
      consent: { given: true, recordedAt: clock.now().toISOString(), channel: 'phone' },
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as string;
  const noted = await t.app.inject({
    method: 'POST',
    url: `/v1/protection-cases/${id}/notes`,
    headers: who.headers,
    payload: { kind: 'contact', body: `Called ${note}` },
  });
  expect(noted.statusCode, noted.body).toBe(201);
  const referred = await t.app.inject({
    method: 'POST',
    url: `/v1/protection-cases/${id}/referrals`,
    headers: who.headers,
    payload: { organization: 'Legal Aid Foundation', kind: 'legal_aid', contact: `Ask for ${contact}` },
  });
  expect(referred.statusCode, referred.body).toBe(201);
  const path = pick(CASE_PATHS);
  for (const to of path) {
    clock.set(later(5));
    const etag = (await t.app.inject({ url: `/v1/protection-cases/${id}`, headers: who.headers })).headers
      .etag as string;
    const moved = await t.app.inject({
      method: 'POST',
      url: `/v1/protection-cases/${id}/transitions`,
      headers: { ...who.headers, 'if-match': etag },
      payload: { to, reason: `because ${reason}` },
    });
    expect(moved.statusCode, moved.body).toBe(200);
  }
  traced.push({
    values: [...values, summary, note, contact, ...(path.length > 0 ? [reason] : [])],
    gone: path.at(-1) === 'closed',
    personId: person.id,
  });
  return id;
}

async function history(consulateId: string, traced: Traced[]) {
  const supervisor = await loginAs(t.app, t.prisma, 'supervisor', consulateId);
  const docs = await loginAs(t.app, t.prisma, 'documentation_officer', consulateId);
  const protection = await loginAs(t.app, t.prisma, 'protection_officer', consulateId);
  const requests = [];
  for (let i = 0; i < 14; i++) {
    clock.set(instant());
    requests.push(await request(supervisor, consulateId, traced));
  }
  const cases = [];
  for (let i = 0; i < 6; i++) {
    clock.set(instant());
    cases.push(await protectionCase(protection, consulateId, traced));
  }
  clock.set('2026-10-26T08:00:00Z');
  await putSchedule(t.app, supervisor.headers, consulateId, WEEKDAY_SCHEDULE);
  const slots = await t.app.inject({
    url: `/v1/appointments/availability?consulateId=${consulateId}&service=passport&from=2026-11-02&to=2026-11-27`,
    headers: docs.headers,
  });
  const free = slots.json().data as { startsAt: string }[];
  const appointments = [];
  for (let i = 0; i < 6; i++) {
    const slot = free.splice(Math.floor(rnd() * free.length), 1)[0]!;
    clock.set('2026-10-26T08:00:00Z');
    const { person, values } = await personWithMarker(consulateId);
    const appointment = await booked(t.app, docs.headers, {
      personId: person.id,
      service: 'passport',
      consulateId,
      startsAt: slot.startsAt,
    });
    const reason = marker();
    const fate = pick(['booked', 'served', 'no_show', 'cancelled']);
    if (fate === 'cancelled') {
      const res = await moveTo(t.app, docs.headers, 'appointments', appointment.id, 'cancelled', `because ${reason}`);
      expect(res.statusCode, res.body).toBe(200);
    }
    if (fate === 'served') {
      clock.set(new Date(Date.parse(slot.startsAt) - 600_000));
      await moveTo(t.app, docs.headers, 'appointments', appointment.id, 'checked_in');
      await moveTo(t.app, docs.headers, 'appointments', appointment.id, 'served');
    }
    if (fate === 'no_show') {
      clock.set(new Date(Date.parse(slot.startsAt) + 3_600_000));
      await moveTo(t.app, docs.headers, 'appointments', appointment.id, 'no_show');
    }
    // Every appointment is over by 2037: all are anonymised, and so are their persons.
    traced.push({ values: fate === 'cancelled' ? [...values, reason] : values, gone: true, personId: person.id });
    appointments.push(appointment.id as string);
  }
  const kiosk = await registerKiosk(t.app, supervisor);
  for (let i = 0; i < 4; i++) {
    clock.set(instant());
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/kiosk/tickets',
      headers: kiosk.headers,
      payload: { service: 'passport' },
    });
    expect(res.statusCode, res.body).toBe(201);
  }
  return { supervisor, kiosk, requests, cases, appointments };
}

/** Every figure, every drill-down's count and every CSV export of the consulates and the network. */
async function snapshot(admin: LoggedIn, consulateIds: string[]) {
  const out: Record<string, unknown> = {};
  for (const period of PERIODS) {
    const query = `from=${period.from}&to=${period.to}`;
    const network = await statsOf(t.app, admin, `/v1/stats/network?${query}`);
    out[`network ${query}`] = network;
    for (const [name, count] of counts(network.totals)) {
      out[`network ${query} ${name} listed`] = await follow(t.app, admin, count.drillDown);
    }
    for (const id of consulateIds) {
      const mine = await statsOf(t.app, admin, `/v1/stats/consulates/${id}?${query}`);
      out[`${id} ${query}`] = mine;
      for (const [name, count] of counts(mine.figures)) {
        out[`${id} ${query} ${name} listed`] = await follow(t.app, admin, count.drillDown);
      }
      const csv = await t.app.inject({
        url: `/v1/stats/consulates/${id}?${query}`,
        headers: { ...admin.headers, accept: 'text/csv' },
      });
      expect(csv.statusCode).toBe(200);
      out[`${id} ${query} csv`] = csv.body;
    }
    const csv = await t.app.inject({
      url: `/v1/stats/network?${query}`,
      headers: { ...admin.headers, accept: 'text/csv' },
    });
    out[`network ${query} csv`] = csv.body;
  }
  return out;
}

async function allPages(who: LoggedIn, path: string): Promise<any[]> {
  const records: any[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res: { statusCode: number; body: string; json(): any } = await t.app.inject({
      url: `${path}${sep}limit=200${cursor ? `&cursor=${cursor}` : ''}`,
      headers: who.headers,
    });
    expect(res.statusCode, `${path}: ${res.body}`).toBe(200);
    records.push(...res.json().data);
    cursor = res.json().nextCursor;
  } while (cursor);
  return records;
}

/** Everything an admin can read of the records: lists, records, timelines, notes, referrals, histories, audit. */
async function everythingReadable(admin: LoggedIn, personIds: string[]): Promise<string> {
  const parts: string[] = [];
  const persons = await allPages(admin, '/v1/persons');
  parts.push(JSON.stringify(persons));
  for (const id of personIds) {
    parts.push((await t.app.inject({ url: `/v1/persons/${id}`, headers: admin.headers })).body);
    // A recognised gender identity moves the registered name here (404 when there is none, or no longer).
    parts.push((await t.app.inject({ url: `/v1/persons/${id}/sealed-identity`, headers: admin.headers })).body);
  }
  const requests = await allPages(admin, '/v1/documentation-requests');
  parts.push(JSON.stringify(requests));
  for (const r of requests) {
    parts.push((await t.app.inject({ url: `/v1/documentation-requests/${r.id}`, headers: admin.headers })).body);
    parts.push(
      (await t.app.inject({ url: `/v1/documentation-requests/${r.id}/timeline`, headers: admin.headers })).body,
    );
  }
  const cases = await allPages(admin, '/v1/protection-cases');
  parts.push(JSON.stringify(cases));
  for (const c of cases) {
    for (const tail of ['', '/notes', '/referrals', '/history']) {
      const res = await t.app.inject({ url: `/v1/protection-cases/${c.id}${tail}`, headers: admin.headers });
      expect(res.statusCode, res.body).toBe(200);
      parts.push(res.body);
    }
  }
  parts.push(JSON.stringify(await allPages(admin, '/v1/audit-events')));
  return parts.join('\n');
}

describe('the daily retention job on a generated history', () => {
  it('keeps every statistic, drill-down and export, leaves nothing personal readable, and runs once across replicas', async () => {
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const la = await createConsulate(t.prisma, { code: 'RLA', timeZone: 'America/Los_Angeles' });
    const ny = await createConsulate(t.prisma, { code: 'RNY', timeZone: 'America/New_York' });
    const traced: Traced[] = [];
    const made = [await history(la.id, traced), await history(ny.id, traced)];
    const appointmentIds = made.flatMap((m) => m.appointments);

    // Inside every retention period nothing is touched.
    clock.set('2027-06-01T12:00:00Z');
    expect(await t.app.retention.runIfDue()).toMatchObject({
      ran: true,
      counts: { documentationRequests: 0, protectionCases: 0, appointments: 0, persons: 0 },
    });

    clock.set(FAR);
    const before = await snapshot(admin, [la.id, ny.id]);
    const listed = Object.entries(before).filter(([k, v]) => k.endsWith('listed') && (v as number) > 0);
    expect(listed.length, 'the history gives figures to compare').toBeGreaterThan(40);
    const gone = traced.filter((x) => x.gone);
    const kept = traced.filter((x) => !x.gone);
    expect(gone.length).toBeGreaterThan(10);
    expect(kept.length).toBeGreaterThan(5);

    // Two replicas at once: one claims the day and runs, the other does nothing.
    const other = await buildTestApp({ database: t.db, clock });
    let counted: unknown;
    try {
      const outcomes = await Promise.all([t.app.retention.runIfDue(), other.app.retention.runIfDue()]);
      expect(outcomes.filter((o) => o.ran)).toHaveLength(1);
      const ran = outcomes.find((o) => o.ran)!;
      expect(ran.ran && ran.counts.persons).toBe(gone.length);
      counted = ran.ran && ran.counts;
      expect((await other.app.retention.runIfDue()).ran).toBe(false);
    } finally {
      await other.close();
    }
    expect((await t.app.retention.runIfDue()).ran).toBe(false);
    const runs = await t.prisma.retentionRun.findMany({ where: { runDate: new Date('2037-06-01') } });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ attempts: 1, counts: counted });
    expect(runs[0]!.finishedAt).not.toBeNull();

    // Each anonymised record was audited exactly once.
    const audited = await t.prisma.$queryRaw<{ entity_id: string; n: number }[]>`
      SELECT entity_id::text, count(*)::int AS n FROM audit_events WHERE action LIKE '%.anonymise' GROUP BY entity_id`;
    expect(audited.every((a) => a.n === 1)).toBe(true);
    expect(new Set(audited.map((a) => a.entity_id))).toEqual(
      new Set([
        ...gone.map((g) => g.personId),
        ...(
          await t.prisma.documentationRequest.findMany({ where: { anonymisedAt: { not: null } }, select: { id: true } })
        ).map((r) => r.id),
        ...(
          await t.prisma.protectionCase.findMany({ where: { anonymisedAt: { not: null } }, select: { id: true } })
        ).map((r) => r.id),
        ...appointmentIds,
      ]),
    );
    // Final requests and closed cases only; open ones untouched.
    const requests = await t.prisma.documentationRequest.findMany({ select: { state: true, anonymisedAt: true } });
    for (const r of requests) expect(r.anonymisedAt !== null, r.state).toBe(FINAL.has(r.state));
    const cases = await t.prisma.protectionCase.findMany({ select: { state: true, anonymisedAt: true } });
    for (const c of cases) expect(c.anonymisedAt !== null, c.state).toBe(c.state === 'closed');

    // The same figures, drill-down counts and exports.
    const after = await snapshot(admin, [la.id, ny.id]);
    expect(after).toEqual(before);
    expect(await rollupDrift(t.prisma)).toEqual([]);

    // Nothing personal of what was anonymised comes back; what was kept still does.
    const readable = (
      await everythingReadable(
        admin,
        traced.map((x) => x.personId),
      )
    ).toLowerCase();
    for (const g of gone)
      for (const v of g.values) expect(readable.includes(v.toLowerCase()), `${v} is gone`).toBe(false);
    for (const k of kept)
      for (const v of k.values) expect(readable.includes(v.toLowerCase()), `${v} is kept`).toBe(true);
    const logs = JSON.stringify(t.logs).toLowerCase();
    for (const g of gone)
      for (const v of g.values) expect(logs.includes(v.toLowerCase()), `${v} not logged`).toBe(false);

    // Searches by name and CURP find nothing anonymised.
    for (const g of gone.slice(0, 5)) {
      const [name, , curp] = g.values;
      const byName = await t.app.inject({ url: `/v1/persons?name=${name}`, headers: admin.headers });
      expect(byName.json().data).toEqual([]);
      const byCurp = await t.app.inject({ url: `/v1/persons?curp=${curp}`, headers: admin.headers });
      expect(byCurp.json().data).toEqual([]);
      const requestsByName = await t.app.inject({
        url: `/v1/documentation-requests?personName=${name}`,
        headers: admin.headers,
      });
      expect(requestsByName.json().data).toEqual([]);
    }
    // A kept person is still found by name.
    const keptName = kept[0]!.values[0]!;
    expect(
      (await t.app.inject({ url: `/v1/persons?name=${keptName}`, headers: admin.headers })).json().data,
    ).toHaveLength(1);

    // The kiosk look-up no longer answers for an anonymised request (with the person's real date of birth).
    const laRequests = made[0]!.requests;
    const goneRequest = laRequests.find((r) => r.gone)!;
    const lookup = await t.app.inject({
      url: `/v1/kiosk/request-status?reference=${goneRequest.reference}&dateOfBirth=1985-03-09`,
      headers: made[0]!.kiosk.headers,
    });
    expect(lookup.statusCode, lookup.body).toBe(404);
    const keptRequest = laRequests.find((r) => !r.gone)!;
    const stillThere = await t.app.inject({
      url: `/v1/kiosk/request-status?reference=${keptRequest.reference}&dateOfBirth=1985-03-09`,
      headers: made[0]!.kiosk.headers,
    });
    expect(stillThere.statusCode, stillThere.body).toBe(200);

    // An anonymised person keeps a keyed hash of the CURP, the year of birth, and the jurisdiction flag.
    const anon = await t.prisma.person.findUniqueOrThrow({ where: { id: gone[0]!.personId } });
    expect(anon.curp).toBeNull();
    expect(anon.curpHash).toBe(t.app.retention.curpHash(gone[0]!.values[2]!));
    expect(anon.dateOfBirth.toISOString().slice(0, 10)).toBe('1985-01-01');
    const shown = (await t.app.inject({ url: `/v1/persons/${anon.id}`, headers: admin.headers })).json();
    expect(shown).toMatchObject({ givenNames: '', firstSurname: '', curp: null, email: null, address: null });
    expect(shown.anonymisedAt).toBe(new Date(FAR).toISOString());
  }, 300_000);
});

describe('POST /v1/persons/:id/anonymise', () => {
  it('refuses while records are open or held, naming them; then anonymises everything of the person at once', async () => {
    clock.set('2026-11-02T15:00:00Z');
    const consulate = await createConsulate(t.prisma, { code: 'RSF', timeZone: 'America/Los_Angeles' });
    const otherConsulate = await createConsulate(t.prisma, { code: 'RSD', timeZone: 'America/Los_Angeles' });
    const supervisor = await loginAs(t.app, t.prisma, 'supervisor', consulate.id);
    const officer = await loginAs(t.app, t.prisma, 'documentation_officer', consulate.id);
    const protection = await loginAs(t.app, t.prisma, 'protection_officer', consulate.id);
    const stranger = await loginAs(t.app, t.prisma, 'supervisor', otherConsulate.id);
    const admin = await loginAs(t.app, t.prisma, 'admin');

    // Registered through the API with an Idempotency-Key: its stored answer holds the names.
    const payload = personPayload({ givenNames: 'Eréndira', firstSurname: 'Quintanilla' });
    const create = () =>
      t.app.inject({
        method: 'POST',
        url: '/v1/persons',
        headers: { ...supervisor.headers, 'idempotency-key': 'erase-me-1' },
        payload: { ...payload, consulateId: consulate.id },
      });
    const registered = await create();
    expect(registered.statusCode, registered.body).toBe(201);
    const personId = registered.json().id as string;

    await t.app.inject({
      method: 'PUT',
      url: `/v1/consulates/${consulate.id}/schedule`,
      headers: supervisor.headers,
      payload: WEEKDAY_SCHEDULE,
    });
    const filed = await fileRequest(t.app, officer.headers, personId, 'birth_registration');
    const openCase = async (category: string) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/protection-cases',
        headers: protection.headers,
        payload: {
          personId,
          category,
          priority: 'normal',
          summary: 'Quintanilla was held at the county jail',
          consent: { given: true, recordedAt: clock.now().toISOString(), channel: 'phone' },
        },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ id: string; reference: string }>();
    };
    const labor = await openCase('labor_rights');
    const detention = await openCase('detention');
    const appointment = await booked(t.app, officer.headers, {
      personId,
      service: 'passport',
      startsAt: '2026-11-10T17:00:00Z',
    });

    const erase = (who: LoggedIn, body: unknown = { reason: 'Written request of Eréndira Quintanilla, 2 Nov' }) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/persons/${personId}/anonymise`,
        headers: who.headers,
        payload: body as object,
      });

    expect((await erase(officer)).statusCode).toBe(403);
    expect((await erase(stranger)).statusCode).toBe(404);
    expect((await erase(supervisor, {})).statusCode).toBe(400);

    const blocked = await erase(supervisor);
    expect(blocked.statusCode, blocked.body).toBe(409);
    expect(blocked.headers['content-type']).toContain('application/problem+json');
    const problem = blocked.json();
    expect(problem.type).toBe('urn:problem-type:consular:anonymisation-blocked');
    expect(problem.detail).toContain(filed.reference);
    expect(problem.detail).toContain(labor.reference);
    expect(problem.detail).toContain(detention.reference);
    expect(problem.blockingRecords.map((b: any) => b.id).sort()).toEqual(
      [filed.id, labor.id, detention.id, appointment.id].sort(),
    );

    // Close everything.
    expect((await move(t.app, officer.headers, filed.id, 'cancelled', 'Quintanilla withdrew')).statusCode).toBe(200);
    expect(
      (await moveTo(t.app, officer.headers, 'appointments', appointment.id, 'cancelled', 'moved away')).statusCode,
    ).toBe(200);
    for (const c of [labor, detention]) {
      for (const to of ['in_progress', 'resolved', 'closed']) {
        const etag = (await t.app.inject({ url: `/v1/protection-cases/${c.id}`, headers: protection.headers })).headers
          .etag as string;
        const moved = await t.app.inject({
          method: 'POST',
          url: `/v1/protection-cases/${c.id}/transitions`,
          headers: { ...protection.headers, 'if-match': etag },
          payload: { to, reason: 'Quintanilla released' },
        });
        expect(moved.statusCode, moved.body).toBe(200);
      }
    }
    // A closed detention case is under legal hold for its retention period.
    const held = await erase(supervisor);
    expect(held.statusCode, held.body).toBe(409);
    expect(held.json().blockingRecords).toEqual([
      {
        kind: 'protection_case',
        id: detention.id,
        reference: detention.reference,
        state: 'closed',
        cause: 'legal_hold',
      },
    ]);

    // Past the hold (the detention case's retention), an admin may erase it.
    const query = 'from=2026-10-01&to=2027-09-30';
    clock.set('2036-12-01T12:00:00Z');
    const before = await statsOf(t.app, admin, `/v1/stats/consulates/${consulate.id}?${query}`);
    const done = await erase(admin);
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toEqual({
      personId,
      anonymisedAt: '2036-12-01T12:00:00.000Z',
      documentationRequests: 1,
      protectionCases: 2,
      appointments: 1,
      persons: 1,
    });
    expect(await statsOf(t.app, admin, `/v1/stats/consulates/${consulate.id}?${query}`)).toEqual(before);

    // Nothing of the person is readable, nor replayed from the stored idempotent answer.
    const person = await t.app.inject({ url: `/v1/persons/${personId}`, headers: supervisor.headers });
    expect(person.json()).toMatchObject({ givenNames: '', firstSurname: '', secondSurname: null, curp: null });
    const replay = await create();
    expect(replay.statusCode).toBe(410);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const texts = [
      person.body,
      replay.body,
      (await t.app.inject({ url: `/v1/documentation-requests/${filed.id}`, headers: supervisor.headers })).body,
      (await t.app.inject({ url: `/v1/documentation-requests/${filed.id}/timeline`, headers: supervisor.headers }))
        .body,
      (await t.app.inject({ url: `/v1/protection-cases/${detention.id}`, headers: supervisor.headers })).body,
      (await t.app.inject({ url: `/v1/protection-cases/${detention.id}/history`, headers: supervisor.headers })).body,
      (await t.app.inject({ url: `/v1/appointments/${appointment.id}`, headers: supervisor.headers })).body,
      JSON.stringify(await t.prisma.auditEvent.findMany({ where: { consulateId: consulate.id } })),
      JSON.stringify(t.logs),
    ].join('\n');
    for (const value of [
      'Eréndira',
      'Quintanilla',
      payload.curp,
      'maria.nunez@example.org',
      '2401 W 6th St',
      'Sofía',
    ]) {
      expect(texts.includes(value), value).toBe(false);
    }
    const stored = await t.prisma.person.findUniqueOrThrow({ where: { id: personId } });
    expect(stored.curpHash).toBe(createHmac('sha256', t.config.retention.hashKey).update(payload.curp).digest('hex'));

    // Audited: who and what, not the reason.
    const events = await t.prisma.auditEvent.findMany({ where: { action: 'person.anonymise', entityId: personId } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorId: admin.staff.id, actorRole: 'admin', consulateId: consulate.id });
    expect(events[0]!.details).toEqual({
      cause: 'erasure_request',
      documentationRequests: 1,
      protectionCases: 2,
      appointments: 1,
    });

    // Done once; the person takes no new records or edits.
    expect((await erase(supervisor)).json().type).toBe('urn:problem-type:consular:already-anonymised');
    const refiled = await t.app.inject({
      method: 'POST',
      url: '/v1/documentation-requests',
      headers: officer.headers,
      payload: { personId, type: 'passport', details: { application: 'first', validityYears: 6 } },
    });
    expect(refiled.statusCode).toBe(404);
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/v1/persons/${personId}`,
      headers: { ...supervisor.headers, 'if-match': person.headers.etag as string },
      payload: { givenNames: 'Again' },
    });
    expect(patched.statusCode).toBe(409);
  }, 120_000);
});

describe('the histories stay append-only', () => {
  it('lets only an anonymising transaction blank free text, and nothing else', async () => {
    const [event] = await t.prisma.$queryRaw<{ id: string }[]>`
      SELECT id::text FROM documentation_request_events WHERE reason <> '' LIMIT 1`;
    expect(event).toBeDefined();
    const attempt = (flag: boolean, set: string) =>
      t.prisma.$transaction(async (tx) => {
        if (flag) await tx.$queryRawUnsafe(`SELECT set_config('ccm.anonymising', 'on', true)`);
        await tx.$executeRawUnsafe(`UPDATE documentation_request_events SET ${set} WHERE id = $1::uuid`, event!.id);
      });
    await expect(attempt(false, `reason = ''`)).rejects.toThrow(/append-only/);
    await expect(attempt(true, `reason = 'rewritten'`)).rejects.toThrow(/append-only/);
    await expect(attempt(true, `reason = '', at = at + interval '1 day'`)).rejects.toThrow(/append-only/);
    await expect(
      t.prisma.$transaction(async (tx) => {
        await tx.$queryRawUnsafe(`SELECT set_config('ccm.anonymising', 'on', true)`);
        await tx.$executeRawUnsafe(`DELETE FROM protection_notes WHERE true`);
      }),
    ).rejects.toThrow(/append-only/);
    await attempt(true, `reason = ''`);
    await expect(attempt(false, `reason = ''`)).rejects.toThrow(/append-only/);
  });
});
