import { beforeAll, describe, expect, it } from 'vitest';
import {
  CASE_TRANSITIONS,
  findCaseTransition,
  PROTECTION_STATES,
} from '../src/modules/protection-cases/protection-cases.states.ts';
import { expectProblem } from './helpers/assertions.ts';
import { buildTestApp, testClock, useTestApp } from './helpers/build-test-app.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson } from './factories/persons.ts';
import { createStaff } from './factories/staff.ts';

const clock = testClock('2026-11-02T15:00:00Z');
const t = useTestApp({ clock });

const consent = { given: true, recordedAt: '2026-11-02T14:55:00Z', channel: 'phone' };
const intake = (overrides: Record<string, unknown> = {}) => ({
  category: 'detention',
  priority: 'urgent',
  summary: 'Detained by ICE in Adelanto; requests consular visit.',
  consent,
  ...overrides,
});

let consulate: { id: string; code: string };
let supervisor: LoggedIn;
let officer: LoggedIn;

beforeAll(async () => {
  consulate = await createConsulate(t.prisma, { code: 'PCLAX' });
  supervisor = await loginAs(t.app, t.prisma, 'supervisor', consulate.id);
  officer = await loginAs(t.app, t.prisma, 'protection_officer', consulate.id);
});

const open = async (who: LoggedIn, overrides: Record<string, unknown> = {}) => {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/protection-cases',
    headers: who.headers,
    payload: intake(overrides),
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
};

const get = (who: LoggedIn, id: string, suffix = '') =>
  t.app.inject({ url: `/v1/protection-cases/${id}${suffix}`, headers: who.headers });

const move = async (who: LoggedIn, id: string, to: string, reason?: string) => {
  const etag = (await get(who, id)).headers.etag ?? '"1"';
  return t.app.inject({
    method: 'POST',
    url: `/v1/protection-cases/${id}/transitions`,
    headers: { ...who.headers, 'if-match': etag },
    payload: { to, ...(reason ? { reason } : {}) },
  });
};

const act = (who: LoggedIn, id: string, action: string, payload: object) =>
  t.app.inject({ method: 'POST', url: `/v1/protection-cases/${id}/${action}`, headers: who.headers, payload });

const confidentialReads = (caseId: string) =>
  t.prisma.auditEvent.count({ where: { entityId: caseId, action: 'protection_case.confidential_read' } });

