import { beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './helpers/assertions.ts';
import { booked, moveTo, putSchedule, visitPayload, WEEKDAY_SCHEDULE } from './helpers/appointments.ts';
import { testClock, useTestApp } from './helpers/build-test-app.ts';
import { DETAILS, fileRequest } from './helpers/documentation.ts';
import { registerKiosk, type KioskDevice } from './helpers/kiosk.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { createConsulate, uniqueCode } from './factories/consulates.ts';
import { createPerson, personPayload } from './factories/persons.ts';

// Monday 2 November 2026, 08:00 in Los Angeles.
const clock = testClock('2026-11-02T08:00:00-08:00');
const t = useTestApp({ clock });

let consulate: { id: string };
let admin: LoggedIn;
let supervisor: LoggedIn;
let officer: LoggedIn;
let protection: LoggedIn;
let kiosk: KioskDevice;

beforeAll(async () => {
  consulate = await createConsulate(t.prisma, { timeZone: 'America/Los_Angeles' });
  admin = await loginAs(t.app, t.prisma, 'admin');
  supervisor = await loginAs(t.app, t.prisma, 'supervisor', consulate.id);
  officer = await loginAs(t.app, t.prisma, 'documentation_officer', consulate.id);
  protection = await loginAs(t.app, t.prisma, 'protection_officer', consulate.id);
  await putSchedule(t.app, supervisor.headers, consulate.id, WEEKDAY_SCHEDULE);
  kiosk = await registerKiosk(t.app, supervisor);
});

const openCase = async (summary = 'Detained in Adelanto; asks for a consular visit.') => {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/protection-cases',
    headers: protection.headers,
    payload: {
      category: 'detention',
      priority: 'urgent',
      summary,
      consent: { given: true, recordedAt: '2026-11-02T15:55:00Z', channel: 'phone' },
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>();
};

interface Case {
  route: string;
  /** Sets up what the request needs; returns the request and how to count what it creates. */
  prepare(): Promise<{
    url: string;
    headers: Record<string, string>;
    payload: Record<string, unknown>;
    count: () => Promise<number>;
  }>;
}

/** Every route with `config: { idempotent: true }`. */
const ROUTES: Case[] = [
  {
    route: 'POST /v1/consulates',
    async prepare() {
      const code = uniqueCode('I');
      return {
        url: '/v1/consulates',
        headers: admin.headers,
        payload: {
          code,
          name: 'Consulate of Mexico in Tulsa',
          kind: 'consulate',
          city: 'Tulsa',
          state: 'OK',
          timeZone: 'America/Chicago',
        },
        count: () => t.prisma.consulate.count({ where: { code } }),
      };
    },
  },
  {
    route: 'POST /v1/staff',
    async prepare() {
      const email = `idem-${uniqueCode('S').toLowerCase()}@consular.test`;
      return {
        url: '/v1/staff',
        headers: supervisor.headers,
        payload: { email, fullName: 'Ana Pérez', role: 'documentation_officer', password: 'a perfectly fine password' },
        count: () => t.prisma.staffMember.count({ where: { email } }),
      };
    },
  },
  {
    route: 'POST /v1/persons',
    async prepare() {
      const payload = personPayload();
      return {
        url: '/v1/persons',
        headers: officer.headers,
        payload,
        count: () => t.prisma.person.count({ where: { curp: payload.curp } }),
      };
    },
  },
  {
    route: 'POST /v1/documentation-requests',
    async prepare() {
      const person = await createPerson(t.prisma, consulate.id);
      return {
        url: '/v1/documentation-requests',
        headers: officer.headers,
        payload: { personId: person.id, type: 'passport', details: DETAILS.passport, feeCents: 5000 },
        count: () => t.prisma.documentationRequest.count({ where: { personId: person.id } }),
      };
    },
  },
  {
    route: 'POST /v1/documentation-requests/:id/payments',
    async prepare() {
      const person = await createPerson(t.prisma, consulate.id);
      const request = await fileRequest(t.app, officer.headers, person.id, 'passport', { feeCents: 5000 });
      return {
        url: `/v1/documentation-requests/${request.id}/payments`,
        headers: officer.headers,
        payload: { amountCents: 2000, method: 'card', receipt: 'R-IDEM-1' },
        count: () => t.prisma.documentationPayment.count({ where: { requestId: request.id } }),
      };
    },
  },
  {
    route: 'POST /v1/protection-cases',
    async prepare() {
      const summary = `Detained ${uniqueCode('C')}; asks for a consular visit.`;
      return {
        url: '/v1/protection-cases',
        headers: protection.headers,
        payload: {
          category: 'detention',
          priority: 'urgent',
          summary,
          consent: { given: true, recordedAt: '2026-11-02T15:55:00Z', channel: 'phone' },
        },
        count: () => t.prisma.protectionCase.count({ where: { summary } }),
      };
    },
  },
  {
    route: 'POST /v1/protection-cases/:id/notes',
    async prepare() {
      const kase = await openCase();
      return {
        url: `/v1/protection-cases/${kase.id}/notes`,
        headers: protection.headers,
        payload: { kind: 'contact', body: 'Called the detention centre.' },
        count: () => t.prisma.protectionNote.count({ where: { caseId: kase.id } }),
      };
    },
  },
  {
    route: 'POST /v1/protection-cases/:id/referrals',
    async prepare() {
      const kase = await openCase();
      return {
        url: `/v1/protection-cases/${kase.id}/referrals`,
        headers: protection.headers,
        payload: { organization: 'Legal Aid Foundation of Los Angeles', kind: 'legal_aid' },
        count: () => t.prisma.protectionReferral.count({ where: { caseId: kase.id } }),
      };
    },
  },
  {
    route: 'POST /v1/mobile-visits',
    async prepare() {
      const venue = `Parroquia ${uniqueCode('V')}`;
      return {
        url: '/v1/mobile-visits',
        headers: supervisor.headers,
        payload: visitPayload({ venue }),
        count: () => t.prisma.mobileVisit.count({ where: { venue } }),
      };
    },
  },
  {
    route: 'POST /v1/appointments',
    async prepare() {
      const person = await createPerson(t.prisma, consulate.id);
      return {
        url: '/v1/appointments',
        headers: officer.headers,
        payload: { personId: person.id, service: 'consular_id', startsAt: '2026-11-04T10:00:00-08:00' },
        count: () => t.prisma.appointment.count({ where: { personId: person.id } }),
      };
    },
  },
  {
    route: 'POST /v1/kiosks',
    async prepare() {
      const name = `Kiosk ${uniqueCode('K')}`;
      return {
        url: '/v1/kiosks',
        headers: supervisor.headers,
        payload: { name, location: 'Door A' },
        count: () => t.prisma.kiosk.count({ where: { name } }),
      };
    },
  },
  {
    route: 'POST /v1/kiosk/tickets',
    async prepare() {
      const before = await t.prisma.queueTicket.count({ where: { consulateId: consulate.id, service: 'consular_id' } });
      return {
        url: '/v1/kiosk/tickets',
        headers: kiosk.headers,
        payload: { service: 'consular_id' },
        count: async () =>
          (await t.prisma.queueTicket.count({ where: { consulateId: consulate.id, service: 'consular_id' } })) - before,
      };
    },
  },
  {
    route: 'POST /v1/kiosk/check-ins',
    async prepare() {
      const person = await createPerson(t.prisma, consulate.id, { dateOfBirth: new Date('1981-08-18T00:00:00Z') });
      const appointment = await booked(t.app, officer.headers, {
        personId: person.id,
        service: 'passport',
        startsAt: '2026-11-02T11:00:00-08:00',
      });
      return {
        url: '/v1/kiosk/check-ins',
        headers: kiosk.headers,
        payload: { confirmationCode: appointment.confirmationCode, dateOfBirth: '1981-08-18' },
        count: () => t.prisma.queueTicket.count({ where: { appointmentId: appointment.id } }),
      };
    },
  },
];

const storedAnswers = (key: string) =>
  t.prisma.idempotencyKey.findMany({ where: { key }, select: { responseStatus: true, completedAt: true } });

describe('Idempotency-Key on every creating route', () => {
  it.each(ROUTES.map((c) => [c.route, c] as const))(
    '%s: the retry replays the first answer byte for byte and nothing is created twice',
    async (_name, c) => {
      const { url, headers, payload, count } = await c.prepare();
      const key = `every-route-${uniqueCode('R')}`;
      const send = () =>
        t.app.inject({ method: 'POST', url, headers: { ...headers, 'idempotency-key': key }, payload });
      const first = await send();
      expect(first.statusCode, first.body).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const retry = await send();
      expect(retry.statusCode).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.body).toBe(first.body);
      for (const header of ['content-type', 'etag', 'location']) {
        expect(retry.headers[header], header).toBe(first.headers[header]);
      }
      expect(await count()).toBe(1);
      // The answer was stored with the write it answers.
      expect(await storedAnswers(key)).toEqual([{ responseStatus: 201, completedAt: expect.any(Date) }]);
    },
  );

  it('every answer was stored by its write transaction (none went out unstored)', () => {
    expect(t.logs.filter((l) => l.msg === 'idempotent answer was not stored with its write')).toEqual([]);
  });
});

describe('Idempotency-Key semantics', () => {
  it('concurrent requests with one key: one person is registered, the others replay its answer', async () => {
    const payload = personPayload();
    const headers = { ...officer.headers, 'idempotency-key': `concurrent-${uniqueCode('P')}` };
    const results = await Promise.all(
      Array.from({ length: 6 }, () => t.app.inject({ method: 'POST', url: '/v1/persons', headers, payload })),
    );
    const originals = results.filter((r) => r.statusCode === 201 && !r.headers['idempotent-replayed']);
    expect(originals).toHaveLength(1);
    for (const r of results) {
      // The duplicates waited for the first one's transaction, then replayed it:
      // no "CURP already registered" 409, no second person.
      expect(r.statusCode, r.body).toBe(201);
      expect(r.body).toBe(originals[0]!.body);
    }
    expect(await t.prisma.person.count({ where: { curp: payload.curp } })).toBe(1);
  });

  it('a refusal writes nothing and stores nothing: the same key runs again once the refusal no longer holds', async () => {
    const person = await createPerson(t.prisma, consulate.id);
    const first = await booked(t.app, officer.headers, {
      personId: person.id,
      service: 'passport',
      startsAt: '2026-11-05T09:00:00-08:00',
    });
    const key = `refused-${uniqueCode('B')}`;
    const second = () =>
      t.app.inject({
        method: 'POST',
        url: '/v1/appointments',
        headers: { ...officer.headers, 'idempotency-key': key },
        payload: { personId: person.id, service: 'passport', startsAt: '2026-11-05T10:00:00-08:00' },
      });
    const refused = expectProblem(await second(), 409);
    expect(refused.type).toBe('urn:problem-type:consular:already-booked-that-day');
    // Refused inside the write transaction, after the key was claimed: the claim went with it.
    expect(await storedAnswers(key)).toEqual([]);
    const again = await second();
    expect(again.statusCode).toBe(409);
    expect(again.headers['idempotent-replayed']).toBeUndefined();

    const cancelled = await moveTo(t.app, officer.headers, 'appointments', first.id, 'cancelled', 'Rebooking later');
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    const booking = await second();
    expect(booking.statusCode, booking.body).toBe(201);
    expect(booking.headers['idempotent-replayed']).toBeUndefined();
    const replay = await second();
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json().id).toBe(booking.json().id);
  });

  it('the same key with another body is 422 and creates nothing', async () => {
    const key = `other-body-${uniqueCode('O')}`;
    const headers = { ...officer.headers, 'idempotency-key': key };
    const one = personPayload();
    const two = personPayload();
    expect((await t.app.inject({ method: 'POST', url: '/v1/persons', headers, payload: one })).statusCode).toBe(201);
    const reused = expectProblem(
      await t.app.inject({ method: 'POST', url: '/v1/persons', headers, payload: two }),
      422,
    );
    expect(reused.type).toBe('urn:problem-type:consular:idempotency-key-reused');
    expect(await t.prisma.person.count({ where: { curp: two.curp } })).toBe(0);
  });

  it('a key claimed without an answer (the scheme before this one) or expired is taken over, not stuck', async () => {
    const key = `legacy-${uniqueCode('L')}`;
    const claim = (createdAt: Date) =>
      t.prisma.idempotencyKey.upsert({
        where: { callerKey_key: { callerKey: `staff:${officer.staff.id}`, key } },
        create: {
          callerKey: `staff:${officer.staff.id}`,
          key,
          requestHash: '0'.repeat(64),
          createdAt,
          expiresAt: new Date(Date.now() + 3_600_000),
        },
        update: { createdAt },
      });
    const payload = personPayload();
    // Claimed a moment ago by a replica still running the previous scheme: it may still be working.
    await claim(new Date());
    const running = await t.app.inject({
      method: 'POST',
      url: '/v1/persons',
      headers: { ...officer.headers, 'idempotency-key': key },
      payload,
    });
    expect(expectProblem(running, 409).type).toBe('urn:problem-type:consular:idempotency-in-progress');
    expect(await t.prisma.person.count({ where: { curp: payload.curp } })).toBe(0);
    // Abandoned (older than two minutes): taken over.
    await claim(new Date(Date.now() - 3 * 60_000));
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/persons',
      headers: { ...officer.headers, 'idempotency-key': key },
      payload,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(await storedAnswers(key)).toEqual([{ responseStatus: 201, completedAt: expect.any(Date) }]);

    // 24 hours later the key is free again: a new request with it runs.
    await t.prisma.idempotencyKey.updateMany({ where: { key }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const later = personPayload();
    const reused = await t.app.inject({
      method: 'POST',
      url: '/v1/persons',
      headers: { ...officer.headers, 'idempotency-key': key },
      payload: later,
    });
    expect(reused.statusCode, reused.body).toBe(201);
    expect(reused.headers['idempotent-replayed']).toBeUndefined();
    expect(await t.prisma.person.count({ where: { curp: later.curp } })).toBe(1);
  });
});
