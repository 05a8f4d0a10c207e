import { beforeAll, describe, expect, it } from 'vitest';
import {
  DOCUMENTATION_STATES,
  findTransition,
  TRANSITIONS,
} from '../src/modules/documentation-requests/documentation-requests.states.ts';
import { expectProblem } from './helpers/assertions.ts';
import { useTestApp } from './helpers/build-test-app.ts';
import { DETAILS, fileRequest, move, walk, type DocType } from './helpers/documentation.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson } from './factories/persons.ts';
import { createStaff } from './factories/staff.ts';

const t = useTestApp();

/** The shortest legal path from submitted to each state. */
const PATH_TO: Record<string, string[]> = {
  submitted: [],
  under_review: ['under_review'],
  needs_information: ['under_review', 'needs_information'],
  approved: ['under_review', 'approved'],
  issued: ['under_review', 'approved', 'issued'],
  delivered: ['under_review', 'approved', 'issued', 'delivered'],
  rejected: ['under_review', 'rejected'],
  cancelled: ['cancelled'],
};

let consulate: { id: string; code: string };
let supervisor: LoggedIn;
let officer: LoggedIn;

beforeAll(async () => {
  consulate = await createConsulate(t.prisma, { code: 'DOCLAX' });
  supervisor = await loginAs(t.app, t.prisma, 'supervisor', consulate.id);
  officer = await loginAs(t.app, t.prisma, 'documentation_officer', consulate.id);
});

const newPerson = (overrides = {}) => createPerson(t.prisma, consulate.id, overrides);