describe('intake', () => {
  it('opens a case with a reference, state open, a first-action deadline from the priority, and an ETag', async () => {
    clock.set('2026-11-02T15:00:00Z');
    const person = await createPerson(t.prisma, consulate.id);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/protection-cases',
      headers: officer.headers,
      payload: intake({ personId: person.id }),
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      reference: expect.stringMatching(/^PCLAX-P-2026-\d{6}$/),
      state: 'open',
      category: 'detention',
      priority: 'urgent',
      confidential: false,
      personId: person.id,
      consent: { given: true, givenBy: 'national', channel: 'phone', recordedAt: '2026-11-02T14:55:00.000Z' },
      openedAt: '2026-11-02T15:00:00.000Z',
      firstActionDueAt: '2026-11-03T15:00:00.000Z',
      firstActionAt: null,
      overdue: false,
      escalated: false,
      allowedTransitions: ['in_progress'],
    });
    expect(res.headers.etag).toBe('"1"');
  });

  it('sets the first-action deadline by priority: urgent 24 h, high 72 h, normal 10 days, low 30 days', async () => {
    clock.set('2026-11-02T15:00:00Z');
    const due = async (priority: string) =>
      (await open(officer, { priority, category: 'legal_guidance' })).firstActionDueAt;
    expect(await due('urgent')).toBe('2026-11-03T15:00:00.000Z');
    expect(await due('high')).toBe('2026-11-05T15:00:00.000Z');
    expect(await due('normal')).toBe('2026-11-12T15:00:00.000Z');
    expect(await due('low')).toBe('2026-12-02T15:00:00.000Z');
  });

  it('takes other deadlines from PROTECTION_FIRST_ACTION_HOURS', async () => {
    const other = await buildTestApp({ env: { PROTECTION_FIRST_ACTION_HOURS: '{"urgent":6}' }, clock });
    try {
      const c = await createConsulate(other.prisma);
      const who = await loginAs(other.app, other.prisma, 'protection_officer', c.id);
      const res = await other.app.inject({
        method: 'POST',
        url: '/v1/protection-cases',
        headers: who.headers,
        payload: intake(),
      });
      const opened = Date.parse(res.json().openedAt);
      expect(Date.parse(res.json().firstActionDueAt) - opened).toBe(6 * 3_600_000);
    } finally {
      await other.close();
    }
  });

  it('makes violence, trafficking and unaccompanied-minor cases confidential by default, detention not', async () => {
    for (const category of ['gender_based_violence', 'human_trafficking', 'minor_unaccompanied']) {
      expect((await open(officer, { category })).confidential).toBe(true);
      const body = expectProblem(
        await t.app.inject({
          method: 'POST',
          url: '/v1/protection-cases',
          headers: officer.headers,
          payload: intake({ category, confidential: false }),
        }),
        400,
      );
      expect(body.errors[0].path).toBe('body.confidential');
    }
    expect((await open(officer, { category: 'detention' })).confidential).toBe(false);
    expect((await open(officer, { category: 'labor_rights', confidential: true })).confidential).toBe(true);
  });

  it('requires the national’s consent', async () => {
    const refused = expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/v1/protection-cases',
        headers: officer.headers,
        payload: intake({ consent: { ...consent, given: false } }),
      }),
      400,
    );
    expect(refused.errors[0]).toMatchObject({ path: 'body.consent.given', message: expect.stringMatching(/consent/) });
    const { consent: _omit, ...withoutConsent } = intake();
    expect(
      expectProblem(
        await t.app.inject({
          method: 'POST',
          url: '/v1/protection-cases',
          headers: officer.headers,
          payload: withoutConsent,
        }),
        400,
      ).errors[0].path,
    ).toBe('body.consent');
    // A next of kin consents for a repatriation of remains; an anonymous first contact has no person.
    const kin = await open(officer, {
      category: 'death_repatriation',
      priority: 'high',
      consent: { ...consent, givenBy: 'next_of_kin' },
    });
    expect(kin).toMatchObject({ personId: null, consent: { givenBy: 'next_of_kin' } });
  });

  it('refuses a person of another consulate (404)', async () => {
    const elsewhere = await createPerson(t.prisma, (await createConsulate(t.prisma)).id);
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/v1/protection-cases',
        headers: officer.headers,
        payload: intake({ personId: elsewhere.id }),
      }),
      404,
    );
  });
});

describe('access', () => {
  it('role matrix: the consulate’s protection officers, supervisor and admins; never documentation officers or auditors', async () => {
    const kase = await open(officer);
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const docs = await loginAs(t.app, t.prisma, 'documentation_officer', consulate.id);
    const auditor = await loginAs(t.app, t.prisma, 'auditor');
    const calls = (who: LoggedIn) => [
      t.app.inject({ url: '/v1/protection-cases', headers: who.headers }),
      get(who, kase.id),
      get(who, kase.id, '/notes'),
      t.app.inject({
        method: 'POST',
        url: '/v1/protection-cases',
        headers: who.headers,
        payload: intake({ ...(who === admin ? { consulateId: consulate.id } : {}) }),
      }),
      act(who, kase.id, 'notes', { kind: 'contact', body: 'Called the detention centre.' }),
    ];
    const codes = async (who: LoggedIn) => (await Promise.all(calls(who))).map((r) => r.statusCode);
    expect(await codes(admin)).toEqual([200, 200, 200, 201, 201]);
    expect(await codes(supervisor)).toEqual([200, 200, 200, 201, 201]);
    expect(await codes(officer)).toEqual([200, 200, 200, 201, 201]);
    expect(await codes(docs)).toEqual([403, 403, 403, 403, 403]);
    expect(await codes(auditor)).toEqual([403, 403, 403, 403, 403]);
  });

  it('another consulate’s team gets 404 and never sees the case in lists', async () => {
    const kase = await open(officer, { summary: 'unique-summary-for-scope-test' });
    const outsider = await loginAs(t.app, t.prisma, 'protection_officer', (await createConsulate(t.prisma)).id);
    for (const suffix of ['', '/notes', '/referrals', '/history'])
      expectProblem(await get(outsider, kase.id, suffix), 404);
    expectProblem(await act(outsider, kase.id, 'notes', { kind: 'contact', body: 'x' }), 404);
    expectProblem(await act(outsider, kase.id, 'escalate', { reason: 'x' }), 404);
    const list = await t.app.inject({
      url: '/v1/protection-cases?q=unique-summary&limit=200',
      headers: outsider.headers,
    });
    expect(list.json().data).toEqual([]);
  });
});

