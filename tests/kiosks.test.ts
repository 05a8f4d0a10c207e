import { beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './helpers/assertions.ts';
import { buildTestApp, testClock, useTestApp } from './helpers/build-test-app.ts';
import { fileRequest, walk } from './helpers/documentation.ts';
import { kioskToken, registerKiosk, type KioskDevice } from './helpers/kiosk.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson } from './factories/persons.ts';

const clock = testClock('2026-11-04T17:00:00Z'); // Wednesday, 09:00 in Los Angeles
const t = useTestApp({ clock });

let consulate: { id: string; code: string };
let supervisor: LoggedIn;
let officer: LoggedIn;
let kiosk: KioskDevice;

beforeAll(async () => {
  consulate = await createConsulate(t.prisma, { code: 'KSLAX', timeZone: 'America/Los_Angeles' });
  supervisor = await loginAs(t.app, t.prisma, 'supervisor', consulate.id);
  officer = await loginAs(t.app, t.prisma, 'documentation_officer', consulate.id);
  kiosk = await registerKiosk(t.app, supervisor);
});

const status = (device: KioskDevice, reference: string, dateOfBirth: string, language?: string) =>
  t.app.inject({
    url: `/v1/kiosk/request-status?reference=${encodeURIComponent(reference)}&dateOfBirth=${dateOfBirth}`,
    headers: { ...device.headers, ...(language ? { 'accept-language': language } : {}) },
  });

describe('device identity', () => {
  it('registers a kiosk with a secret shown once and stored only as a hash; lists it with last-seen time', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/kiosks',
      headers: supervisor.headers,
      payload: { name: 'Entrance', location: 'Door B' },
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      kioskId: expect.any(String),
      kiosk: { name: 'Entrance', location: 'Door B', enabled: true, consulateId: consulate.id, lastSeenAt: null },
    });
    expect(body.secret.length).toBeGreaterThanOrEqual(40);
    const row = await t.prisma.kiosk.findUniqueOrThrow({ where: { id: body.kioskId } });
    expect(row.secretHash).not.toContain(body.secret);
    expect(
      JSON.stringify(
        await t.app.inject({ url: `/v1/kiosks/${body.kioskId}`, headers: supervisor.headers }).then((r) => r.json()),
      ),
    ).not.toContain(body.secret);
    expect(JSON.stringify(await t.prisma.auditEvent.findMany({ where: { entityId: body.kioskId } }))).not.toContain(
      body.secret,
    );

    clock.set('2026-11-04T17:05:00Z');
    expect((await kioskToken(t.app, body.kioskId, body.secret)).statusCode).toBe(200);
    const list = await t.app.inject({ url: '/v1/kiosks', headers: supervisor.headers });
    const listed = list.json().data.find((k: { id: string }) => k.id === body.kioskId);
    expect(listed.lastSeenAt).toBe('2026-11-04T17:05:00.000Z');
    clock.set('2026-11-04T17:00:00Z');
  });

  it('token: a wrong secret or unknown kiosk is 401, and the token is a kiosk JWT for 15 minutes', async () => {
    expectProblem(await kioskToken(t.app, kiosk.kioskId, 'x'.repeat(43)), 401);
    expectProblem(await kioskToken(t.app, crypto.randomUUID(), kiosk.secret), 401);
    const res = await kioskToken(t.app, kiosk.kioskId, kiosk.secret);
    expect(res.json()).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    const claims = JSON.parse(Buffer.from(res.json().accessToken.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ kind: 'kiosk', sub: kiosk.kioskId, cid: consulate.id });
    expect(claims.exp - claims.iat).toBe(900);
  });

  it('a disabled kiosk stops working at the next request; enabled again it works', async () => {
    const device = await registerKiosk(t.app, supervisor, 'To disable');
    expect((await t.app.inject({ url: '/v1/kiosk/queue', headers: device.headers })).statusCode).toBe(200);
    const off = await t.app.inject({
      method: 'POST',
      url: `/v1/kiosks/${device.kioskId}/disable`,
      headers: supervisor.headers,
    });
    expect(off.json()).toMatchObject({ enabled: false, disabledAt: expect.any(String) });
    expectProblem(await t.app.inject({ url: '/v1/kiosk/queue', headers: device.headers }), 401);
    expectProblem(await kioskToken(t.app, device.kioskId, device.secret), 401);
    await t.app.inject({ method: 'POST', url: `/v1/kiosks/${device.kioskId}/enable`, headers: supervisor.headers });
    expect((await t.app.inject({ url: '/v1/kiosk/queue', headers: device.headers })).statusCode).toBe(200);
  });

  it('rotating the secret ends the old secret and the tokens issued with it', async () => {
    const device = await registerKiosk(t.app, supervisor, 'To rotate');
    const rotated = await t.app.inject({
      method: 'POST',
      url: `/v1/kiosks/${device.kioskId}/rotate-secret`,
      headers: supervisor.headers,
    });
    expect(rotated.statusCode).toBe(200);
    const { secret } = rotated.json();
    expect(secret).not.toBe(device.secret);
    expectProblem(await kioskToken(t.app, device.kioskId, device.secret), 401);
    expectProblem(await t.app.inject({ url: '/v1/kiosk/queue', headers: device.headers }), 401);
    const fresh = await kioskToken(t.app, device.kioskId, secret);
    expect(fresh.statusCode).toBe(200);
    expect(
      (await t.app.inject({ url: '/v1/kiosk/queue', headers: { authorization: `Bearer ${fresh.json().accessToken}` } }))
        .statusCode,
    ).toBe(200);
  });

  it('only supervisors of the consulate and admins manage kiosks', async () => {
    expectProblem(
      await t.app.inject({ method: 'POST', url: '/v1/kiosks', headers: officer.headers, payload: { name: 'x' } }),
      403,
    );
    const elsewhere = await loginAs(t.app, t.prisma, 'supervisor', (await createConsulate(t.prisma)).id);
    expectProblem(
      await t.app.inject({ method: 'POST', url: `/v1/kiosks/${kiosk.kioskId}/disable`, headers: elsewhere.headers }),
      404,
    );
    expect((await t.app.inject({ url: '/v1/kiosks?limit=200', headers: elsewhere.headers })).json().data).toEqual([]);
  });

  it('kiosk tokens are refused on staff endpoints (403), staff tokens on kiosk endpoints (403)', async () => {
    for (const url of [
      '/v1/auth/me',
      '/v1/consulates',
      '/v1/persons',
      '/v1/documentation-requests',
      '/v1/kiosks',
      '/v1/queue/tickets',
    ]) {
      expectProblem(await t.app.inject({ url, headers: kiosk.headers }), 403);
    }
    for (const url of [
      '/v1/kiosk/queue',
      '/v1/kiosk/request-status?reference=KSLAX-2026-000001&dateOfBirth=1990-01-01',
    ]) {
      expectProblem(await t.app.inject({ url, headers: supervisor.headers }), 403);
    }
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/v1/kiosk/tickets',
        headers: officer.headers,
        payload: { service: 'passport' },
      }),
      403,
    );
    expectProblem(await t.app.inject({ url: '/v1/kiosk/queue' }), 401);
  });
});

