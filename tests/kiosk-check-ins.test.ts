import { beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './helpers/assertions.ts';
import { testClock, useTestApp } from './helpers/build-test-app.ts';
import { booked, createVisit, moveTo, putSchedule, WEEKDAY_SCHEDULE } from './helpers/appointments.ts';
import { registerKiosk, type KioskDevice } from './helpers/kiosk.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson } from './factories/persons.ts';

// Monday 2 November 2026, 08:00 in Los Angeles (the day after DST ended).
const clock = testClock('2026-11-02T08:00:00-08:00');
const t = useTestApp({ clock });

let consulate: { id: string };
let supervisor: LoggedIn;
let officer: LoggedIn;
let kiosk: KioskDevice;
let maria: { id: string };
let today: { id: string; confirmationCode: string };
let tomorrow: { id: string; confirmationCode: string };

const checkIn = (
  device: KioskDevice,
  confirmationCode: string,
  dateOfBirth: string,
  headers: Record<string, string> = {},
) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/kiosk/check-ins',
    headers: { ...device.headers, ...headers },
    payload: { confirmationCode, dateOfBirth },
  });

beforeAll(async () => {
  consulate = await createConsulate(t.prisma, { code: 'CKLAX', timeZone: 'America/Los_Angeles' });
  supervisor = await loginAs(t.app, t.prisma, 'supervisor', consulate.id);
  officer = await loginAs(t.app, t.prisma, 'documentation_officer', consulate.id);
  await putSchedule(t.app, supervisor.headers, consulate.id, WEEKDAY_SCHEDULE);
  kiosk = await registerKiosk(t.app, supervisor);
  maria = await createPerson(t.prisma, consulate.id, {
    givenNames: 'María José',
    firstSurname: 'Núñez',
    secondSurname: 'García',
    dateOfBirth: new Date('1990-05-17T00:00:00Z'),
  });
  const other = await createPerson(t.prisma, consulate.id, { dateOfBirth: new Date('1970-01-01T00:00:00Z') });
  today = await booked(t.app, officer.headers, {
    personId: maria.id,
    service: 'passport',
    consulateId: consulate.id,
    startsAt: '2026-11-02T17:30:00.000Z',
  });
  tomorrow = await booked(t.app, officer.headers, {
    personId: other.id,
    service: 'consular_id',
    consulateId: consulate.id,
    startsAt: '2026-11-03T18:00:00.000Z',
  });
});

describe('the kiosk’s appointment list', () => {
  it('shows today’s appointments with time, service, code, state and initials only', async () => {
    const res = await t.app.inject({ url: '/v1/kiosk/appointments', headers: kiosk.headers });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      date: '2026-11-02',
      data: [
        {
          time: '09:30',
          service: 'passport',
          confirmationCode: today.confirmationCode,
          state: 'booked',
          initials: 'M. J. N. G.',
        },
      ],
    });
    for (const personal of ['María', 'Núñez', '1990-05-17', maria.id]) expect(res.body).not.toContain(personal);
    const other = await t.app.inject({ url: '/v1/kiosk/appointments?date=2026-11-03', headers: kiosk.headers });
    expect(other.json().data.map((a: { confirmationCode: string }) => a.confirmationCode)).toEqual([
      tomorrow.confirmationCode,
    ]);
  });

  it('lists the consulate’s mobile-visit appointments too, and nothing of other consulates', async () => {
    const visit = await createVisit(t.app, supervisor.headers, {
      days: [{ date: '2026-11-02', opens: '13:00', closes: '15:00' }],
    });
    const person = await createPerson(t.prisma, consulate.id);
    const atVisit = await booked(t.app, officer.headers, {
      personId: person.id,
      service: 'passport',
      mobileVisitId: visit.id,
      startsAt: '2026-11-02T21:00:00.000Z',
    });
    const elsewhere = await createConsulate(t.prisma, { timeZone: 'America/Los_Angeles' });
    const boss = await loginAs(t.app, t.prisma, 'supervisor', elsewhere.id);
    const foreignKiosk = await registerKiosk(t.app, boss);
    const codes = (await t.app.inject({ url: '/v1/kiosk/appointments', headers: kiosk.headers }))
      .json()
      .data.map((a: { confirmationCode: string }) => a.confirmationCode);
    expect(codes).toContain(atVisit.confirmationCode);
    expect((await t.app.inject({ url: '/v1/kiosk/appointments', headers: foreignKiosk.headers })).json().data).toEqual(
      [],
    );
  });
});

