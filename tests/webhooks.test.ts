import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNonPublicAddress, isRetryable, postOnce, refuseTarget } from '../src/modules/webhooks/webhooks.http.ts';
import { expectProblem } from './helpers/assertions.ts';
import { book, booked, createVisit, moveTo, putSchedule, WEEKDAY_SCHEDULE } from './helpers/appointments.ts';
import { useTestApp } from './helpers/build-test-app.ts';
import { fileRequest, move, walk } from './helpers/documentation.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { eventually, movingClock, startReceiver, verifyWebhook } from './helpers/webhook-receiver.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson } from './factories/persons.ts';

// Monday 08:00 in Los Angeles, running at real speed (backoffs must elapse).
const clock = movingClock('2026-11-02T08:00:00-08:00');
const t = useTestApp({
  clock,
  env: {
    WEBHOOK_DISPATCHER: 'true',
    WEBHOOK_POLL_INTERVAL_MS: '20',
    WEBHOOK_RETRY_BASE_MS: '30',
    WEBHOOK_RETRY_MAX_MS: '120',
    WEBHOOK_TIMEOUT_MS: '3000',
  },
});

let la: { id: string; code: string };
let sd: { id: string; code: string };
let admin: LoggedIn;
let supervisor: LoggedIn;
let officer: LoggedIn;
let protection: LoggedIn;
let otherSupervisor: LoggedIn;
const receivers: Awaited<ReturnType<typeof startReceiver>>[] = [];

const receiver = async (answer?: Parameters<typeof startReceiver>[0]) => {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
};

beforeAll(async () => {
  la = await createConsulate(t.prisma, { code: 'WHLAX', timeZone: 'America/Los_Angeles' });
  sd = await createConsulate(t.prisma, { code: 'WHSAN', timeZone: 'America/Los_Angeles' });
  admin = await loginAs(t.app, t.prisma, 'admin');
  supervisor = await loginAs(t.app, t.prisma, 'supervisor', la.id);
  officer = await loginAs(t.app, t.prisma, 'documentation_officer', la.id);
  protection = await loginAs(t.app, t.prisma, 'protection_officer', la.id);
  otherSupervisor = await loginAs(t.app, t.prisma, 'supervisor', sd.id);
  await putSchedule(t.app, supervisor.headers, la.id, WEEKDAY_SCHEDULE);
});

afterAll(async () => {
  for (const r of receivers) await r.close();
});

const subscribe = async (who: LoggedIn, url: string, events: string[], description?: string) => {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: who.headers,
    payload: { url, events, ...(description ? { description } : {}) },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ webhookId: string; secret: string; webhook: Record<string, unknown> }>();
};