describe('request status look-up', () => {
  it('answers the state and next step in English or Spanish, with the due date and nothing personal', async () => {
    const person = await createPerson(t.prisma, consulate.id, { dateOfBirth: new Date('1980-02-14T00:00:00Z') });
    const request = await fileRequest(t.app, officer.headers, person.id);
    await walk(t.app, officer.headers, request.id, ['under_review', 'needs_information']);
    const en = await status(kiosk, request.reference.toLowerCase(), '1980-02-14');
    expect(en.statusCode, en.body).toBe(200);
    expect(en.headers['content-language']).toBe('en');
    expect(Object.keys(en.json()).sort()).toEqual([
      'dueDate',
      'language',
      'nextStep',
      'reference',
      'state',
      'status',
      'type',
      'typeName',
    ]);
    expect(en.json()).toMatchObject({
      reference: request.reference,
      state: 'needs_information',
      status: 'Information needed',
      language: 'en',
    });
    expect(en.json().nextStep).toMatch(/more information/);
    const es = await status(kiosk, request.reference, '1980-02-14', 'es-MX,es;q=0.9,en;q=0.5');
    expect(es.json()).toMatchObject({ status: 'Falta información', language: 'es' });
    expect(es.json().nextStep).toMatch(/Necesitamos más información/);
    const text = en.body + es.body;
    for (const personal of [person.givenNames, person.firstSurname, person.curp!, '1980-02-14', person.id])
      expect(text).not.toContain(personal);
  });

  it('gives the same 404 for an unknown reference and a wrong date of birth, and for another consulate’s request', async () => {
    const person = await createPerson(t.prisma, consulate.id, { dateOfBirth: new Date('1975-06-01T00:00:00Z') });
    const request = await fileRequest(t.app, officer.headers, person.id);
    const other = await createConsulate(t.prisma, { code: 'KSOTH' });
    const otherSupervisor = await loginAs(t.app, t.prisma, 'supervisor', other.id);
    const foreignKiosk = await registerKiosk(t.app, otherSupervisor);
    const answers = [
      await status(kiosk, 'KSLAX-2026-999999', '1975-06-01'),
      await status(kiosk, request.reference, '1975-06-02'),
      await status(foreignKiosk, request.reference, '1975-06-01'),
    ];
    const bodies = answers.map((r) => ({ ...expectProblem(r, 404), instance: undefined }));
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[2]).toEqual(bodies[0]);
  });

  it('locks a reference for every kiosk after 5 failed look-ups within the hour, until that hour is over', async () => {
    clock.set('2026-11-04T18:00:00Z');
    const person = await createPerson(t.prisma, consulate.id, { dateOfBirth: new Date('1966-09-16T00:00:00Z') });
    const request = await fileRequest(t.app, officer.headers, person.id);
    const second = await registerKiosk(t.app, supervisor, 'Second kiosk');
    for (let i = 1; i <= 5; i++) {
      clock.set(`2026-11-04T18:${String(i * 5).padStart(2, '0')}:00Z`);
      expectProblem(
        await status(i % 2 ? kiosk : second, request.reference, `1966-09-${String(i).padStart(2, '0')}`),
        404,
      );
    }
    // The hour began with the first failure (18:05): until 19:05 even the right
    // date of birth, from any kiosk, is refused.
    clock.set('2026-11-04T18:30:00Z');
    const locked = expectProblem(await status(second, request.reference, '1966-09-16'), 429);
    expect(locked.detail).toMatch(/locked for 35 minutes/);
    clock.set('2026-11-04T19:04:59Z');
    expectProblem(await status(kiosk, request.reference, '1966-09-16'), 429);
    clock.set('2026-11-04T19:05:01Z');
    expect((await status(kiosk, request.reference, '1966-09-16')).statusCode).toBe(200);
    // An unknown reference locks just the same (the lock says nothing about existence).
    clock.set('2026-11-04T20:00:00Z');
    for (let i = 0; i < 5; i++) await status(kiosk, 'KSLAX-2026-777777', '2000-01-01');
    expectProblem(await status(kiosk, 'KSLAX-2026-777777', '2000-01-01'), 429);
    clock.set('2026-11-04T17:00:00Z');
  });

  it('rate-limits look-ups per kiosk', async () => {
    const limited = await buildTestApp({ env: { KIOSK_STATUS_RATE_LIMIT_PER_MINUTE: '3' }, clock });
    try {
      const c = await createConsulate(limited.prisma);
      const boss = await loginAs(limited.app, limited.prisma, 'supervisor', c.id);
      const [a, b] = [await registerKiosk(limited.app, boss, 'A'), await registerKiosk(limited.app, boss, 'B')];
      const ask = (d: KioskDevice) =>
        limited.app.inject({
          url: `/v1/kiosk/request-status?reference=RL-${d.kioskId.slice(0, 6)}&dateOfBirth=1990-01-01`,
          headers: d.headers,
        });
      for (let i = 0; i < 3; i++) expect((await ask(a)).statusCode).toBe(404);
      expectProblem(await ask(a), 429);
      expect((await ask(b)).statusCode).toBe(404);
    } finally {
      await limited.close();
    }
  });
});