describe('confidential reads are audited', () => {
  it('every read of a confidential case writes an audit event; ordinary cases do not', async () => {
    const secret = await open(officer, { category: 'gender_based_violence', summary: 'confidential-audit-test' });
    const plain = await open(officer, { category: 'detention', summary: 'confidential-audit-test' });
    expect(await confidentialReads(secret.id)).toBe(0);

    expect((await get(officer, secret.id)).statusCode).toBe(200);
    expect(await confidentialReads(secret.id)).toBe(1);
    const event = await t.prisma.auditEvent.findFirst({
      where: { entityId: secret.id, action: 'protection_case.confidential_read' },
    });
    expect(event).toMatchObject({
      actorId: officer.staff.id,
      actorRole: 'protection_officer',
      consulateId: consulate.id,
      details: { via: 'get' },
    });

    await get(supervisor, secret.id, '/notes');
    await get(supervisor, secret.id, '/referrals');
    await get(supervisor, secret.id, '/history');
    expect(await confidentialReads(secret.id)).toBe(4);

    const list = await t.app.inject({
      url: '/v1/protection-cases?q=confidential-audit-test',
      headers: supervisor.headers,
    });
    expect(list.json().data).toHaveLength(2);
    expect(await confidentialReads(secret.id)).toBe(5);

    await get(officer, plain.id);
    await get(officer, plain.id, '/notes');
    expect(await confidentialReads(plain.id)).toBe(0);
  });
});

describe('notes', () => {
  it('are append-only: corrections point at the corrected note; no edit or delete route; the database refuses changes', async () => {
    const kase = await open(officer);
    const first = await act(officer, kase.id, 'notes', {
      kind: 'consular_visit',
      body: 'Visited at Adelanto; in good health.',
    });
    expect(first.statusCode).toBe(201);
    const note = first.json();
    expect(note).toMatchObject({ kind: 'consular_visit', authorId: officer.staff.id, correctsNoteId: null });
    const correction = await act(officer, kase.id, 'notes', {
      kind: 'correction',
      body: 'Visit was at Otay Mesa, not Adelanto.',
      correctsNoteId: note.id,
    });
    expect(correction.statusCode).toBe(201);
    expect(correction.json().correctsNoteId).toBe(note.id);

    expectProblem(await act(officer, kase.id, 'notes', { kind: 'correction', body: 'x' }), 400);
    const otherCase = await open(officer);
    const otherNote = (await act(officer, otherCase.id, 'notes', { kind: 'contact', body: 'y' })).json();
    expect(
      expectProblem(
        await act(officer, kase.id, 'notes', { kind: 'correction', body: 'z', correctsNoteId: otherNote.id }),
        400,
      ).errors[0].path,
    ).toBe('body.correctsNoteId');

    for (const method of ['PATCH', 'PUT', 'DELETE'] as const) {
      const res = await t.app.inject({
        method,
        url: `/v1/protection-cases/${kase.id}/notes/${note.id}`,
        headers: officer.headers,
        payload: { body: 'rewritten' },
      });
      expect(res.statusCode).toBe(404);
    }
    await expect(t.prisma.$executeRaw`UPDATE protection_notes SET body = 'rewritten'`).rejects.toThrow(/append-only/);
    await expect(t.prisma.$executeRaw`DELETE FROM protection_notes`).rejects.toThrow(/append-only/);
    const notes = (await get(officer, kase.id, '/notes')).json().data;
    expect(notes.map((n: { body: string }) => n.body)).toEqual([
      'Visited at Adelanto; in good health.',
      'Visit was at Otay Mesa, not Adelanto.',
    ]);
  });
});