describe('filing a documentation request', () => {
  it('returns 201 with a reference, state submitted, flags, deadline and ETag', async () => {
    const person = await newPerson();
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/documentation-requests',
      headers: officer.headers,
      payload: { personId: person.id, type: 'passport', details: DETAILS.passport, feeCents: 12_500 },
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    const year = new Date().getUTCFullYear();
    expect(body.reference).toMatch(new RegExp(`^DOCLAX-(${year}|${year - 1}|${year + 1})-\\d{6}$`));
    expect(body).toMatchObject({
      state: 'submitted',
      type: 'passport',
      consulateId: consulate.id,
      personId: person.id,
      person: { id: person.id, givenNames: 'Juan Carlos' },
      flags: ['fee_pending'],
      feeCents: 12_500,
      paidCents: 0,
      details: DETAILS.passport,
      allowedTransitions: ['under_review', 'cancelled'],
      deadline: { businessDays: 10, pausedBusinessDays: 0, clockPaused: false, overdue: false },
      version: 1,
    });
    expect(body.daysRemaining).toBe(10);
    expect(res.headers.etag).toBe('"1"');
    const again = await t.app.inject({ url: `/v1/documentation-requests/${body.id}`, headers: officer.headers });
    expect(again.json().reference).toBe(body.reference);
  });

  it('numbers references per consulate and year without gaps or duplicates under 50 concurrent creates', async () => {
    const fresh = await createConsulate(t.prisma, { code: 'SEQ50' });
    const clerk = await loginAs(t.app, t.prisma, 'documentation_officer', fresh.id);
    const persons = await Promise.all(Array.from({ length: 50 }, () => createPerson(t.prisma, fresh.id)));
    const responses = await Promise.all(
      persons.map((p) =>
        t.app.inject({
          method: 'POST',
          url: '/v1/documentation-requests',
          headers: clerk.headers,
          payload: { personId: p.id, type: 'consular_id', details: DETAILS.consular_id },
        }),
      ),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(50).fill(201));
    const numbers = responses.map((r) => Number(r.json().reference.split('-')[2])).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const stored = await t.prisma.documentationRequest.findMany({
      where: { consulateId: fresh.id },
      select: { reference: true },
    });
    expect(new Set(stored.map((s) => s.reference)).size).toBe(50);
  });

  it('validates details per type and names the field', async () => {
    const person = await newPerson();
    const cases: [DocType, Record<string, unknown>, string][] = [
      ['passport', { ...DETAILS.passport, validityYears: 5 }, 'body.details.validityYears'],
      ['passport', { application: 'renewal', validityYears: 6 }, 'body.details.previousPassportNumber'],
      ['consular_id', { ...DETAILS.consular_id, genderMarker: 'Q' }, 'body.details.genderMarker'],
      [
        'consular_id',
        { ...DETAILS.consular_id, usAddress: { ...DETAILS.consular_id.usAddress, state: 'ZZ' } },
        'body.details.usAddress.state',
      ],
      [
        'birth_registration',
        { ...DETAILS.birth_registration, parents: [{ givenNames: 'A', firstSurname: 'B', nationality: 'US' }] },
        'body.details.parents',
      ],
      [
        'birth_registration',
        {
          ...DETAILS.birth_registration,
          child: { ...DETAILS.birth_registration.child, placeOfBirth: { country: 'MX', city: 'Guadalajara' } },
        },
        'body.details.child.placeOfBirth.country',
      ],
      [
        'gender_identity_recognition',
        {
          ...DETAILS.gender_identity_recognition,
          newName: DETAILS.gender_identity_recognition.registeredName,
          newMarker: 'M',
        },
        'body.details.newName',
      ],
      [
        'gender_identity_recognition',
        {
          ...DETAILS.gender_identity_recognition,
          originalBirthRecord: { recordNumber: '1', year: 1985, state: 'JAL' },
        },
        'body.details.originalBirthRecord.state',
      ],
    ];
    for (const [type, details, path] of cases) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/documentation-requests',
        headers: officer.headers,
        payload: { personId: person.id, type, details },
      });
      const body = expectProblem(res, 400);
      expect(
        body.errors.map((e: { path: string }) => e.path),
        `${type}: ${JSON.stringify(body.errors)}`,
      ).toContain(path);
    }
    const unknownType = expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/v1/documentation-requests',
        headers: officer.headers,
        payload: { personId: person.id, type: 'visa', details: {} },
      }),
      400,
    );
    expect(unknownType.errors[0].path).toBe('body.type');
    expect(await t.prisma.documentationRequest.count({ where: { personId: person.id } })).toBe(0);
  });

  it('applies the passport rules for minors and emergency passports', async () => {
    const today = new Date();
    const yearsAgo = (n: number) => new Date(Date.UTC(today.getUTCFullYear() - n, 0, 1));
    const toddler = await newPerson({ dateOfBirth: yearsAgo(1) });
    const teen = await newPerson({ dateOfBirth: yearsAgo(12) });
    const adult = await newPerson({ dateOfBirth: yearsAgo(40) });
    const consent = {
      method: 'both_parents_in_person',
      parents: [{ fullName: 'Ana Pérez', relationship: 'mother', identityDocument: 'INE 123' }],
    };
    const attempt = (personId: string, details: object, emergency = false) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/documentation-requests',
        headers: officer.headers,
        payload: { personId, type: 'passport', details, emergency },
      });
    const messageOf = async (p: Promise<{ statusCode: number; json(): any }>) => {
      const res = await p;
      return res.statusCode === 201
        ? 'ok'
        : res
            .json()
            .errors.map((e: { path: string; message: string }) => `${e.path}: ${e.message}`)
            .join('; ');
    };
    expect(
      await messageOf(attempt(toddler.id, { application: 'first', validityYears: 3, parentalConsent: consent })),
    ).toMatch(/validityYears: a child under 3 gets a 1-year passport/);
    expect(await messageOf(attempt(toddler.id, { application: 'first', validityYears: 1 }))).toMatch(
      /parentalConsent: is required for a minor/,
    );
    expect(
      await messageOf(attempt(toddler.id, { application: 'first', validityYears: 1, parentalConsent: consent })),
    ).toBe('ok');
    expect(
      await messageOf(attempt(teen.id, { application: 'first', validityYears: 10, parentalConsent: consent })),
    ).toMatch(/3- or 6-year/);
    expect(
      await messageOf(attempt(teen.id, { application: 'first', validityYears: 6, parentalConsent: consent })),
    ).toBe('ok');
    expect(await messageOf(attempt(adult.id, { application: 'first', validityYears: 1 }))).toMatch(
      /emergency passport/,
    );
    expect(await messageOf(attempt(adult.id, { application: 'first', validityYears: 10 }, true))).toMatch(
      /an emergency passport is valid for 1 year/,
    );
    expect(
      await messageOf(
        attempt(adult.id, { application: 'renewal', validityYears: 1, previousPassportNumber: 'G12345678' }, true),
      ),
    ).toBe('ok');
  });

  it('refuses a person of another consulate with 404', async () => {
    const other = await createConsulate(t.prisma);
    const stranger = await createPerson(t.prisma, other.id);
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/v1/documentation-requests',
        headers: officer.headers,
        payload: { personId: stranger.id, type: 'passport', details: DETAILS.passport },
      }),
      404,
    );
  });
});