describe('walk-in tickets and the lobby queue', () => {
  it('numbers tickets per day and service without repeats under 50 concurrent requests', async () => {
    const fresh = await createConsulate(t.prisma, { code: 'KSQ50', timeZone: 'America/Los_Angeles' });
    const boss = await loginAs(t.app, t.prisma, 'supervisor', fresh.id);
    const devices = [await registerKiosk(t.app, boss, 'One'), await registerKiosk(t.app, boss, 'Two')];
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.app.inject({
          method: 'POST',
          url: '/v1/kiosk/tickets',
          headers: devices[i % 2]!.headers,
          payload: { service: 'passport' },
        }),
      ),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(50).fill(201));
    const codes = responses.map((r) => r.json().ticket).sort();
    expect(codes).toEqual(Array.from({ length: 50 }, (_, i) => `P-${String(i + 1).padStart(3, '0')}`));
    const matricula = await t.app.inject({
      method: 'POST',
      url: '/v1/kiosk/tickets',
      headers: devices[0]!.headers,
      payload: { service: 'consular_id' },
    });
    expect(matricula.json()).toMatchObject({ ticket: 'M-001', waitingAhead: 0, state: 'waiting', source: 'walk_in' });
    // The next local day starts again at 001.
    clock.set('2026-11-05T17:00:00Z');
    const tomorrow = await t.app.inject({
      method: 'POST',
      url: '/v1/kiosk/tickets',
      headers: devices[0]!.headers,
      payload: { service: 'passport' },
    });
    expect(tomorrow.json()).toMatchObject({ ticket: 'P-001', date: '2026-11-05' });
    clock.set('2026-11-04T17:00:00Z');
  });

  it('refuses a service the consulate does not offer (409)', async () => {
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/v1/kiosk/tickets',
        headers: kiosk.headers,
        payload: { service: 'visa' },
      }),
      409,
    );
  });

  it('the board shows ticket numbers only; officers call the next ticket and mark it served or absent', async () => {
    const fresh = await createConsulate(t.prisma, { code: 'KSBRD', timeZone: 'America/Los_Angeles' });
    const boss = await loginAs(t.app, t.prisma, 'supervisor', fresh.id);
    const clerk = await loginAs(t.app, t.prisma, 'documentation_officer', fresh.id);
    const device = await registerKiosk(t.app, boss);
    for (let i = 0; i < 3; i++)
      await t.app.inject({
        method: 'POST',
        url: '/v1/kiosk/tickets',
        headers: device.headers,
        payload: { service: 'passport' },
      });

    const callNext = () =>
      t.app.inject({
        method: 'POST',
        url: '/v1/queue/call-next',
        headers: clerk.headers,
        payload: { service: 'passport', counter: 'Window 3' },
      });
    const [first, second] = await Promise.all([callNext(), callNext()]);
    expect([first.json().ticket, second.json().ticket].sort()).toEqual(['P-001', 'P-002']);
    expect(first.json()).toMatchObject({ state: 'called', counter: 'Window 3' });

    const board = await t.app.inject({ url: '/v1/kiosk/queue', headers: device.headers });
    const body = board.json();
    expect(Object.keys(body).sort()).toEqual(['date', 'services']);
    for (const s of body.services) {
      expect(Object.keys(s).sort()).toEqual(['called', 'service', 'waiting']);
      for (const c of s.called) expect(Object.keys(c).sort()).toEqual(['counter', 'ticket']);
      for (const w of s.waiting) expect(w).toMatch(/^[A-Z]-\d{3,}$/);
    }
    const passport = body.services.find((s: { service: string }) => s.service === 'passport');
    expect(passport.waiting).toEqual(['P-003']);
    expect(passport.called.map((c: { ticket: string }) => c.ticket).sort()).toEqual(['P-001', 'P-002']);

    const served = await t.app.inject({
      method: 'POST',
      url: `/v1/queue/tickets/${first.json().id}/transitions`,
      headers: { ...clerk.headers, 'if-match': first.headers.etag as string },
      payload: { to: 'served' },
    });
    expect(served.json()).toMatchObject({ state: 'served', finishedAt: expect.any(String) });
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: `/v1/queue/tickets/${first.json().id}/transitions`,
        headers: { ...clerk.headers, 'if-match': served.headers.etag as string },
        payload: { to: 'absent' },
      }),
      409,
    );
    await callNext();
    expectProblem(await callNext(), 404);
    const list = await t.app.inject({ url: '/v1/queue/tickets?service=passport', headers: clerk.headers });
    // The two simultaneous calls took P-001 and P-002 in either order; `first` was served.
    const servedTicket = first.json().ticket as string;
    expect(list.json().data.map((x: { ticket: string; state: string }) => `${x.ticket}:${x.state}`)).toEqual(
      ['P-001', 'P-002', 'P-003'].map((code) => `${code}:${code === servedTicket ? 'served' : 'called'}`),
    );
    // Another consulate's officers see none of it.
    const outsider = await loginAs(t.app, t.prisma, 'documentation_officer', consulate.id);
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: `/v1/queue/tickets/${second.json().id}/transitions`,
        headers: { ...outsider.headers, 'if-match': '"2"' },
        payload: { to: 'served' },
      }),
      404,
    );
  });
});