describe('first action and the overdue view', () => {
  it('the first note or first transition out of open is the first action; overdue lists the late ones, most late first', async () => {
    const fresh = await createConsulate(t.prisma);
    const team = await loginAs(t.app, t.prisma, 'supervisor', fresh.id);
    clock.set('2026-11-02T15:00:00Z');
    const urgent = await open(team, { priority: 'urgent' }); // due Nov 3 15:00
    const high = await open(team, { priority: 'high' }); // due Nov 5 15:00
    const noted = await open(team, { priority: 'urgent' });
    const moved = await open(team, { priority: 'urgent' });
    clock.set('2026-11-02T16:00:00Z');
    expect((await act(team, noted.id, 'notes', { kind: 'action', body: 'Called family.' })).json().createdAt).toBe(
      '2026-11-02T16:00:00.000Z',
    );
    expect((await move(team, moved.id, 'in_progress')).json().firstActionAt).toBe('2026-11-02T16:00:00.000Z');
    expect((await get(team, noted.id)).json().firstActionAt).toBe('2026-11-02T16:00:00.000Z');

    clock.set('2026-11-06T15:00:00Z'); // urgent 72 h late, high 24 h late
    const late = await t.app.inject({ url: '/v1/protection-cases?overdue=true', headers: team.headers });
    expect(late.json().data.map((c: { id: string; minutesLate: number }) => [c.id, c.minutesLate])).toEqual([
      [urgent.id, 72 * 60],
      [high.id, 24 * 60],
    ]);
    const page = (
      await t.app.inject({ url: '/v1/protection-cases?overdue=true&limit=1', headers: team.headers })
    ).json();
    const next = (
      await t.app.inject({
        url: `/v1/protection-cases?overdue=true&limit=1&cursor=${page.nextCursor}`,
        headers: team.headers,
      })
    ).json();
    expect([page.data[0].id, next.data[0].id]).toEqual([urgent.id, high.id]);
    const onTime = await t.app.inject({ url: '/v1/protection-cases?overdue=false', headers: team.headers });
    expect(
      onTime
        .json()
        .data.map((c: { id: string }) => c.id)
        .sort(),
    ).toEqual([noted.id, moved.id].sort());
  });
});

describe('transitions', () => {
  const PATH_TO: Record<string, string[]> = {
    open: [],
    in_progress: ['in_progress'],
    referred: ['in_progress', 'referred'],
    resolved: ['in_progress', 'resolved'],
    closed: ['in_progress', 'resolved', 'closed'],
    reopened: ['in_progress', 'resolved', 'reopened'],
  };
  const walk = async (id: string, path: string[]) => {
    for (const to of path) expect((await move(supervisor, id, to, 'a reason')).statusCode).toBe(200);
  };

  for (const from of PROTECTION_STATES) {
    it(`from ${from}: exactly the table's moves succeed; the rest are 409`, async () => {
      for (const to of PROTECTION_STATES) {
        const kase = await open(officer);
        await walk(kase.id, PATH_TO[from]!);
        const res = await move(supervisor, kase.id, to, 'a reason');
        if (findCaseTransition(from, to)) {
          expect(res.statusCode, `${from} → ${to}: ${res.body}`).toBe(200);
        } else {
          const body = expectProblem(res, 409);
          expect(body).toMatchObject({
            currentState: from,
            allowedTransitions: CASE_TRANSITIONS.filter((x) => x.from === from).map((x) => x.to),
          });
        }
      }
    });
  }

  it('refuses, by an independent hand-written list, moves that must never happen', async () => {
    const mustRefuse: [string, string][] = [
      ['open', 'resolved'],
      ['open', 'closed'],
      ['open', 'referred'],
      ['referred', 'open'],
      ['referred', 'closed'],
      ['in_progress', 'closed'],
      ['closed', 'in_progress'],
      ['reopened', 'closed'],
      ['resolved', 'in_progress'],
    ];
    for (const [from, to] of mustRefuse) {
      const kase = await open(officer);
      await walk(kase.id, PATH_TO[from]!);
      expectProblem(await move(supervisor, kase.id, to, 'a reason'), 409);
    }
  });

  it('requires reasons for resolved, closed and reopened; only supervisors reopen a closed case; If-Match', async () => {
    const kase = await open(officer);
    await walk(kase.id, ['in_progress']);
    expect(expectProblem(await move(officer, kase.id, 'resolved'), 400).errors).toEqual([
      { path: 'body.reason', message: 'is required for resolved' },
    ]);
    expect((await move(officer, kase.id, 'resolved', 'Released on bond')).json()).toMatchObject({
      state: 'resolved',
      resolvedAt: expect.any(String),
    });
    expectProblem(await move(officer, kase.id, 'closed'), 400);
    expect((await move(officer, kase.id, 'closed', 'Family confirms return home')).json()).toMatchObject({
      state: 'closed',
      closedAt: expect.any(String),
    });
    expectProblem(await move(officer, kase.id, 'reopened', 'New hearing set'), 403);
    expect((await move(supervisor, kase.id, 'reopened', 'New hearing set')).json()).toMatchObject({
      state: 'reopened',
      closedAt: null,
      resolvedAt: null,
    });
    const url = `/v1/protection-cases/${kase.id}/transitions`;
    expectProblem(
      await t.app.inject({ method: 'POST', url, headers: officer.headers, payload: { to: 'in_progress' } }),
      428,
    );
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url,
        headers: { ...officer.headers, 'if-match': '"1"' },
        payload: { to: 'in_progress' },
      }),
      412,
    );
  });
});

