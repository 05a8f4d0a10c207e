import { beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './helpers/assertions.ts';
import { booked, book, putSchedule } from './helpers/appointments.ts';
import { buildTestApp, testClock, useTestApp } from './helpers/build-test-app.ts';
import { move, walk } from './helpers/documentation.ts';
import { registerKiosk } from './helpers/kiosk.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { follow, rollupDrift, statsOf } from './helpers/stats.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson, makeCurp, personPayload } from './factories/persons.ts';

/**
 * Issue 12 §2: notarial acts and legalizations — their details, tariff fees,
 * the SRE's 30/10 business-day deadlines on the consulate's calendar, the
 * statistics per type, the kiosk's look-up and the appointments for their
 * services; and the non-binary marker X on every identity document.
 */
// Monday 2 November 2026 in Los Angeles (PST), after daylight saving time ended.
const clock = testClock('2026-11-02T10:00:00-08:00');
const t = useTestApp({ clock });

const SERVICES = [
  'passport',
  'consular_id',
  'birth_registration',
  'gender_identity_recognition',
  'protection',
  'notarization',
  'legalization',
] as const;

export const NOTARIAL = {
  act: {
    kind: 'power_of_attorney',
    scope: 'general',
    powers: ['lawsuits_and_collections', 'administration'],
    attorneysInFact: [{ givenNames: 'Rosa María', firstSurname: 'Hernández', secondSurname: 'Ruiz' }],
  },
  toBeUsedIn: 'MX-JAL',
};

export const LEGALIZATION = {
  documents: [
    {
      kind: 'diploma',
      title: 'Bachelor of Science in Nursing',
      issuingAuthority: 'Universidad de Costa Rica',
      issuingCountry: 'CR',
      issueDate: '2019-06-15',
      pages: 2,
    },
  ],
  destination: { state: 'MX-JAL', authority: 'Secretaría de Educación Pública', purpose: 'Revalidation of studies' },
  apostilleNotApplicable: true,
};

let la: { id: string; code: string };
let officer: LoggedIn;
let supervisor: LoggedIn;
let admin: LoggedIn;

const post = (who: LoggedIn, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: '/v1/documentation-requests', headers: who.headers, payload });