describe('Idempotency-Key', () => {
  it('replays the first response for the same key and body, with Idempotent-Replayed', async () => {
    const headers = { ...kiosk.headers, 'idempotency-key': 'walkin-retry-1' };
    const first = await t.app.inject({
      method: 'POST',
      url: '/v1/kiosk/tickets',
      headers,
      payload: { service: 'consular_id' },
    });
    const retry = await t.app.inject({
      method: 'POST',
      url: '/v1/kiosk/tickets',
      headers,
      payload: { service: 'consular_id' },
    });
    expect(first.statusCode).toBe(201);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.json()).toEqual(first.json());
    expect(await t.prisma.queueTicket.count({ where: { id: first.json().id } })).toBe(1);
  });

  it('refuses the same key with another body (422) and scopes keys to the caller', async () => {
    const headers = { ...kiosk.headers, 'idempotency-key': 'walkin-retry-2' };
    expect(
      (await t.app.inject({ method: 'POST', url: '/v1/kiosk/tickets', headers, payload: { service: 'consular_id' } }))
        .statusCode,
    ).toBe(201);
    const mismatch = expectProblem(
      await t.app.inject({ method: 'POST', url: '/v1/kiosk/tickets', headers, payload: { service: 'passport' } }),
      422,
    );
    expect(mismatch.detail).toMatch(/different request/);
    // The same key from another kiosk is another request.
    const other = await registerKiosk(t.app, supervisor, 'Other');
    const theirs = await t.app.inject({
      method: 'POST',
      url: '/v1/kiosk/tickets',
      headers: { ...other.headers, 'idempotency-key': 'walkin-retry-2' },
      payload: { service: 'passport' },
    });
    expect(theirs.statusCode).toBe(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
  });

  it('two concurrent requests with one key: one runs, the other gets 409 or the replay; one ticket is made', async () => {
    const before = await t.prisma.queueTicket.count({ where: { consulateId: consulate.id, service: 'protection' } });
    const headers = { ...kiosk.headers, 'idempotency-key': 'walkin-concurrent-1' };
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        t.app.inject({ method: 'POST', url: '/v1/kiosk/tickets', headers, payload: { service: 'protection' } }),
      ),
    );
    const original = results.filter((r) => r.statusCode === 201 && !r.headers['idempotent-replayed']);
    expect(original).toHaveLength(1);
    for (const r of results) {
      if (r !== original[0]) {
        expect(r.statusCode === 409 || r.headers['idempotent-replayed'] === 'true', `${r.statusCode} ${r.body}`).toBe(
          true,
        );
        if (r.statusCode === 409) expect(r.json().type).toMatch(/idempotency-in-progress/);
      }
    }
    expect(await t.prisma.queueTicket.count({ where: { consulateId: consulate.id, service: 'protection' } })).toBe(
      before + 1,
    );
  });

  it('works the same for staff POSTs (a documentation request is filed once)', async () => {
    const person = await createPerson(t.prisma, consulate.id);
    const payload = { personId: person.id, type: 'passport', details: { application: 'first', validityYears: 6 } };
    const headers = { ...officer.headers, 'idempotency-key': 'file-once-1' };
    const a = await t.app.inject({ method: 'POST', url: '/v1/documentation-requests', headers, payload });
    const b = await t.app.inject({ method: 'POST', url: '/v1/documentation-requests', headers, payload });
    expect(b.json().reference).toBe(a.json().reference);
    expect(b.headers.etag).toBe(a.headers.etag);
    expect(b.headers.location).toBe(a.headers.location);
    expect(await t.prisma.documentationRequest.count({ where: { personId: person.id } })).toBe(1);
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/v1/documentation-requests',
        headers: { ...officer.headers, 'idempotency-key': 'bad key with spaces' },
        payload,
      }),
      400,
    );
  });
});
