import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { buildTestApp, type TestContext } from './helpers/build-test-app.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { registerKiosk } from './helpers/kiosk.ts';
import { fileRequest } from './helpers/documentation.ts';
import { putSchedule } from './helpers/appointments.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson } from './factories/persons.ts';

/**
 * Sessions, accounts, kiosks and calendars are cached in each replica's memory;
 * a change made through one replica must apply on the other at its next
 * request. Two app instances share one database; each test waits until
 * replica B has heard the change from PostgreSQL (deterministic: no sleeps),
 * then asks B.
 */
type App = TestContext & { close(): Promise<void> };
let a: App;
let b: App;

beforeAll(async () => {
  a = await buildTestApp();
  b = await buildTestApp({ database: a.db });
  await Promise.all([untilReliable(a), untilReliable(b)]);
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

async function untilReliable(app: App) {
  for (let i = 0; i < 500 && !app.app.changes.reliable; i++) await new Promise((r) => setTimeout(r, 10));
  expect(app.app.changes.reliable).toBe(true);
}

/** Resolves when `app` has heard `key` from the database. */
function heard(app: App, key: string): Promise<void> {
  return new Promise((resolve) => app.app.changes.onChange((k) => k === key && resolve()));
}

const me = (app: App, user: LoggedIn) => app.app.inject({ method: 'GET', url: '/v1/auth/me', headers: user.headers });

describe('caches follow changes made on another replica', () => {
  it('a logout on A ends the session on B', async () => {
    const consulate = await createConsulate(a.prisma);
    const officer = await loginAs(a.app, a.prisma, 'documentation_officer', consulate.id);
    expect((await me(b, officer)).statusCode).toBe(200); // B caches the session
    expect((await me(b, officer)).statusCode).toBe(200);
    const session = (await a.prisma.authSession.findFirstOrThrow({ where: { staffId: officer.staff.id } })).id;
    const told = heard(b, `auth_session:${session}`);
    const out = await a.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: officer.headers, payload: {} });
    expect(out.statusCode).toBe(204);
    await told;
    const after = await me(b, officer);
    expect(after.statusCode).toBe(401);
    expect(after.json().type).toMatch(/session-ended$/);
    // On A itself the answer is immediate: the cache entry went before the 204 left.
    expect((await me(a, officer)).statusCode).toBe(401);
  });

  it('deactivation and a role change on A apply on B', async () => {
    const consulate = await createConsulate(a.prisma);
    const admin = await loginAs(a.app, a.prisma, 'admin');
    const officer = await loginAs(a.app, a.prisma, 'documentation_officer', consulate.id);
    const other = await loginAs(a.app, a.prisma, 'protection_officer', consulate.id);
    expect((await me(b, officer)).json().role).toBe('documentation_officer');
    expect((await me(b, other)).statusCode).toBe(200);

    const staff = await a.prisma.staffMember.findUniqueOrThrow({ where: { id: officer.staff.id } });
    let told = heard(b, `staff:${officer.staff.id}`);
    const changed = await a.app.inject({
      method: 'PATCH',
      url: `/v1/staff/${officer.staff.id}`,
      headers: { ...admin.headers, 'if-match': `"${staff.version}"` },
      payload: { role: 'supervisor' },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    await told;
    // A role change ends the account's sessions (decisions: "Sessions and token checks").
    expect((await me(b, officer)).statusCode).toBe(401);

    told = heard(b, `staff:${other.staff.id}`);
    const off = await a.app.inject({
      method: 'POST',
      url: `/v1/staff/${other.staff.id}/deactivate`,
      headers: admin.headers,
      payload: {},
    });
    expect(off.statusCode, off.body).toBe(200);
    await told;
    expect((await me(b, other)).statusCode).toBe(401);
  });

  it('a kiosk disabled on A stops working on B', async () => {
    const consulate = await createConsulate(a.prisma);
    const supervisor = await loginAs(a.app, a.prisma, 'supervisor', consulate.id);
    const kiosk = await registerKiosk(a.app, supervisor);
    const board = () => b.app.inject({ method: 'GET', url: '/v1/kiosk/queue', headers: kiosk.headers });
    expect((await board()).statusCode).toBe(200);
    const told = heard(b, `kiosk:${kiosk.kioskId}`);
    const off = await a.app.inject({
      method: 'POST',
      url: `/v1/kiosks/${kiosk.kioskId}/disable`,
      headers: supervisor.headers,
      payload: {},
    });
    expect(off.statusCode, off.body).toBe(200);
    await told;
    expect((await board()).statusCode).toBe(401);
  });

  it('a holiday added on A moves the deadline B shows', async () => {
    const consulate = await createConsulate(a.prisma);
    const supervisor = await loginAs(a.app, a.prisma, 'supervisor', consulate.id);
    const officer = await loginAs(a.app, a.prisma, 'documentation_officer', consulate.id);
    const person = await createPerson(a.prisma, consulate.id);
    const filed = await fileRequest(a.app, officer.headers, person.id);
    const read = () =>
      b.app.inject({ method: 'GET', url: `/v1/documentation-requests/${filed.id}`, headers: officer.headers });
    const before = (await read()).json();
    expect(before.deadline.dueDate).toBe(filed.deadline.dueDate);

    // A holiday on the first business day after filing pushes the due day by one business day.
    const firstDay = await firstBusinessDayAfter(filed.submittedAt);
    const told = heard(b, `consulate:${consulate.id}`);
    const put = await a.app.inject({
      method: 'PUT',
      url: `/v1/consulates/${consulate.id}/holidays`,
      headers: supervisor.headers,
      payload: [{ date: firstDay, name: 'Día festivo' }],
    });
    expect(put.statusCode, put.body).toBe(200);
    await told;
    const after = (await read()).json();
    expect(after.deadline.dueDate > before.deadline.dueDate).toBe(true);
    expect(after.deadline.dueDate).toBe(
      (
        await a.app.inject({ method: 'GET', url: `/v1/documentation-requests/${filed.id}`, headers: officer.headers })
      ).json().deadline.dueDate,
    );
  });

  it('a capacity raised on A lets B book the place it refused', async () => {
    const consulate = await createConsulate(a.prisma, { timeZone: 'America/Chicago' });
    const supervisor = await loginAs(a.app, a.prisma, 'supervisor', consulate.id);
    const officer = await loginAs(a.app, a.prisma, 'documentation_officer', consulate.id);
    const schedule = (capacityPerSlot: number) => ({
      slotMinutes: 60,
      weeklyHours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, opens: '00:00', closes: '23:00' })),
      services: [{ service: 'passport', capacityPerSlot }],
    });
    await putSchedule(a.app, supervisor.headers, consulate.id, schedule(1));
    const free = await b.app.inject({
      method: 'GET',
      url: `/v1/appointments/availability?consulateId=${consulate.id}&service=passport`,
      headers: officer.headers,
    });
    const startsAt = free.json().data[3].startsAt as string;
    const book = async (personId: string) =>
      b.app.inject({
        method: 'POST',
        url: '/v1/appointments',
        headers: officer.headers,
        payload: { personId, service: 'passport', consulateId: consulate.id, startsAt },
      });
    const first = await createPerson(a.prisma, consulate.id);
    const second = await createPerson(a.prisma, consulate.id);
    expect((await book(first.id)).statusCode).toBe(201);
    const refused = await book(second.id);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().type).toMatch(/slot-full$/);

    const told = heard(b, `consulate:${consulate.id}`);
    await putSchedule(a.app, supervisor.headers, consulate.id, schedule(2));
    await told;
    expect((await book(second.id)).statusCode).toBe(201);
  });
});