describe('transfer and escalation', () => {
  it('a supervisor transfers a case with its whole history; the old consulate loses access; one unbroken trail', async () => {
    const kase = await open(officer, { category: 'minor_unaccompanied', priority: 'urgent' });
    await act(officer, kase.id, 'notes', { kind: 'contact', body: 'Minor located at shelter in Houston.' });
    await move(officer, kase.id, 'in_progress');
    await act(officer, kase.id, 'assign', { staffId: officer.staff.id });
    const houston = await createConsulate(t.prisma, {
      code: 'PCHOU',
      city: 'Houston',
      state: 'TX',
      timeZone: 'America/Chicago',
    });
    expectProblem(
      await act(officer, kase.id, 'transfer', { consulateId: houston.id, reason: 'Minor is in Houston' }),
      403,
    );
    expectProblem(await act(supervisor, kase.id, 'transfer', { consulateId: consulate.id, reason: 'x' }), 409);
    const moved = await act(supervisor, kase.id, 'transfer', {
      consulateId: houston.id,
      reason: 'Minor is in Houston',
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({
      consulateId: houston.id,
      originConsulateId: consulate.id,
      assignedToId: null,
      reference: kase.reference,
    });

    expectProblem(await get(officer, kase.id), 404);
    expectProblem(await get(supervisor, kase.id, '/notes'), 404);
    const oldList = await t.app.inject({
      url: `/v1/protection-cases?q=${kase.reference}`,
      headers: supervisor.headers,
    });
    expect(oldList.json().data).toEqual([]);

    const houstonOfficer = await loginAs(t.app, t.prisma, 'protection_officer', houston.id);
    expect((await get(houstonOfficer, kase.id)).json().state).toBe('in_progress');
    expect((await get(houstonOfficer, kase.id, '/notes')).json().data.map((n: { body: string }) => n.body)).toEqual([
      'Minor located at shelter in Houston.',
    ]);
    const history = (await get(houstonOfficer, kase.id, '/history')).json().data;
    expect(history.map((e: any) => [e.kind, e.toState ?? e.toConsulateId ?? null])).toEqual([
      ['transition', 'open'],
      ['transition', 'in_progress'],
      ['assignment', null],
      ['transfer', houston.id],
    ]);
    expect(history[3]).toMatchObject({
      fromConsulateId: consulate.id,
      reason: 'Minor is in Houston',
      actorId: supervisor.staff.id,
    });

    const houstonSupervisor = await loginAs(t.app, t.prisma, 'supervisor', houston.id);
    const trail = await t.app.inject({
      url: `/v1/audit-events?entityType=protection_case&entityId=${kase.id}&limit=200`,
      headers: houstonSupervisor.headers,
    });
    const actions = trail.json().data.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['protection_case.create', 'protection_case.note', 'protection_case.transfer']),
    );
  });

  it('the team escalates to headquarters; admins list escalated cases', async () => {
    const kase = await open(officer, { category: 'human_trafficking' });
    const docs = await loginAs(t.app, t.prisma, 'documentation_officer', consulate.id);
    expectProblem(await act(docs, kase.id, 'escalate', { reason: 'x' }), 403);
    const res = await act(officer, kase.id, 'escalate', { reason: 'Network spans three states' });
    expect(res.json()).toMatchObject({ escalated: true, escalatedAt: expect.any(String) });
    expectProblem(await act(officer, kase.id, 'escalate', { reason: 'again' }), 409);
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const escalated = await t.app.inject({
      url: '/v1/protection-cases?escalated=true&limit=200',
      headers: admin.headers,
    });
    expect(escalated.json().data.map((c: { id: string }) => c.id)).toContain(kase.id);
    expect(escalated.json().data.every((c: { escalated: boolean }) => c.escalated)).toBe(true);
  });
});