describe('check-in', () => {
  it('needs the code and the date of birth of an appointment of today; one 404 for every mismatch', async () => {
    const answers = [
      await checkIn(kiosk, 'ZZZZZZZZ', '1990-05-17'),
      await checkIn(kiosk, today.confirmationCode, '1990-05-18'),
      await checkIn(kiosk, tomorrow.confirmationCode, '1970-01-01'), // right code and date of birth, wrong day
    ];
    const bodies = answers.map((r) => ({ ...expectProblem(r, 404), instance: undefined }));
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[2]).toEqual(bodies[0]);
    const elsewhere = await createConsulate(t.prisma, { timeZone: 'America/Los_Angeles' });
    const foreignKiosk = await registerKiosk(t.app, await loginAs(t.app, t.prisma, 'supervisor', elsewhere.id));
    expect({
      ...expectProblem(await checkIn(foreignKiosk, today.confirmationCode, '1990-05-17'), 404),
      instance: undefined,
    }).toEqual(bodies[0]);
    expect((await t.app.inject({ url: `/v1/appointments/${today.id}`, headers: officer.headers })).json().state).toBe(
      'booked',
    );
  });

  it('checks in, returns a queue ticket, and returns the same ticket when checking in again', async () => {
    const first = await checkIn(kiosk, today.confirmationCode.toLowerCase(), '1990-05-17');
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({
      ticket: {
        ticket: 'P-001',
        service: 'passport',
        source: 'appointment',
        appointmentId: today.id,
        state: 'waiting',
        date: '2026-11-02',
      },
      appointment: { time: '09:30', utcOffset: '-08:00', service: 'passport', state: 'checked_in' },
    });
    expect(first.body).not.toContain('María');
    const again = await checkIn(kiosk, today.confirmationCode, '1990-05-17');
    expect(again.statusCode).toBe(200);
    expect(again.json().ticket.id).toBe(first.json().ticket.id);
    const appointment = (await t.app.inject({ url: `/v1/appointments/${today.id}`, headers: officer.headers })).json();
    expect(appointment).toMatchObject({ state: 'checked_in', checkedInAt: '2026-11-02T16:00:00.000Z' });
    expect(await t.prisma.queueTicket.count({ where: { appointmentId: today.id } })).toBe(1);
    const audit = await t.prisma.auditEvent.findMany({ where: { entityId: today.id, action: 'appointment.check_in' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorType: 'kiosk', actorId: kiosk.kioskId });

    // The officer calls the ticket and serves it: the appointment is served.
    const called = await t.app.inject({
      method: 'POST',
      url: '/v1/queue/call-next',
      headers: officer.headers,
      payload: { service: 'passport', counter: 'Window 1' },
    });
    expect(called.json().ticket).toBe('P-001');
    const served = await t.app.inject({
      method: 'POST',
      url: `/v1/queue/tickets/${called.json().id}/transitions`,
      headers: { ...officer.headers, 'if-match': called.headers.etag as string },
      payload: { to: 'served' },
    });
    expect(served.statusCode).toBe(200);
    expect((await t.app.inject({ url: `/v1/appointments/${today.id}`, headers: officer.headers })).json().state).toBe(
      'served',
    );
    // Served: nothing more to check in.
    expectProblem(await checkIn(kiosk, today.confirmationCode, '1990-05-17'), 404);
  });

  it('two kiosks checking in the same appointment at once get one ticket', async () => {
    const person = await createPerson(t.prisma, consulate.id, { dateOfBirth: new Date('1988-08-08T00:00:00Z') });
    const appointment = await booked(t.app, officer.headers, {
      personId: person.id,
      service: 'consular_id',
      consulateId: consulate.id,
      startsAt: '2026-11-02T19:00:00.000Z',
    });
    const second = await registerKiosk(t.app, supervisor, 'Second');
    const [a, b] = await Promise.all([
      checkIn(kiosk, appointment.confirmationCode, '1988-08-08'),
      checkIn(second, appointment.confirmationCode, '1988-08-08'),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 201]);
    expect(a.json().ticket.id).toBe(b.json().ticket.id);
    expect(await t.prisma.queueTicket.count({ where: { appointmentId: appointment.id } })).toBe(1);
  });

  it('a retried check-in with the same Idempotency-Key replays the answer', async () => {
    const person = await createPerson(t.prisma, consulate.id, { dateOfBirth: new Date('1977-07-07T00:00:00Z') });
    const appointment = await booked(t.app, officer.headers, {
      personId: person.id,
      service: 'passport',
      consulateId: consulate.id,
      startsAt: '2026-11-02T19:30:00.000Z',
    });
    const headers = { 'idempotency-key': `check-in-${appointment.id}` };
    const first = await checkIn(kiosk, appointment.confirmationCode, '1977-07-07', headers);
    const retry = await checkIn(kiosk, appointment.confirmationCode, '1977-07-07', headers);
    expect(first.statusCode).toBe(201);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json()).toEqual(first.json());
  });

  it('a cancelled appointment cannot be checked in', async () => {
    const person = await createPerson(t.prisma, consulate.id, { dateOfBirth: new Date('1966-06-06T00:00:00Z') });
    const appointment = await booked(t.app, officer.headers, {
      personId: person.id,
      service: 'passport',
      consulateId: consulate.id,
      startsAt: '2026-11-02T19:00:00.000Z',
    });
    expect(
      (await moveTo(t.app, officer.headers, 'appointments', appointment.id, 'cancelled', 'Rescheduled')).statusCode,
    ).toBe(200);
    expectProblem(await checkIn(kiosk, appointment.confirmationCode, '1966-06-06'), 404);
  });
});