const deliveries = async (who: LoggedIn, id: string) => {
  const res = await t.app.inject({ url: `/v1/webhooks/${id}/deliveries?limit=200`, headers: who.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ data: Record<string, any>[] }>().data;
};

/** Every delivery of the subscription is final (none pending). */
const settled = (who: LoggedIn, id: string, count: number) =>
  eventually(
    async () => {
      const list = await deliveries(who, id);
      return list.length === count && list.every((d) => d.status !== 'pending') ? list : undefined;
    },
    15_000,
    `${count} settled deliveries`,
  );

const PERSONAL = ['Juan Carlos', 'Pérez', 'López', 'CURP', '2401 W 6th St', 'Adelanto', 'reason given'];

describe('subscriptions: CRUD, roles and scoping', () => {
  it('a supervisor subscribes their consulate; the secret is shown once, kept encrypted, never logged', async () => {
    const created = await subscribe(supervisor, 'https://hooks.example.org/consular', ['appointment.booked'], 'SMS');
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(created.secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(created.webhook).toMatchObject({
      consulateId: la.id,
      url: 'https://hooks.example.org/consular',
      events: ['appointment.booked'],
      description: 'SMS',
      enabled: true,
      disabledReason: null,
      version: 1,
    });
    const got = await t.app.inject({ url: `/v1/webhooks/${created.webhookId}`, headers: supervisor.headers });
    expect(got.statusCode).toBe(200);
    expect(got.headers.etag).toBe('"1"');
    expect(got.body).not.toContain(created.secret);
    const row = await t.prisma.webhookSubscription.findUniqueOrThrow({ where: { id: created.webhookId } });
    expect(row.secretCiphertext).not.toContain(created.secret.slice(6, 30));
    const audit = await t.prisma.auditEvent.findMany({ where: { entityId: created.webhookId } });
    expect(audit.map((a) => a.action)).toEqual(['webhook.create']);
    expect(JSON.stringify(audit) + JSON.stringify(t.logs)).not.toContain(created.secret.slice(6));
  });

  it('only admins and supervisors manage; another consulate’s subscription is 404; admins see all', async () => {
    const mine = await subscribe(supervisor, 'https://hooks.example.org/a', ['appointment.cancelled']);
    const network = await subscribe(admin, 'https://hooks.example.org/hq', ['protection_case.escalated']);
    expect(network.webhook.consulateId).toBeNull();
    for (const who of [officer, protection]) {
      expectProblem(await t.app.inject({ url: '/v1/webhooks', headers: who.headers }), 403);
      expectProblem(
        await t.app.inject({
          method: 'POST',
          url: '/v1/webhooks',
          headers: who.headers,
          payload: { url: 'https://x.example', events: ['appointment.booked'] },
        }),
        403,
      );
    }
    for (const [method, suffix] of [
      ['GET', ''],
      ['DELETE', ''],
      ['POST', '/disable'],
      ['POST', '/rotate-secret'],
      ['GET', '/deliveries'],
    ] as const) {
      expectProblem(
        await t.app.inject({
          method,
          url: `/v1/webhooks/${mine.webhookId}${suffix}`,
          headers: otherSupervisor.headers,
        }),
        404,
      );
    }
    expectProblem(await t.app.inject({ url: `/v1/webhooks/${network.webhookId}`, headers: supervisor.headers }), 404);
    const theirs = await t.app.inject({ url: '/v1/webhooks', headers: otherSupervisor.headers });
    expect(theirs.json().data).toEqual([]);
    const all = await t.app.inject({ url: '/v1/webhooks?limit=200', headers: admin.headers });
    const ids = all.json().data.map((w: { id: string }) => w.id);
    expect(ids).toEqual(expect.arrayContaining([mine.webhookId, network.webhookId]));
  });

  it('PATCH needs If-Match; rotate, disable, enable and delete are audited', async () => {
    const { webhookId, secret } = await subscribe(supervisor, 'https://hooks.example.org/b', ['appointment.booked']);
    const url = `/v1/webhooks/${webhookId}`;
    const patch = (headers: Record<string, string>, payload: object) =>
      t.app.inject({ method: 'PATCH', url, headers: { ...supervisor.headers, ...headers }, payload });
    expectProblem(await patch({}, { description: 'x' }), 428);
    expectProblem(await patch({ 'if-match': '"9"' }, { description: 'x' }), 412);
    expectProblem(await patch({ 'if-match': '"1"' }, { events: ['nothing.happened'] }), 400);
    expectProblem(await patch({ 'if-match': '"1"' }, { url: 'ftp://hooks.example.org' }), 400);
    const ok = await patch({ 'if-match': '"1"' }, { events: ['appointment.booked', 'appointment.no_show'] });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.headers.etag).toBe('"2"');
    expect(ok.json().events).toEqual(['appointment.booked', 'appointment.no_show']);

    const rotated = await t.app.inject({ method: 'POST', url: `${url}/rotate-secret`, headers: supervisor.headers });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().secret).toMatch(/^whsec_/);
    expect(rotated.json().secret).not.toBe(secret);
    expect(rotated.json().webhook.secretRotatedAt).not.toBeNull();

    const disabled = await t.app.inject({ method: 'POST', url: `${url}/disable`, headers: supervisor.headers });
    expect(disabled.json()).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('supervisor') });
    const enabled = await t.app.inject({ method: 'POST', url: `${url}/enable`, headers: supervisor.headers });
    expect(enabled.json()).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null });

    expect((await t.app.inject({ method: 'DELETE', url, headers: supervisor.headers })).statusCode).toBe(204);
    expectProblem(await t.app.inject({ url, headers: supervisor.headers }), 404);
    const actions = await t.prisma.auditEvent.findMany({
      where: { entityId: webhookId },
      orderBy: { occurredAt: 'asc' },
      select: { action: true },
    });
    expect(actions.map((a) => a.action)).toEqual([
      'webhook.create',
      'webhook.update',
      'webhook.rotate_secret',
      'webhook.disable',
      'webhook.enable',
      'webhook.delete',
    ]);
  });

  it('refuses targets that are not http(s), carry credentials, or name an unknown event', async () => {
    for (const payload of [
      { url: 'ftp://hooks.example.org/x', events: ['appointment.booked'] },
      { url: 'https://user:pw@hooks.example.org/x', events: ['appointment.booked'] },
      { url: 'not a url', events: ['appointment.booked'] },
      { url: 'https://hooks.example.org/x', events: [] },
      { url: 'https://hooks.example.org/x', events: ['appointment.booked', 'appointment.booked'] },
      { url: 'https://hooks.example.org/x', events: ['person.created'] },
    ]) {
      expectProblem(
        await t.app.inject({ method: 'POST', url: '/v1/webhooks', headers: supervisor.headers, payload }),
        400,
      );
    }
  });
});