async function file(type: 'notarial_act' | 'legalization', details: object, extra: Record<string, unknown> = {}) {
  const person = await createPerson(t.prisma, la.id);
  const res = await post(officer, { personId: person.id, type, details, ...extra });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const pay = (id: string, amountCents: number, receipt: string) =>
  t.app.inject({
    method: 'POST',
    url: `/v1/documentation-requests/${id}/payments`,
    headers: officer.headers,
    payload: { amountCents, method: 'card', receipt },
  });

beforeAll(async () => {
  la = await createConsulate(t.prisma, { code: 'NTLAX', timeZone: 'America/Los_Angeles', services: [...SERVICES] });
  officer = await loginAs(t.app, t.prisma, 'documentation_officer', la.id);
  supervisor = await loginAs(t.app, t.prisma, 'supervisor', la.id);
  admin = await loginAs(t.app, t.prisma, 'admin');
  const holidays = await t.app.inject({
    method: 'PUT',
    url: `/v1/consulates/${la.id}/holidays`,
    headers: supervisor.headers,
    payload: [
      { date: '2026-11-11', name: 'Veterans Day' },
      { date: '2026-11-26', name: 'Thanksgiving Day' },
    ],
  });
  expect(holidays.statusCode, holidays.body).toBe(200);
});

describe('notarial acts: details', () => {
  it('files each act kind with its own details and the tariff’s fee', async () => {
    clock.set('2026-11-02T10:00:00-08:00');
    const general = await file('notarial_act', NOTARIAL);
    expect(general).toMatchObject({
      type: 'notarial_act',
      state: 'submitted',
      feeCents: 14_300,
      flags: ['fee_pending'],
    });
    expect(general.reference).toMatch(/^NTLAX-2026-\d{6}$/);
    // Defaults are written out: Spanish, one testimonio, attorneys acting severally.
    expect(general.details).toMatchObject({ language: 'es', copies: 1, act: { jointly: false } });

    const special = await file('notarial_act', {
      act: {
        kind: 'power_of_attorney',
        scope: 'special',
        attorneysInFact: [{ givenNames: 'Luis', firstSurname: 'Ramírez' }],
        purpose: 'To sell the house at Calle Hidalgo 12, Zapopan, Jalisco',
      },
      copies: 3,
    });
    expect(special.feeCents).toBe(9_600 + 2 * 2_000);

    const willAct = await file('notarial_act', {
      act: { kind: 'will', form: 'public_open', propertyIn: ['MX-MIC', 'MX-JAL'] },
      language: 'en',
      interpreter: { givenNames: 'Ana', firstSurname: 'Soto' },
    });
    expect(willAct.feeCents).toBe(26_300);

    const signature = await file('notarial_act', {
      act: { kind: 'acknowledgement', subject: 'signature', documentTitle: 'Lease agreement' },
    });
    expect(signature.feeCents).toBe(4_500);

    const paternity = await file('notarial_act', {
      act: {
        kind: 'acknowledgement',
        subject: 'paternity',
        child: { givenNames: 'Mateo', firstSurname: 'Núñez', dateOfBirth: '2024-04-01' },
      },
    });
    expect(paternity).toMatchObject({ feeCents: 0, flags: [] });

    // The officer may enter another fee (an exemption, say).
    const exempt = await file('notarial_act', NOTARIAL, { feeCents: 0 });
    expect(exempt).toMatchObject({ feeCents: 0, flags: [] });
  });

  it('refuses invalid details with 400 naming the field', async () => {
    const person = await createPerson(t.prisma, la.id);
    const poa = NOTARIAL.act;
    const cases: [object, string][] = [
      [{}, 'body.details.act'],
      [{ act: { ...poa, kind: 'marriage' } }, 'body.details.act.kind'],
      [{ act: { ...poa, scope: 'limited' } }, 'body.details.act.scope'],
      [{ act: { ...poa, powers: undefined } }, 'body.details.act.powers'],
      [{ act: { ...poa, powers: ['administration', 'administration'] } }, 'body.details.act.powers'],
      [{ act: { ...poa, scope: 'special', powers: undefined } }, 'body.details.act.purpose'],
      [{ act: { ...poa, attorneysInFact: [] } }, 'body.details.act.attorneysInFact'],
      [
        { act: { ...poa, attorneysInFact: [{ givenNames: 'Ana' }] } },
        'body.details.act.attorneysInFact.0.firstSurname',
      ],
      [
        { act: { ...poa, attorneysInFact: [{ givenNames: 'A\u0000', firstSurname: 'B' }] } },
        'body.details.act.attorneysInFact.0.givenNames',
      ],
      [{ act: { kind: 'will', form: 'holographic' } }, 'body.details.act.form'],
      [{ act: { kind: 'will', form: 'public_open', propertyIn: ['MX-XXX'] } }, 'body.details.act.propertyIn.0'],
      [{ act: { kind: 'acknowledgement', subject: 'signature' } }, 'body.details.act.documentTitle'],
      [{ act: { kind: 'acknowledgement', subject: 'maternity' } }, 'body.details.act.child'],
      [
        {
          act: {
            kind: 'acknowledgement',
            subject: 'paternity',
            child: { givenNames: 'M', firstSurname: 'N', dateOfBirth: '2999-01-01' },
          },
        },
        'body.details.act.child.dateOfBirth',
      ],
      [{ ...NOTARIAL, language: 'en' }, 'body.details.interpreter'],
      [{ ...NOTARIAL, language: 'english' }, 'body.details.language'],
      [{ ...NOTARIAL, copies: 0 }, 'body.details.copies'],
      [{ ...NOTARIAL, copies: 11 }, 'body.details.copies'],
      [{ ...NOTARIAL, toBeUsedIn: 'Jalisco' }, 'body.details.toBeUsedIn'],
      [{ ...NOTARIAL, notary: 'x' }, 'body.details'],
    ];
    for (const [details, path] of cases) {
      const body = expectProblem(await post(officer, { personId: person.id, type: 'notarial_act', details }), 400);
      expect(
        body.errors.map((e: { path: string }) => e.path),
        JSON.stringify(details),
      ).toContain(path);
    }
  });
});

describe('legalizations: details', () => {
  it('files a legalization, one tariff fee per document', async () => {
    const one = await file('legalization', LEGALIZATION);
    expect(one).toMatchObject({ type: 'legalization', feeCents: 4_300, flags: ['fee_pending'] });
    const three = await file('legalization', {
      ...LEGALIZATION,
      documents: [
        LEGALIZATION.documents[0],
        { ...LEGALIZATION.documents[0], kind: 'academic_record', title: 'Transcript', pages: 6 },
        {
          kind: 'birth_certificate',
          title: 'Acta de nacimiento',
          issuingAuthority: 'Registro Civil de Guatemala',
          issuingCountry: 'GT',
          issueDate: '2001-01-30',
          pages: 1,
        },
      ],
    });
    expect(three.feeCents).toBe(3 * 4_300);
  });

  it('refuses invalid details with 400 naming the field', async () => {
    const person = await createPerson(t.prisma, la.id);
    const doc = LEGALIZATION.documents[0]!;
    const cases: [object, string][] = [
      [{ ...LEGALIZATION, documents: [] }, 'body.details.documents'],
      [{ ...LEGALIZATION, documents: Array(21).fill(doc) }, 'body.details.documents'],
      [{ ...LEGALIZATION, documents: [{ ...doc, kind: 'passport' }] }, 'body.details.documents.0.kind'],
      [{ ...LEGALIZATION, documents: [{ ...doc, title: '' }] }, 'body.details.documents.0.title'],
      [
        { ...LEGALIZATION, documents: [{ ...doc, issuingAuthority: 'x'.repeat(201) }] },
        'body.details.documents.0.issuingAuthority',
      ],
      [{ ...LEGALIZATION, documents: [{ ...doc, issuingCountry: 'ZZ' }] }, 'body.details.documents.0.issuingCountry'],
      [{ ...LEGALIZATION, documents: [{ ...doc, issueDate: '2999-01-01' }] }, 'body.details.documents.0.issueDate'],
      [{ ...LEGALIZATION, documents: [{ ...doc, issueDate: '2019-02-30' }] }, 'body.details.documents.0.issueDate'],
      [{ ...LEGALIZATION, documents: [{ ...doc, pages: 0 }] }, 'body.details.documents.0.pages'],
      [{ ...LEGALIZATION, documents: [{ ...doc, pages: 1.5 }] }, 'body.details.documents.0.pages'],
      [{ ...LEGALIZATION, destination: {} }, 'body.details.destination.purpose'],
      [{ ...LEGALIZATION, destination: { purpose: 'x', state: 'MX-ZZZ' } }, 'body.details.destination.state'],
      [{ ...LEGALIZATION, apostilleNotApplicable: false }, 'body.details.apostilleNotApplicable'],
      [
        { documents: LEGALIZATION.documents, destination: LEGALIZATION.destination },
        'body.details.apostilleNotApplicable',
      ],
    ];
    for (const [details, path] of cases) {
      const body = expectProblem(await post(officer, { personId: person.id, type: 'legalization', details }), 400);
      expect(
        body.errors.map((e: { path: string }) => e.path),
        JSON.stringify(details),
      ).toContain(path);
    }
    // PATCH validates the whole details object of the request's type the same way.
    const request = await file('legalization', LEGALIZATION);
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/v1/documentation-requests/${request.id}`,
      headers: { ...officer.headers, 'if-match': '"1"' },
      payload: { details: { ...LEGALIZATION, documents: [{ ...doc, pages: 0 }] } },
    });
    expect(expectProblem(patch, 400).errors.map((e: { path: string }) => e.path)).toContain(
      'body.details.documents.0.pages',
    );
  });

  it('flags a potential duplicate only for the same act, not for every open act of the person', async () => {
    const person = await createPerson(t.prisma, la.id);
    const first = await post(officer, { personId: person.id, type: 'legalization', details: LEGALIZATION });
    expect(first.json().flags).toEqual(['fee_pending']);
    const other = await post(officer, {
      personId: person.id,
      type: 'legalization',
      details: { ...LEGALIZATION, documents: [{ ...LEGALIZATION.documents[0], title: 'Master of Science' }] },
    });
    expect(other.json().flags).toEqual(['fee_pending']);
    const again = await post(officer, { personId: person.id, type: 'legalization', details: LEGALIZATION });
    expect(again.json().flags).toEqual(['potential_duplicate', 'fee_pending']);
  });

  it('answers 409 service-not-offered at a consulate without the service', async () => {
    const plain = await createConsulate(t.prisma); // the factory's consulates offer neither service
    const clerk = await loginAs(t.app, t.prisma, 'documentation_officer', plain.id);
    const person = await createPerson(t.prisma, plain.id);
    for (const [type, details, service] of [
      ['notarial_act', NOTARIAL, 'notarization'],
      ['legalization', LEGALIZATION, 'legalization'],
    ] as const) {
      const body = expectProblem(await post(clerk, { personId: person.id, type, details }), 409);
      expect(body.type).toMatch(/service-not-offered$/);
      expect(body.detail).toContain(service);
    }
  });

  it('files the four original types at a consulate whatever its services list says (as before)', async () => {
    const bare = await createConsulate(t.prisma, { services: [] });
    const clerk = await loginAs(t.app, t.prisma, 'documentation_officer', bare.id);
    const person = await createPerson(t.prisma, bare.id);
    const res = await post(clerk, {
      personId: person.id,
      type: 'passport',
      details: { application: 'first', validityYears: 6 },
    });
    expect(res.statusCode, res.body).toBe(201);
    expectProblem(await post(clerk, { personId: person.id, type: 'legalization', details: LEGALIZATION }), 409);
  });
});

describe('from filing to delivery, with the SRE deadlines', () => {
  it('counts 30 business days to resolve and 10 to ask for information on the consulate’s calendar, paused while information is missing', async () => {
    clock.set('2026-11-02T10:00:00-08:00');
    const request = await file('notarial_act', NOTARIAL);
    // Ten business days after Monday 2 November, Veterans Day (11th) not counted: 3–6, 9, 10, 12, 13, 16, 17.
    // Thirty, Thanksgiving (26th) not counted either: … 23, 24, 25, 27, 30, Dec 1–4, 7–11, 14, 15, 16.
    expect(request.deadline).toMatchObject({
      businessDays: 30,
      dueDate: '2026-12-16',
      dueAt: '2026-12-17T07:59:59.999Z',
      informationRequestDueAt: '2026-11-18T07:59:59.999Z',
      daysRemaining: 30,
      pausedBusinessDays: 0,
    });
    // The same filing at a consulate without the holidays: due two business days earlier.
    const plain = await createConsulate(t.prisma, { timeZone: 'America/Los_Angeles', services: [...SERVICES] });
    const clerk = await loginAs(t.app, t.prisma, 'documentation_officer', plain.id);
    const elsewhere = await post(clerk, {
      personId: (await createPerson(t.prisma, plain.id)).id,
      type: 'legalization',
      details: LEGALIZATION,
    });
    expect(elsewhere.json().deadline).toMatchObject({ businessDays: 30, dueDate: '2026-12-14' });
    expect(elsewhere.json().deadline.informationRequestDueAt).toBe('2026-11-17T07:59:59.999Z');

    clock.set('2026-11-03T09:00:00-08:00');
    await walk(t.app, officer.headers, request.id, ['under_review']);
    clock.set('2026-11-04T09:00:00-08:00');
    const asked = await move(t.app, officer.headers, request.id, 'needs_information', 'The attorney’s ID is missing');
    expect(asked.json().deadline.clockPaused).toBe(true);
    clock.set('2026-11-09T12:00:00-08:00');
    // Paused on Nov 5, 6 and 9: due three business days later, Monday 21 December.
    const back = await walk(t.app, officer.headers, request.id, ['under_review']);
    expect(back.deadline).toMatchObject({ clockPaused: false, pausedBusinessDays: 3, dueDate: '2026-12-21' });

    clock.set('2026-11-20T10:00:00-08:00');
    await walk(t.app, officer.headers, request.id, ['approved']);
    expectProblem(await move(t.app, officer.headers, request.id, 'issued'), 409); // the fee is not paid
    expect((await pay(request.id, 14_300, 'NT-1')).statusCode).toBe(201);
    clock.set('2026-11-23T10:00:00-08:00');
    const issued = await walk(t.app, officer.headers, request.id, ['issued']);
    expect(issued.deadline.resolvedWithinDeadline).toBe(true);
    clock.set('2026-11-24T10:00:00-08:00');
    const delivered = await walk(t.app, officer.headers, request.id, ['delivered']);
    expect(delivered).toMatchObject({ state: 'delivered', flags: [], paidCents: 14_300, allowedTransitions: [] });
    expect(
      await t.prisma.documentationRequest.findUniqueOrThrow({
        where: { id: request.id },
        select: { turnaroundDays: true, turnaroundBusinessDays: true },
      }),
    ).toEqual({ turnaroundDays: 21, turnaroundBusinessDays: 14 });
  });

  it('takes the deadlines from DOCUMENTATION_DEADLINES like the other types', async () => {
    const other = await buildTestApp({
      database: t.db,
      clock,
      env: { DOCUMENTATION_DEADLINES: '{"legalization":{"resolve":20,"information":5}}' },
    });
    try {
      clock.set('2026-11-02T10:00:00-08:00');
      const clerk = await loginAs(other.app, other.prisma, 'documentation_officer', la.id);
      const filed = await other.app.inject({
        method: 'POST',
        url: '/v1/documentation-requests',
        headers: clerk.headers,
        payload: { personId: (await createPerson(t.prisma, la.id)).id, type: 'legalization', details: LEGALIZATION },
      });
      expect(filed.statusCode, filed.body).toBe(201);
      // 20 business days (11th and 26th holidays): … 25, 27, 30, Dec 1, 2 — and 5 to ask for information: Nov 3–6, 9.
      expect(filed.json().deadline).toMatchObject({
        businessDays: 20,
        dueDate: '2026-12-02',
        informationRequestDueAt: '2026-11-10T07:59:59.999Z',
      });
      expect(other.config.documentationDeadlines.notarial_act).toEqual({ resolve: 30, information: 10 });
    } finally {
      await other.close();
    }
  });
});

describe('statistics per type', () => {
  it('count the new types received, issued, in the backlog and in turnaround, each with a drill-down to exactly its records', async () => {
    const office = await createConsulate(t.prisma, { timeZone: 'America/Los_Angeles', services: [...SERVICES] });
    const clerk = await loginAs(t.app, t.prisma, 'documentation_officer', office.id);
    const fileAt = async (type: string, details: object, at: string) => {
      clock.set(at);
      const res = await post(clerk, {
        personId: (await createPerson(t.prisma, office.id)).id,
        type,
        details,
        feeCents: 0,
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json();
    };
    const act = await fileAt('notarial_act', NOTARIAL, '2026-11-02T10:00:00-08:00');
    const legal = await fileAt('legalization', LEGALIZATION, '2026-11-03T10:00:00-08:00');
    await fileAt('legalization', LEGALIZATION, '2026-11-03T11:00:00-08:00');
    clock.set('2026-11-05T10:00:00-08:00');
    await walk(t.app, clerk.headers, act.id, ['under_review', 'approved', 'issued']);
    clock.set('2026-11-10T10:00:00-08:00'); // 5 business days after Nov 3
    await walk(t.app, clerk.headers, legal.id, ['under_review', 'approved', 'issued', 'delivered']);

    clock.set('2026-11-30T12:00:00-08:00');
    const stats = await statsOf(t.app, admin, `/v1/stats/consulates/${office.id}?from=2026-11-01&to=2026-11-30`);
    const doc = stats.figures.documentation;
    expect(doc.received.notarial_act.value).toBe(1);
    expect(doc.received.legalization.value).toBe(2);
    expect(doc.received.total.value).toBe(3);
    expect(doc.issued.notarial_act.value).toBe(1);
    expect(doc.issued.legalization.value).toBe(1);
    expect(doc.backlog.total.value).toBe(2); // the act (issued, not delivered) and the second legalization
    expect(doc.turnaround.notarial_act).toMatchObject({ medianDays: 3, medianBusinessDays: 3 });
    expect(doc.turnaround.legalization).toMatchObject({ medianDays: 7, medianBusinessDays: 5 });
    for (const figure of [
      doc.received.notarial_act,
      doc.received.legalization,
      doc.issued.notarial_act,
      doc.issued.legalization,
      doc.backlog.total,
      doc.backlog.byState.issued,
    ]) {
      expect(await follow(t.app, admin, figure.drillDown), figure.drillDown).toBe(figure.value);
    }
    const listed = await t.app.inject({ url: doc.received.legalization.drillDown, headers: admin.headers });
    expect(listed.json().data.every((r: { type: string }) => r.type === 'legalization')).toBe(true);

    const network = await statsOf(t.app, admin, '/v1/stats/network?from=2026-11-01&to=2026-11-30');
    const row = network.consulates.find((c: { consulate: { id: string } }) => c.consulate.id === office.id);
    expect(row.figures.documentation.received.legalization.value).toBe(2);
    expect(network.totals.documentation.received.legalization.value).toBeGreaterThanOrEqual(2);
    expect(await follow(t.app, admin, network.totals.documentation.received.notarial_act.drillDown)).toBe(
      network.totals.documentation.received.notarial_act.value,
    );
    const csv = await t.app.inject({
      url: `/v1/stats/consulates/${office.id}?from=2026-11-01&to=2026-11-30`,
      headers: { ...admin.headers, accept: 'text/csv' },
    });
    expect(csv.body).toContain('documentation.received.notarial_act,1,');
    expect(csv.body).toContain('documentation.issued.legalization,1,');
    // The rollup triggers count the new enum values like the others.
    expect(await rollupDrift(t.prisma)).toEqual([]);
  });
});

describe('kiosk status look-up', () => {
  it('names the procedure and its next step in every language', async () => {
    const kiosk = await registerKiosk(t.app, supervisor);
    const person = await createPerson(t.prisma, la.id, { dateOfBirth: new Date('1979-09-16T00:00:00Z') });
    clock.set('2026-11-02T10:00:00-08:00');
    const res = await post(officer, { personId: person.id, type: 'notarial_act', details: NOTARIAL, feeCents: 0 });
    const request = res.json();
    const look = (language: string) =>
      t.app.inject({
        url: `/v1/kiosk/request-status?reference=${request.reference}&dateOfBirth=1979-09-16`,
        headers: { ...kiosk.headers, 'accept-language': language },
      });
    const en = await look('en');
    expect(en.statusCode, en.body).toBe(200);
    expect(en.json()).toMatchObject({
      type: 'notarial_act',
      typeName: 'Notarial act',
      state: 'submitted',
      dueDate: '2026-12-16',
    });
    expect((await look('es')).json()).toMatchObject({ typeName: 'Acto notarial', status: 'Recibida' });
    await walk(t.app, officer.headers, request.id, ['under_review', 'approved', 'issued']);
    expect((await look('en')).json()).toMatchObject({ status: 'Ready for pick-up', dueDate: null });
    expect((await look('en')).json().nextStep).toMatch(/testimonio/);
    expect((await look('es')).json().nextStep).toMatch(/Su testimonio está listo/);

    const legal = (
      await post(officer, { personId: person.id, type: 'legalization', details: LEGALIZATION, feeCents: 0 })
    ).json();
    await walk(t.app, officer.headers, legal.id, ['under_review', 'approved', 'issued']);
    const lookLegal = (language: string) =>
      t.app.inject({
        url: `/v1/kiosk/request-status?reference=${legal.reference}&dateOfBirth=1979-09-16`,
        headers: { ...kiosk.headers, 'accept-language': language },
      });
    expect((await lookLegal('en')).json()).toMatchObject({ typeName: 'Legalization of documents' });
    expect((await lookLegal('en')).json().nextStep).toMatch(/legalized documents are ready/);
    expect((await lookLegal('es')).json()).toMatchObject({ typeName: 'Legalización de documentos' });
    expect((await lookLegal('es')).json().nextStep).toMatch(/documentos legalizados/);
  });
});

describe('appointments for the services', () => {
  it('books notarization and legalization appointments where the office schedules them', async () => {
    clock.set('2026-11-02T10:00:00-08:00');
    await putSchedule(t.app, supervisor.headers, la.id, {
      slotMinutes: 30,
      weeklyHours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, opens: '09:00', closes: '12:00' })),
      services: [
        { service: 'notarization', capacityPerSlot: 1 },
        { service: 'legalization', capacityPerSlot: 2 },
      ],
    });
    const person = await createPerson(t.prisma, la.id);
    const startsAt = '2026-11-04T09:00:00-08:00';
    const appointment = await booked(t.app, officer.headers, {
      personId: person.id,
      service: 'notarization',
      startsAt,
    });
    expect(appointment).toMatchObject({ service: 'notarization', state: 'booked' });
    const other = await createPerson(t.prisma, la.id);
    const full = expectProblem(
      await book(t.app, officer.headers, { personId: other.id, service: 'notarization', startsAt }),
      409,
    );
    expect(full.type).toMatch(/slot-full$/);
    expect(
      (await booked(t.app, officer.headers, { personId: other.id, service: 'legalization', startsAt })).service,
    ).toBe('legalization');
  });
});

describe('the non-binary marker X', () => {
  it('stays allowed on every identity document: the person, the passport, the matrícula and civil registrations', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/persons',
      headers: officer.headers,
      payload: personPayload({ genderMarker: 'X', curp: makeCurp('1990-05-17', 'X') }),
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().genderMarker).toBe('X');
    const personId = created.json().id;
    const fileAs = async (type: string, details: object) => {
      const res = await post(officer, { personId, type, details });
      expect(res.statusCode, `${type}: ${res.body}`).toBe(201);
      return res.json();
    };
    expect((await fileAs('passport', { application: 'first', validityYears: 10 })).type).toBe('passport');
    const matricula = await fileAs('consular_id', {
      usAddress: { line1: '1200 W 7th St', city: 'Los Angeles', state: 'CA', postalCode: '90017' },
      genderMarker: 'X',
      identityDocument: { kind: 'passport', number: 'G12345678' },
    });
    expect(matricula.details.genderMarker).toBe('X');
    const birth = await fileAs('birth_registration', {
      child: {
        givenNames: 'Alex',
        firstSurname: 'Núñez',
        sexMarker: 'X',
        dateOfBirth: '2025-11-02',
        placeOfBirth: { country: 'US', city: 'Los Angeles' },
      },
      parents: [{ givenNames: 'María José', firstSurname: 'Núñez', nationality: 'MX' }],
    });
    expect(birth.details.child.sexMarker).toBe('X');
    const recognition = await fileAs('gender_identity_recognition', {
      registeredName: { givenNames: 'María José', firstSurname: 'Núñez', secondSurname: 'García' },
      registeredMarker: 'F',
      newName: { givenNames: 'María José', firstSurname: 'Núñez', secondSurname: 'García' },
      newMarker: 'X',
      originalBirthRecord: { state: 'MX-JAL', recordNumber: '00991', year: 1990 },
    });
    expect(recognition.details.newMarker).toBe('X');
    // And the person's own record keeps it through an update.
    const read = await t.app.inject({ url: `/v1/persons/${personId}`, headers: officer.headers });
    expect(read.json().genderMarker).toBe('X');
  });
});