describe('transitions', () => {
  // Table-driven from the same table the code uses: every (from, to) pair.
  for (const from of DOCUMENTATION_STATES) {
    it(`from ${from}: exactly the table's transitions succeed, every other is 409 naming the allowed ones`, async () => {
      for (const to of DOCUMENTATION_STATES) {
        const person = await newPerson();
        const request = await fileRequest(t.app, supervisor.headers, person.id);
        await walk(t.app, supervisor.headers, request.id, PATH_TO[from]!);
        const res = await move(t.app, supervisor.headers, request.id, to, 'a reason');
        if (findTransition(from, to)) {
          expect(res.statusCode, `${from} → ${to}: ${res.body}`).toBe(200);
          expect(res.json().state).toBe(to);
        } else {
          const body = expectProblem(res, 409);
          expect(body).toMatchObject({
            currentState: from,
            allowedTransitions: TRANSITIONS.filter((x) => x.from === from).map((x) => x.to),
          });
          expect(body.detail).toContain(`state ${from} cannot move to ${to}`);
        }
      }
    });
  }

  it('refuses, by an independent hand-written list, moves that must never happen', async () => {
    const mustRefuse: [string, string][] = [
      ['submitted', 'approved'],
      ['submitted', 'issued'],
      ['needs_information', 'approved'],
      ['needs_information', 'issued'],
      ['approved', 'cancelled'],
      ['approved', 'rejected'],
      ['issued', 'rejected'],
      ['issued', 'cancelled'],
      ['delivered', 'under_review'],
      ['rejected', 'under_review'],
      ['cancelled', 'submitted'],
      ['under_review', 'delivered'],
    ];
    for (const [from, to] of mustRefuse) {
      const person = await newPerson();
      const request = await fileRequest(t.app, supervisor.headers, person.id);
      await walk(t.app, supervisor.headers, request.id, PATH_TO[from]!);
      expectProblem(await move(t.app, supervisor.headers, request.id, to, 'a reason'), 409);
    }
  });

  it('requires a reason for rejected, cancelled and needs_information (400)', async () => {
    const person = await newPerson();
    const request = await fileRequest(t.app, supervisor.headers, person.id);
    await walk(t.app, supervisor.headers, request.id, ['under_review']);
    for (const to of ['rejected', 'cancelled', 'needs_information']) {
      const body = expectProblem(await move(t.app, supervisor.headers, request.id, to), 400);
      expect(body.errors).toEqual([{ path: 'body.reason', message: `is required for ${to}` }]);
    }
    expect(
      (await t.app.inject({ url: `/v1/documentation-requests/${request.id}`, headers: officer.headers })).json().state,
    ).toBe('under_review');
  });

  it('enforces the roles of the table: officers move requests along, only supervisors reject', async () => {
    for (const transition of TRANSITIONS) {
      const person = await newPerson();
      const request = await fileRequest(t.app, supervisor.headers, person.id);
      await walk(t.app, supervisor.headers, request.id, PATH_TO[transition.from]!);
      const res = await move(t.app, officer.headers, request.id, transition.to, 'a reason');
      expect(res.statusCode, `${transition.from} → ${transition.to}`).toBe(
        transition.roles.includes('documentation_officer') ? 200 : 403,
      );
    }
    const protection = await loginAs(t.app, t.prisma, 'protection_officer', consulate.id);
    const person = await newPerson();
    const request = await fileRequest(t.app, supervisor.headers, person.id);
    expectProblem(await move(t.app, protection.headers, request.id, 'under_review'), 403);
  });

  it('needs If-Match: 428 without, 412 when stale', async () => {
    const person = await newPerson();
    const request = await fileRequest(t.app, officer.headers, person.id);
    const url = `/v1/documentation-requests/${request.id}/transitions`;
    expectProblem(
      await t.app.inject({ method: 'POST', url, headers: officer.headers, payload: { to: 'under_review' } }),
      428,
    );
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url,
          headers: { ...officer.headers, 'if-match': '"1"' },
          payload: { to: 'under_review' },
        })
      ).statusCode,
    ).toBe(200);
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url,
        headers: { ...officer.headers, 'if-match': '"1"' },
        payload: { to: 'approved' },
      }),
      412,
    );
  });

  it('writes each transition to the timeline (who, when, from, to, reason) and the audit log (no reason text)', async () => {
    const person = await newPerson();
    const request = await fileRequest(t.app, officer.headers, person.id);
    await walk(t.app, officer.headers, request.id, ['under_review']);
    expect(
      (await move(t.app, officer.headers, request.id, 'needs_information', 'Falta acta de nacimiento de Juan'))
        .statusCode,
    ).toBe(200);
    const timeline = await t.app.inject({
      url: `/v1/documentation-requests/${request.id}/timeline`,
      headers: officer.headers,
    });
    expect(
      timeline.json().data.map((e: any) => [e.kind, e.fromState, e.toState, e.reason, e.actorId, e.actorRole]),
    ).toEqual([
      ['transition', null, 'submitted', null, officer.staff.id, 'documentation_officer'],
      ['transition', 'submitted', 'under_review', 'reason given', officer.staff.id, 'documentation_officer'],
      [
        'transition',
        'under_review',
        'needs_information',
        'Falta acta de nacimiento de Juan',
        officer.staff.id,
        'documentation_officer',
      ],
    ]);
    for (const e of timeline.json().data) expect(Date.parse(e.at)).not.toBeNaN();
    const audit = await t.prisma.auditEvent.findMany({
      where: { entityId: request.id },
      orderBy: { occurredAt: 'asc' },
    });
    expect(audit.map((a) => [a.action, a.details])).toEqual([
      ['documentation_request.create', { type: 'passport', potentialDuplicate: false }],
      ['documentation_request.transition', { from: 'submitted', to: 'under_review' }],
      ['documentation_request.transition', { from: 'under_review', to: 'needs_information' }],
    ]);
    expect(JSON.stringify(audit)).not.toContain('Falta acta');
  });

  it('takes a passport from submitted to delivered, as in the README', async () => {
    const person = await newPerson();
    const request = await fileRequest(t.app, officer.headers, person.id, 'passport', { feeCents: 0 });
    const done = await walk(t.app, officer.headers, request.id, ['under_review', 'approved', 'issued', 'delivered']);
    expect(done).toMatchObject({ state: 'delivered', allowedTransitions: [], daysRemaining: null });
    expect(done.resolvedAt).toEqual(expect.any(String));
    expect(done.issuedAt).toEqual(expect.any(String));
    expect(done.deadline.resolvedWithinDeadline).toBe(true);
  });

  it('the database refuses to rewrite a timeline', async () => {
    await expect(t.prisma.$executeRaw`UPDATE documentation_request_events SET reason = 'x'`).rejects.toThrow(
      /append-only/,
    );
    await expect(t.prisma.$executeRaw`DELETE FROM documentation_request_events`).rejects.toThrow(/append-only/);
  });
});