describe('confidentiality, updates, assignment and referrals', () => {
  it('anyone on the team makes a case confidential; only a supervisor lifts it, with a reason', async () => {
    const kase = await open(officer, { category: 'labor_rights' });
    expect((await act(officer, kase.id, 'confidentiality', { confidential: true })).json().confidential).toBe(true);
    expectProblem(await act(officer, kase.id, 'confidentiality', { confidential: false, reason: 'x' }), 403);
    expectProblem(await act(supervisor, kase.id, 'confidentiality', { confidential: false }), 400);
    expect(
      (
        await act(supervisor, kase.id, 'confidentiality', {
          confidential: false,
          reason: 'National asked for family involvement',
        })
      ).json().confidential,
    ).toBe(false);
    const history = (await get(supervisor, kase.id, '/history'))
      .json()
      .data.filter((e: { kind: string }) => e.kind === 'confidentiality');
    expect(history.map((e: any) => [e.details.confidential, e.reason])).toEqual([
      [true, null],
      [false, 'National asked for family involvement'],
    ]);
  });

  it('PATCH links a person, follows a new priority until the first action, and a sensitive category makes the case confidential', async () => {
    clock.set('2026-11-02T15:00:00Z');
    const kase = await open(officer, { category: 'legal_guidance', priority: 'low' });
    const person = await createPerson(t.prisma, consulate.id);
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/v1/protection-cases/${kase.id}`,
      headers: { ...officer.headers, 'if-match': '"1"' },
      payload: { personId: person.id, priority: 'high', category: 'gender_based_violence' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      personId: person.id,
      priority: 'high',
      category: 'gender_based_violence',
      confidential: true,
      firstActionDueAt: '2026-11-05T15:00:00.000Z',
    });
  });

  it('assigns to a protection officer of the consulate only', async () => {
    const kase = await open(officer);
    const colleague = await createStaff(t.prisma, { role: 'protection_officer', consulateId: consulate.id });
    expect((await act(supervisor, kase.id, 'assign', { staffId: colleague.id })).json().assignedToId).toBe(
      colleague.id,
    );
    const mine = await t.app.inject({
      url: `/v1/protection-cases?assignedToId=${colleague.id}`,
      headers: supervisor.headers,
    });
    expect(mine.json().data.map((c: { id: string }) => c.id)).toEqual([kase.id]);
    const clerk = await createStaff(t.prisma, { role: 'documentation_officer', consulateId: consulate.id });
    expectProblem(await act(supervisor, kase.id, 'assign', { staffId: clerk.id }), 400);
    const foreign = await createStaff(t.prisma, {
      role: 'protection_officer',
      consulateId: (await createConsulate(t.prisma)).id,
    });
    expectProblem(await act(supervisor, kase.id, 'assign', { staffId: foreign.id }), 404);
  });

  it('referrals have their own status: sent → accepted → completed, or declined', async () => {
    const kase = await open(officer);
    const created = await act(officer, kase.id, 'referrals', {
      organization: 'Legal Aid Foundation of Los Angeles',
      kind: 'legal_aid',
      contact: '+1 800 399 4529',
      notes: 'Bond hearing',
    });
    expect(created.statusCode, created.body).toBe(201);
    const referral = created.json();
    expect(referral).toMatchObject({ status: 'sent', kind: 'legal_aid', version: 1 });
    const patch = (status: string, version: number) =>
      t.app.inject({
        method: 'PATCH',
        url: `/v1/protection-cases/${kase.id}/referrals/${referral.id}`,
        headers: { ...officer.headers, 'if-match': `"${version}"` },
        payload: { status },
      });
    expect(expectProblem(await patch('completed', 1), 409)).toMatchObject({
      currentStatus: 'sent',
      allowedStatuses: ['accepted', 'declined'],
    });
    expect((await patch('accepted', 1)).json()).toMatchObject({ status: 'accepted', version: 2 });
    expectProblem(await patch('completed', 1), 412);
    expect((await patch('completed', 2)).json().status).toBe('completed');
    expect((await get(officer, kase.id, '/referrals')).json().data.map((r: { status: string }) => r.status)).toEqual([
      'completed',
    ]);
    expectProblem(
      await t.app.inject({
        method: 'PATCH',
        url: `/v1/protection-cases/${kase.id}/referrals/${crypto.randomUUID()}`,
        headers: { ...officer.headers, 'if-match': '"1"' },
        payload: { status: 'accepted' },
      }),
      404,
    );
  });
});