describe('delivery', () => {
  it('documentation transitions arrive in order, signed (README verification), with no personal data', async () => {
    const r = await receiver();
    const { webhookId, secret } = await subscribe(supervisor, r.url, [
      'documentation_request.state_changed',
      'documentation_request.ready_for_pickup',
    ]);
    const person = await createPerson(t.prisma, la.id);
    const request = await fileRequest(t.app, officer.headers, person.id);
    await walk(t.app, supervisor.headers, request.id, ['under_review', 'approved', 'issued']);
    await settled(supervisor, webhookId, 4);
    expect(r.received.map((x) => x.json.type)).toEqual([
      'documentation_request.state_changed',
      'documentation_request.state_changed',
      'documentation_request.state_changed',
      'documentation_request.ready_for_pickup',
    ]);
    expect(r.received.map((x) => [x.json.data.from, x.json.data.to])).toEqual([
      ['submitted', 'under_review'],
      ['under_review', 'approved'],
      ['approved', 'issued'],
      [undefined, undefined],
    ]);
    for (const x of r.received) {
      expect(verifyWebhook(secret, x.headers, x.body, clock.now().getTime())).toBe(true);
      expect(verifyWebhook(secret, x.headers, x.body.replace('passport', 'Passport'), clock.now().getTime())).toBe(
        false,
      );
      expect(x.headers['content-type']).toBe('application/json');
      expect(x.json.data).toMatchObject({
        id: request.id,
        reference: request.reference,
        consulateId: la.id,
        consulateCode: 'WHLAX',
        personId: person.id,
        documentationType: 'passport',
      });
      for (const word of [...PERSONAL, person.curp]) expect(x.body).not.toContain(word);
    }
    expect(r.received[3]!.json.data).toMatchObject({ state: 'issued', issuedAt: expect.any(String) });
    // One webhook-id per event, whatever the attempts.
    expect(new Set(r.received.map((x) => x.headers['webhook-id'])).size).toBe(4);
    const list = await deliveries(supervisor, webhookId);
    expect(list.find((d) => d.eventType === 'documentation_request.ready_for_pickup')).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      lastStatusCode: 200,
      lastLatencyMs: expect.any(Number),
      nextAttemptAt: null,
      eventType: 'documentation_request.ready_for_pickup',
    });
    // Logs name deliveries and subscriptions, never the receiver's answer, the secret or the person.
    const logged = JSON.stringify(t.logs);
    expect(logged).toContain('webhook delivery attempted');
    for (const word of [...PERSONAL, person.curp, secret.slice(6)]) expect(logged).not.toContain(word);
  });

  it('a receiver that fails twice then succeeds gets the event exactly once more', async () => {
    const r = await receiver((n) => (n <= 2 ? 503 : 200));
    const { webhookId } = await subscribe(supervisor, r.url, ['documentation_request.state_changed']);
    const person = await createPerson(t.prisma, la.id);
    const request = await fileRequest(t.app, officer.headers, person.id);
    await walk(t.app, supervisor.headers, request.id, ['under_review']);
    const [delivery] = await settled(supervisor, webhookId, 1);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 3, lastStatusCode: 200, lastError: null });
    expect(r.received.map((x) => x.answered)).toEqual([503, 503, 200]);
    expect(new Set(r.received.map((x) => x.headers['webhook-id'])).size).toBe(1);
    const sub = await t.app.inject({ url: `/v1/webhooks/${webhookId}`, headers: supervisor.headers });
    expect(sub.json()).toMatchObject({ enabled: true, failingSince: null });
  });

  it('a 4xx answer is final; redelivery sends the same event again', async () => {
    let gone = true;
    const r = await receiver(() => (gone ? 410 : 200));
    const { webhookId } = await subscribe(supervisor, r.url, ['documentation_request.state_changed']);
    const person = await createPerson(t.prisma, la.id);
    const request = await fileRequest(t.app, officer.headers, person.id);
    await walk(t.app, supervisor.headers, request.id, ['under_review']);
    const [failed] = await settled(supervisor, webhookId, 1);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: 410, lastError: 'HTTP 410' });
    gone = false;
    const again = await t.app.inject({
      method: 'POST',
      url: `/v1/webhooks/${webhookId}/deliveries/${failed!.id}/redeliver`,
      headers: supervisor.headers,
    });
    expect(again.statusCode, again.body).toBe(202);
    expect(again.json()).toMatchObject({ status: 'pending', eventId: failed!.eventId });
    const list = await settled(supervisor, webhookId, 2);
    expect(list.map((d) => d.status).sort()).toEqual(['failed', 'succeeded']);
    expect(r.received.map((x) => x.answered)).toEqual([410, 200]);
    expect(r.received[0]!.headers['webhook-id']).toBe(r.received[1]!.headers['webhook-id']);
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: `/v1/webhooks/${webhookId}/deliveries/${failed!.id}/redeliver`,
        headers: otherSupervisor.headers,
      }),
      404,
    );
  });

  it('a change that is rolled back sends nothing', async () => {
    const r = await receiver();
    const { webhookId } = await subscribe(supervisor, r.url, ['documentation_request.state_changed']);
    const person = await createPerson(t.prisma, la.id);
    const request = await fileRequest(t.app, officer.headers, person.id);
    const before = await t.prisma.webhookEvent.count();
    // A stale If-Match, and a transition that is not allowed: both refused, nothing written.
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: `/v1/documentation-requests/${request.id}/transitions`,
        headers: { ...supervisor.headers, 'if-match': '"7"' },
        payload: { to: 'under_review' },
      }),
      412,
    );
    expectProblem(await move(t.app, supervisor.headers, request.id, 'issued'), 409);
    expect(await t.prisma.webhookEvent.count()).toBe(before);
    expect(await t.prisma.webhookEvent.count({ where: { entityId: request.id } })).toBe(0);
    // The next committed change of the record is the first thing the receiver hears of it.
    await walk(t.app, supervisor.headers, request.id, ['under_review']);
    await settled(supervisor, webhookId, 1);
    expect(r.received.map((x) => x.json.data.to)).toEqual(['under_review']);
  });

  it('appointments: an office booking (the one-statement path), a cancellation, no-shows; a visit confirmed and cancelled', async () => {
    const r = await receiver();
    const { webhookId } = await subscribe(supervisor, r.url, [
      'appointment.booked',
      'appointment.cancelled',
      'appointment.no_show',
      'mobile_visit.confirmed',
      'mobile_visit.cancelled',
    ]);
    clock.set('2026-11-02T08:00:00-08:00');
    const [p1, p2] = [await createPerson(t.prisma, la.id), await createPerson(t.prisma, la.id)];
    const first = await booked(t.app, officer.headers, {
      personId: p1.id,
      service: 'passport',
      startsAt: '2026-11-03T09:00:00-08:00',
    });
    // Idempotent booking (the statement joins the key's transaction).
    const second = await book(
      t.app,
      { ...officer.headers, 'idempotency-key': 'wh-book-1' },
      {
        personId: p2.id,
        service: 'consular_id',
        startsAt: '2026-11-03T09:30:00-08:00',
      },
    );
    expect(second.statusCode, second.body).toBe(201);
    expect(
      (await moveTo(t.app, officer.headers, 'appointments', first.id, 'cancelled', 'asked by phone')).statusCode,
    ).toBe(200);
    await settled(supervisor, webhookId, 3);

    clock.set('2026-11-03T13:00:00-08:00');
    const marked = await t.app.inject({
      method: 'POST',
      url: '/v1/appointments/mark-no-shows',
      headers: supervisor.headers,
      payload: { date: '2026-11-03' },
    });
    expect(marked.statusCode, marked.body).toBe(200);
    expect(marked.json().marked).toBe(1);

    const visit = await createVisit(t.app, supervisor.headers, {
      days: [{ date: '2026-11-07', opens: '09:00', closes: '13:00' }],
    });
    const p3 = await createPerson(t.prisma, la.id);
    expect((await moveTo(t.app, supervisor.headers, 'mobile-visits', visit.id, 'confirmed')).statusCode).toBe(200);
    const atVisit = await booked(t.app, officer.headers, {
      personId: p3.id,
      service: 'passport',
      mobileVisitId: visit.id,
      startsAt: '2026-11-07T10:00:00-08:00',
    });
    expect(
      (await moveTo(t.app, supervisor.headers, 'mobile-visits', visit.id, 'cancelled', 'Venue flooded')).statusCode,
    ).toBe(200);
    await settled(supervisor, webhookId, 8);
    const seen = r.received.map((x) => [x.json.type, x.json.data.id]);
    expect(seen).toEqual([
      ['appointment.booked', first.id],
      ['appointment.booked', second.json().id],
      ['appointment.cancelled', first.id],
      ['appointment.no_show', second.json().id],
      ['mobile_visit.confirmed', visit.id],
      ['appointment.booked', atVisit.id],
      ['mobile_visit.cancelled', visit.id],
      ['appointment.cancelled', atVisit.id],
    ]);
    const booking = r.received[0]!.json;
    expect(booking.data).toEqual({
      id: first.id,
      consulateId: la.id,
      consulateCode: 'WHLAX',
      mobileVisitId: null,
      personId: p1.id,
      service: 'passport',
      state: 'booked',
      startsAt: '2026-11-03T17:00:00.000Z',
      endsAt: '2026-11-03T17:30:00.000Z',
      localDate: '2026-11-03',
      timeZone: 'America/Los_Angeles',
      at: expect.stringMatching(/^2026-11-02T\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    // The visit-path booking carries the same fields.
    expect(Object.keys(r.received[5]!.json.data).sort()).toEqual(Object.keys(booking.data).sort());
    expect(r.received[7]!.json.data).toMatchObject({ from: 'booked', cause: 'mobile_visit_cancelled' });
    expect(r.received[6]!.json.data).toMatchObject({ from: 'confirmed', state: 'cancelled', appointmentsCancelled: 1 });
    for (const x of r.received) {
      for (const word of [
        ...PERSONAL,
        'asked by phone',
        'Venue flooded',
        'Santa Ana',
        'Guadalupe',
        first.confirmationCode,
      ])
        expect(x.body).not.toContain(word);
    }
  });

  it('confidential cases: only the network’s subscription hears of them, and only their ids', async () => {
    const hq = await receiver();
    const local = await receiver();
    const network = await subscribe(admin, hq.url, ['protection_case.escalated', 'protection_case.transferred']);
    const mine = await subscribe(supervisor, local.url, ['protection_case.escalated', 'protection_case.transferred']);
    const theirs = await subscribe(otherSupervisor, (await receiver()).url, ['protection_case.transferred']);
    const open = async (confidential: boolean) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/protection-cases',
        headers: protection.headers,
        payload: {
          category: 'detention',
          priority: 'urgent',
          confidential,
          summary: 'Detained in Adelanto; requests a visit.',
          consent: { given: true, recordedAt: '2026-11-03T20:55:00Z', channel: 'phone' },
        },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json();
    };
    const plain = await open(false);
    const secret = await open(true);
    for (const kase of [plain, secret]) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/protection-cases/${kase.id}/escalate`,
        headers: protection.headers,
        payload: { reason: 'Minor involved' },
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    const moved = await t.app.inject({
      method: 'POST',
      url: `/v1/protection-cases/${plain.id}/transfer`,
      headers: supervisor.headers,
      payload: { consulateId: sd.id, reason: 'Moved to San Diego' },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    await settled(admin, network.webhookId, 3);
    await settled(supervisor, mine.webhookId, 2);
    // The destination consulate hears of the transfer too.
    await settled(otherSupervisor, theirs.webhookId, 1);
    expect(local.received.map((x) => [x.json.type, x.json.data.id])).toEqual([
      ['protection_case.escalated', plain.id],
      ['protection_case.transferred', plain.id],
    ]);
    const confidential = hq.received.find((x) => x.json.data.id === secret.id)!;
    expect(confidential.json).toEqual({
      type: 'protection_case.escalated',
      timestamp: expect.any(String),
      data: { id: secret.id, consulateId: la.id },
    });
    expect(local.received[0]!.json.data).toMatchObject({
      reference: plain.reference,
      category: 'detention',
      priority: 'urgent',
      consulateCode: 'WHLAX',
    });
    expect(local.received[1]!.json.data).toMatchObject({ fromConsulateId: la.id, toConsulateId: sd.id });
    for (const x of [...hq.received, ...local.received]) {
      for (const word of ['Adelanto', 'Minor involved', 'San Diego']) expect(x.body).not.toContain(word);
    }
  });

  it('a subscription failing for a day is disabled and says why', async () => {
    const r = await receiver(() => 500);
    const { webhookId } = await subscribe(supervisor, r.url, ['documentation_request.state_changed']);
    const person = await createPerson(t.prisma, la.id);
    const request = await fileRequest(t.app, officer.headers, person.id);
    await walk(t.app, supervisor.headers, request.id, ['under_review']);
    const failing = await eventually<Record<string, any>>(async () => {
      const res = await t.app.inject({ url: `/v1/webhooks/${webhookId}`, headers: supervisor.headers });
      return res.json().failingSince ? res.json() : undefined;
    });
    expect(failing.enabled).toBe(true);
    // A day and a bit later, still failing.
    clock.set(new Date(Date.parse(failing.failingSince) + 25 * 3_600_000).toISOString());
    const disabled = await eventually<Record<string, any>>(async () => {
      const res = await t.app.inject({ url: `/v1/webhooks/${webhookId}`, headers: supervisor.headers });
      return res.json().enabled ? undefined : res.json();
    });
    expect(disabled.disabledReason).toMatch(/^Every delivery has failed since .+ \(last: HTTP 500\)$/);
    const [delivery] = await deliveries(supervisor, webhookId);
    expect(delivery).toMatchObject({ status: 'failed', lastStatusCode: 500 });
    expect(await t.prisma.auditEvent.count({ where: { entityId: webhookId, action: 'webhook.auto_disable' } })).toBe(1);
    // Disabled: new events are not queued for it.
    await walk(t.app, supervisor.headers, request.id, ['approved']);
    expect(await deliveries(supervisor, webhookId)).toHaveLength(1);
  });
});

describe('targets (SSRF)', () => {
  const strict = { strict: true, allowedHosts: ['gateway.internal'] };
  const lax = { strict: false, allowedHosts: [] };

  it('production takes https to public addresses only, unless the host is allowed', () => {
    expect(refuseTarget('https://hooks.example.org/x', strict)).toBeNull();
    expect(refuseTarget('http://hooks.example.org/x', strict)).toMatch(/https/);
    for (const url of [
      'https://127.0.0.1/x',
      'https://10.1.2.3/x',
      'https://169.254.169.254/latest/meta-data',
      'https://192.168.0.10/x',
      'https://[::1]/x',
      'https://[fd00::1]/x',
      'https://[::ffff:127.0.0.1]/x',
      'https://localhost/x',
      'https://api.localhost/x',
    ]) {
      expect(refuseTarget(url, strict), url).not.toBeNull();
    }
    expect(refuseTarget('https://gateway.internal/x', strict)).toBeNull();
    // Elsewhere (development, tests) http and loopback are fine.
    expect(refuseTarget('http://127.0.0.1:8080/x', lax)).toBeNull();
    expect(isNonPublicAddress('8.8.8.8')).toBe(false);
    expect(isNonPublicAddress('2606:4700::1111')).toBe(false);
  });

  it('each attempt re-checks the resolved address: a name that resolves to loopback is refused', async () => {
    const r = await receiver();
    const port = new URL(r.url).port;
    const literal = await postOnce({
      url: `https://127.0.0.1:${port}/hook`,
      headers: {},
      body: '{}',
      timeoutMs: 2000,
      policy: strict,
    });
    expect(literal.error).toBe('refused target');
    // A refused target is final: retrying would not change the answer.
    expect(isRetryable(literal)).toBe(false);
    // Through a name that resolves (localhost) with the strict policy: refused at connection time.
    const viaName = await postOnce({
      url: `http://localhost:${port}/hook`,
      headers: {},
      body: '{}',
      timeoutMs: 2000,
      policy: strict,
    });
    expect(viaName.error).toBe('refused target');
    expect(r.received).toHaveLength(0);
  });

  it('an attempt aborted before it starts (the dispatcher stopping) settles as aborted and leaves no error unheard', async () => {
    // A request destroyed before its 'error' listener was attached made an uncaught
    // "socket hang up" in CI: in the service, that would end the process.
    const r = await receiver();
    const controller = new AbortController();
    controller.abort();
    const result = await postOnce({
      url: `${r.url}/hook`,
      headers: {},
      body: '{}',
      timeoutMs: 2000,
      policy: lax,
      signal: controller.signal,
    });
    expect(result.error).toBe('aborted');
    // Let any late socket error surface inside this test if it were unheard.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(r.received).toHaveLength(0);
  });
});