describe('without a reliable change feed the caches step aside', () => {
  it('a lost listener connection turns caching off (answers stay right) and it comes back by itself', async () => {
    const consulate = await createConsulate(a.prisma);
    const officer = await loginAs(a.app, a.prisma, 'documentation_officer', consulate.id);
    expect((await me(b, officer)).statusCode).toBe(200);

    // Cut every replica's listener connection from the server side.
    const admin = new pg.Client({ connectionString: a.db.url });
    await admin.connect();
    await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'consular-api-changes' AND datname = current_database()",
    );
    for (let i = 0; i < 500 && b.app.changes.reliable; i++) await new Promise((r) => setTimeout(r, 10));
    expect(b.app.changes.reliable).toBe(false);

    // With no feed, B asks the database: a session revoked now (by SQL, no API) is refused at once.
    await admin.query('UPDATE auth_sessions SET revoked_at = now() WHERE staff_id = $1', [officer.staff.id]);
    expect((await me(b, officer)).statusCode).toBe(401);
    await admin.end();

    await untilReliable(b);
    await untilReliable(a);
  });
});

/** The first Monday–Friday after the local (Los Angeles) day of `instant`. */
async function firstBusinessDayAfter(instant: string): Promise<string> {
  const { localDate, nextDate, isBusinessDay } = await import('../src/lib/calendar.ts');
  let day = nextDate(localDate(new Date(instant), 'America/Los_Angeles'));
  while (!isBusinessDay(day, { timeZone: 'America/Los_Angeles', holidays: new Set() })) day = nextDate(day);
  return day;
}