describe('flags', () => {
  it('flags a second open request of the same type for the same person; approval waits until the flag is cleared', async () => {
    const person = await newPerson();
    const first = await fileRequest(t.app, officer.headers, person.id, 'passport');
    expect(first.flags).toEqual([]);
    const second = await fileRequest(t.app, officer.headers, person.id, 'passport');
    expect(second.flags).toEqual(['potential_duplicate']);
    const otherType = await fileRequest(t.app, officer.headers, person.id, 'consular_id');
    expect(otherType.flags).toEqual([]);

    await walk(t.app, officer.headers, second.id, ['under_review']);
    const blocked = expectProblem(await move(t.app, officer.headers, second.id, 'approved'), 409);
    expect(blocked.detail).toMatch(/potential duplicate/);
    expect(blocked.flags).toEqual(['potential_duplicate']);

    const url = `/v1/documentation-requests/${second.id}/clear-flag`;
    expectProblem(
      await t.app.inject({ method: 'POST', url, headers: officer.headers, payload: { flag: 'potential_duplicate' } }),
      400,
    );
    const cleared = await t.app.inject({
      method: 'POST',
      url,
      headers: officer.headers,
      payload: { flag: 'potential_duplicate', reason: 'First request was lost in the mail' },
    });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json().flags).toEqual([]);
    expect((await move(t.app, officer.headers, second.id, 'approved')).statusCode).toBe(200);
    const timeline = (
      await t.app.inject({ url: `/v1/documentation-requests/${second.id}/timeline`, headers: officer.headers })
    ).json().data;
    expect(timeline.find((e: any) => e.kind === 'flag_cleared')).toMatchObject({
      reason: 'First request was lost in the mail',
      details: { flag: 'potential_duplicate' },
    });
  });

  it('flags by CURP across consulates, but not after the earlier request is closed', async () => {
    const other = await createConsulate(t.prisma);
    const otherOfficer = await loginAs(t.app, t.prisma, 'documentation_officer', other.id);
    const here = await newPerson();
    const there = await createPerson(t.prisma, other.id, { curp: here.curp, dateOfBirth: here.dateOfBirth });
    const first = await fileRequest(t.app, otherOfficer.headers, there.id, 'consular_id');
    const second = await fileRequest(t.app, officer.headers, here.id, 'consular_id');
    expect(second.flags).toEqual(['potential_duplicate']);
    await walk(t.app, otherOfficer.headers, first.id, ['cancelled']);
    const third = await fileRequest(t.app, officer.headers, (await newPerson()).id, 'consular_id');
    expect(third.flags).toEqual([]);
  });

  it('two simultaneous applications of one person still see each other', async () => {
    const person = await newPerson();
    const both = await Promise.all([
      fileRequest(t.app, officer.headers, person.id, 'birth_registration'),
      fileRequest(t.app, officer.headers, person.id, 'birth_registration'),
    ]);
    expect(both.map((r) => r.flags.includes('potential_duplicate')).sort()).toEqual([false, true]);
  });

  it('a filing whose person changed after the details were checked writes nothing (and takes no number)', async () => {
    const person = await newPerson();
    const filed = await fileRequest(t.app, officer.headers, person.id, 'consular_id');
    const year = Number(filed.reference.split('-')[1]);
    // What the service sends, with a date of birth other than the stored one.
    const call = t.prisma.$queryRawUnsafe(
      `SELECT * FROM file_documentation_request($1, $2::uuid, $3::uuid, 'consular_id', '{}'::jsonb, false, false, 0,
         now(), now(), 10, 3, $4::int, $5::uuid, 'documentation_officer', 'test', '1900-01-01'::date)`,
      consulate.code,
      consulate.id,
      person.id,
      year,
      officer.staff.id,
    );
    await expect(call).rejects.toThrow(/person changed while the request was being filed/);
    expect(await t.prisma.documentationRequest.count({ where: { personId: person.id } })).toBe(1);
    const next = await fileRequest(t.app, officer.headers, person.id, 'passport');
    expect(Number(next.reference.split('-')[2])).toBe(Number(filed.reference.split('-')[2]) + 1);
  });

  it('issuing waits for the fee: fee_pending until payments reach it', async () => {
    const person = await newPerson();
    const request = await fileRequest(t.app, officer.headers, person.id, 'passport', { feeCents: 5000 });
    expect(request.flags).toEqual(['fee_pending']);
    await walk(t.app, officer.headers, request.id, ['under_review', 'approved']);
    const blocked = expectProblem(await move(t.app, officer.headers, request.id, 'issued'), 409);
    expect(blocked.detail).toMatch(/fee is not paid/);
    const pay = (amountCents: number, receipt: string) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/documentation-requests/${request.id}/payments`,
        headers: officer.headers,
        payload: { amountCents, method: 'card', receipt },
      });
    const partial = await pay(3000, 'R-1');
    expect(partial.statusCode).toBe(201);
    expect(partial.json()).toMatchObject({ paidCents: 3000, flags: ['fee_pending'] });
    const rest = await pay(2000, 'R-2');
    expect(rest.json()).toMatchObject({ paidCents: 5000, flags: [] });
    expect((await move(t.app, officer.headers, request.id, 'issued')).statusCode).toBe(200);
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: `/v1/documentation-requests/${request.id}/clear-flag`,
        headers: officer.headers,
        payload: { flag: 'fee_pending', reason: 'x' },
      }),
      409,
    );
  });
});

describe('updates and assignment', () => {
  it('PATCH changes details while not approved (If-Match), validated per type; then refuses', async () => {
    const person = await newPerson();
    const request = await fileRequest(t.app, officer.headers, person.id, 'consular_id');
    const url = `/v1/documentation-requests/${request.id}`;
    const bad = expectProblem(
      await t.app.inject({
        method: 'PATCH',
        url,
        headers: { ...officer.headers, 'if-match': '"1"' },
        payload: { details: { ...DETAILS.consular_id, genderMarker: 'Q' } },
      }),
      400,
    );
    expect(bad.errors[0].path).toBe('body.details.genderMarker');
    const ok = await t.app.inject({
      method: 'PATCH',
      url,
      headers: { ...officer.headers, 'if-match': '"1"' },
      payload: { details: { ...DETAILS.consular_id, genderMarker: 'F' }, feeCents: 3500 },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({
      details: { genderMarker: 'F' },
      feeCents: 3500,
      flags: ['fee_pending'],
      version: 2,
    });
    await walk(t.app, officer.headers, request.id, ['under_review', 'approved']);
    const etag = (await t.app.inject({ url, headers: officer.headers })).headers.etag as string;
    expectProblem(
      await t.app.inject({
        method: 'PATCH',
        url,
        headers: { ...officer.headers, 'if-match': etag },
        payload: { feeCents: 0 },
      }),
      409,
    );
  });

  it('assigns to a documentation officer of the same consulate only', async () => {
    const person = await newPerson();
    const request = await fileRequest(t.app, officer.headers, person.id);
    const url = `/v1/documentation-requests/${request.id}/assign`;
    const colleague = await createStaff(t.prisma, { role: 'documentation_officer', consulateId: consulate.id });
    const res = await t.app.inject({
      method: 'POST',
      url,
      headers: officer.headers,
      payload: { staffId: colleague.id },
    });
    expect(res.json().assignedToId).toBe(colleague.id);
    const mine = await t.app.inject({
      url: `/v1/documentation-requests?assignedToId=${colleague.id}`,
      headers: officer.headers,
    });
    expect(mine.json().data.map((r: { id: string }) => r.id)).toEqual([request.id]);
    const elsewhere = await createStaff(t.prisma, {
      role: 'documentation_officer',
      consulateId: (await createConsulate(t.prisma)).id,
    });
    expectProblem(
      await t.app.inject({ method: 'POST', url, headers: officer.headers, payload: { staffId: elsewhere.id } }),
      404,
    );
    const protection = await createStaff(t.prisma, { role: 'protection_officer', consulateId: consulate.id });
    expectProblem(
      await t.app.inject({ method: 'POST', url, headers: officer.headers, payload: { staffId: protection.id } }),
      400,
    );
    expect(
      (await t.app.inject({ method: 'POST', url, headers: officer.headers, payload: { staffId: null } })).json()
        .assignedToId,
    ).toBeNull();
  });
});

describe('lists and scoping', () => {
  it('filters by state, type, flag, reference and person name; pages with a cursor', async () => {
    const fresh = await createConsulate(t.prisma);
    const clerk = await loginAs(t.app, t.prisma, 'documentation_officer', fresh.id);
    const rosa = await createPerson(t.prisma, fresh.id, { givenNames: 'Rosa', firstSurname: 'Ibáñez' });
    const luis = await createPerson(t.prisma, fresh.id, { givenNames: 'Luis', firstSurname: 'Ortega' });
    const a = await fileRequest(t.app, clerk.headers, rosa.id, 'passport', { feeCents: 100 });
    const b = await fileRequest(t.app, clerk.headers, luis.id, 'consular_id');
    const c = await fileRequest(t.app, clerk.headers, luis.id, 'passport', {
      emergency: true,
      details: { application: 'first', validityYears: 1 },
    });
    await walk(t.app, clerk.headers, b.id, ['under_review']);
    const ids = async (q: string) =>
      (await t.app.inject({ url: `/v1/documentation-requests?consulateId=${fresh.id}&${q}`, headers: clerk.headers }))
        .json()
        .data.map((r: { id: string }) => r.id);
    expect(await ids('state=under_review')).toEqual([b.id]);
    expect(await ids('type=passport')).toEqual([c.id, a.id]);
    expect(await ids('flag=fee_pending')).toEqual([a.id]);
    expect(await ids('flag=emergency')).toEqual([c.id]);
    expect(await ids('personName=IBANEZ')).toEqual([a.id]);
    expect(await ids(`reference=${a.reference}`)).toEqual([a.id]);
    expect(await ids('assignedToId=none')).toEqual([c.id, b.id, a.id]);
    const page1 = (
      await t.app.inject({ url: `/v1/documentation-requests?consulateId=${fresh.id}&limit=2`, headers: clerk.headers })
    ).json();
    const page2 = (
      await t.app.inject({
        url: `/v1/documentation-requests?consulateId=${fresh.id}&limit=2&cursor=${page1.nextCursor}`,
        headers: clerk.headers,
      })
    ).json();
    expect([...page1.data, ...page2.data].map((r: { id: string }) => r.id)).toEqual([c.id, b.id, a.id]);
    expect(page2.nextCursor).toBeNull();
  });

  it('another consulate’s requests are 404 and never listed; auditors and protection officers see none', async () => {
    const person = await newPerson();
    const request = await fileRequest(t.app, officer.headers, person.id);
    const other = await createConsulate(t.prisma);
    const outsider = await loginAs(t.app, t.prisma, 'supervisor', other.id);
    for (const url of [
      `/v1/documentation-requests/${request.id}`,
      `/v1/documentation-requests/${request.id}/timeline`,
    ]) {
      expectProblem(await t.app.inject({ url, headers: outsider.headers }), 404);
    }
    expectProblem(await move(t.app, outsider.headers, request.id, 'under_review'), 404);
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: `/v1/documentation-requests/${request.id}/payments`,
        headers: outsider.headers,
        payload: { amountCents: 1, method: 'cash', receipt: 'x' },
      }),
      404,
    );
    const list = await t.app.inject({ url: '/v1/documentation-requests?limit=200', headers: outsider.headers });
    expect(list.json().data).toEqual([]);
    const auditor = await loginAs(t.app, t.prisma, 'auditor');
    expectProblem(await t.app.inject({ url: '/v1/documentation-requests', headers: auditor.headers }), 403);
    const protection = await loginAs(t.app, t.prisma, 'protection_officer', consulate.id);
    expectProblem(
      await t.app.inject({ url: `/v1/documentation-requests/${request.id}`, headers: protection.headers }),
      403,
    );
  });
});

describe('gender-identity recognition', () => {
  it('once issued, the person shows the new name and marker; the old ones are sealed, readable by supervisors only, each read audited', async () => {
    const person = await newPerson({
      givenNames: 'Juan Carlos',
      firstSurname: 'Pérez',
      secondSurname: 'López',
      genderMarker: 'M',
    });
    const request = await fileRequest(t.app, officer.headers, person.id, 'gender_identity_recognition');
    await walk(t.app, officer.headers, request.id, ['under_review', 'approved']);
    const sealedUrl = `/v1/persons/${person.id}/sealed-identity`;
    expectProblem(await t.app.inject({ url: sealedUrl, headers: supervisor.headers }), 404); // nothing sealed yet

    const issued = await walk(t.app, officer.headers, request.id, ['issued']);
    expect(issued.details).not.toHaveProperty('registeredName');
    expect(issued.details).not.toHaveProperty('registeredMarker');
    expect(issued.details.registeredIdentitySealed).toBe(true);
    expect(JSON.stringify(issued)).not.toContain('Juan Carlos');

    const now = (await t.app.inject({ url: `/v1/persons/${person.id}`, headers: officer.headers })).json();
    expect(now).toMatchObject({ givenNames: 'Juana Carla', firstSurname: 'Pérez', genderMarker: 'F' });
    expect(JSON.stringify(now)).not.toContain('Juan Carlos');
    const byOld = await t.app.inject({ url: '/v1/persons?name=juan%20carlos', headers: officer.headers });
    expect(byOld.json().data.map((p: { id: string }) => p.id)).not.toContain(person.id);
    const byNew = await t.app.inject({ url: '/v1/persons?name=juana%20carla', headers: officer.headers });
    expect(byNew.json().data.map((p: { id: string }) => p.id)).toContain(person.id);

    expectProblem(await t.app.inject({ url: sealedUrl, headers: officer.headers }), 403);
    const sealed = await t.app.inject({ url: sealedUrl, headers: supervisor.headers });
    expect(sealed.statusCode).toBe(200);
    expect(sealed.json()).toMatchObject({
      personId: person.id,
      identities: [
        {
          givenNames: 'Juan Carlos',
          firstSurname: 'Pérez',
          secondSurname: 'López',
          genderMarker: 'M',
          documentationRequestId: request.id,
        },
      ],
    });
    const reads = await t.prisma.auditEvent.findMany({
      where: { entityId: person.id, action: 'person.sealed_identity_read' },
    });
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({ actorId: supervisor.staff.id, consulateId: consulate.id });
    const other = await loginAs(t.app, t.prisma, 'supervisor', (await createConsulate(t.prisma)).id);
    expectProblem(await t.app.inject({ url: sealedUrl, headers: other.headers }), 404);
    const audit = JSON.stringify(await t.prisma.auditEvent.findMany({ where: { entityId: person.id } }));
    expect(audit).not.toContain('Juan Carlos');
    expect(audit).not.toContain('Juana');
  });
});
