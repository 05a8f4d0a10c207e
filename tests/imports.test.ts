import { describe, expect, it, beforeAll } from 'vitest';
import { buildTestApp, testClock, useTestApp } from './helpers/build-test-app.ts';
import { DETAILS, fileRequest } from './helpers/documentation.ts';
import { finished, importFile, ndjson, postImport, rejectionsOf } from './helpers/imports.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson, makeCurp } from './factories/persons.ts';

/**
 * Import of historical records: lines validated with the API's rules and
 * refused alone, batches (three lines here) committed whole, re-imports
 * skipped, dry runs, progress and rejections, scope, and a job taken over
 * from a replica that stopped.
 */
const clock = testClock('2026-06-01T18:00:00Z');
const t = useTestApp({ clock, env: { IMPORT_BATCH_LINES: '3' } });

let a: { id: string; code: string };
let b: { id: string; code: string };
let admin: LoggedIn;
let supervisorA: LoggedIn;
let supervisorB: LoggedIn;

beforeAll(async () => {
  a = await createConsulate(t.prisma, { timeZone: 'America/Los_Angeles' });
  b = await createConsulate(t.prisma, { timeZone: 'America/New_York' });
  admin = await loginAs(t.app, t.prisma, 'admin');
  supervisorA = await loginAs(t.app, t.prisma, 'supervisor', a.id);
  supervisorB = await loginAs(t.app, t.prisma, 'supervisor', b.id);
});

const person = (externalId: string, consulate: string, overrides: Record<string, unknown> = {}) => ({
  kind: 'person',
  externalId,
  consulate,
  givenNames: 'Rosa Elena',
  firstSurname: 'Quintanilla',
  secondSurname: 'Berumen',
  dateOfBirth: '1988-02-11',
  placeOfBirth: { country: 'MX', subdivision: 'MX-ZAC' },
  curp: makeCurp('1988-02-11', 'M', 'ZS'),
  genderMarker: 'F',
  ...overrides,
});

const birth = {
  ...DETAILS.birth_registration,
  child: { ...DETAILS.birth_registration.child, dateOfBirth: '2024-12-20' },
};

const request = (
  externalId: string,
  consulate: string,
  personExternalId: string,
  overrides: Record<string, unknown> = {},
) => ({
  kind: 'documentation_request',
  externalId,
  consulate,
  personExternalId,
  type: 'birth_registration',
  details: birth,
  submittedAt: '2025-01-06T17:00:00Z',
  history: [
    { state: 'under_review', at: '2025-01-07T17:00:00Z', actor: 'Oficial Ruiz' },
    { state: 'approved', at: '2025-01-09T17:00:00Z', actor: 'Oficial Ruiz' },
    { state: 'issued', at: '2025-01-13T17:00:00Z', actor: 'Cónsul Adscrito' },
  ],
  ...overrides,
});

describe('POST /v1/imports', () => {
  it('imports persons and requests with their history; bad lines are refused by number and reason, never half-written', async () => {
    const file = ndjson([
      person('P-1', a.code),
      request('R-1', a.code, 'P-1'),
      request('R-2', a.code, 'P-1', {
        externalId: 'R-2',
        history: [{ state: 'approved', at: '2025-01-07T17:00:00Z', actor: 'x' }],
      }),
      '{"kind":"person", not json',
      person('P-2', a.code, { curp: 'QUBR880211MZSNRS00' }),
      request('R-3', a.code, 'P-404'),
      request('R-4', a.code, 'P-1', { submittedAt: '2026-07-01T00:00:00Z', history: [] }),
      request('R-5', a.code, 'P-1', {
        history: [{ state: 'under_review', at: '2025-01-05T17:00:00Z', actor: 'x' }],
      }),
      request('R-6', a.code, 'P-1', {
        history: [
          { state: 'under_review', at: '2025-01-07T17:00:00Z', actor: 'x' },
          { state: 'rejected', at: '2025-01-08T17:00:00Z', actor: 'x' },
        ],
      }),
      '',
      request('R-7', a.code, 'P-1', { feeCents: 2500, payments: [] }),
      { kind: 'appointment' },
      request('R-8', 'NOPE', 'P-1'),
      request('R-9', a.code, 'P-1', {
        type: 'passport',
        details: { application: 'first', validityYears: 1 },
        history: [],
      }),
    ]);
    const job = await importFile(t.app, admin.headers, file);
    expect(job).toMatchObject({
      state: 'succeeded',
      linesTotal: 14,
      linesRead: 14,
      created: 2,
      skipped: 0,
      rejected: 11,
    });
    expect(job.startedAt).not.toBeNull();
    expect(job.finishedAt).not.toBeNull();

    const rejections = await rejectionsOf(t.app, admin.headers, job.id);
    expect(rejections.map((r) => r.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14]);
    const reason = Object.fromEntries(rejections.map((r) => [r.line, r.reason]));
    expect(reason[3]).toMatch(/^history\.0\.state: a request in state submitted cannot move to approved/);
    expect(reason[4]).toBe('(line): is not valid JSON');
    expect(reason[5]).toMatch(/^curp: /);
    expect(reason[6]).toMatch(/^personExternalId: no person with this externalId/);
    expect(reason[7]).toBe('submittedAt: must not be in the future');
    expect(reason[8]).toMatch(/^history\.0\.at: must not be before submittedAt/);
    expect(reason[9]).toBe('history.1.reason: is required for rejected');
    expect(reason[11]).toMatch(/^payments: the fee was not paid/);
    expect(reason[12]).toBe('kind: must be person or documentation_request');
    expect(reason[13]).toBe('consulate: no consulate has this code');
    expect(reason[14]).toMatch(/^details\.validityYears: adults get 3, 6 or 10 years/);
    // Reasons name fields and rules, never the values of the line.
    for (const r of rejections) expect(r.reason).not.toMatch(/Quintanilla|Rosa|QUBR/);

    // Only the good lines were written, whole: the person, the request, its timeline.
    const persons = await t.prisma.person.findMany({ where: { consulateId: a.id } });
    expect(persons.map((p) => p.externalId)).toEqual(['P-1']);
    const requests = await t.prisma.documentationRequest.findMany({ where: { consulateId: a.id } });
    expect(requests).toHaveLength(1);
    const r1 = requests[0]!;
    expect(r1).toMatchObject({
      externalId: 'R-1',
      reference: `${a.code}-2025-000001`,
      state: 'issued',
      submittedAt: new Date('2025-01-06T17:00:00Z'),
      resolvedAt: new Date('2025-01-09T17:00:00Z'),
      issuedAt: new Date('2025-01-13T17:00:00Z'),
      turnaroundDays: 7,
      turnaroundBusinessDays: 5,
    });
    expect(r1.dueAt).not.toBeNull();

    const read = await t.app.inject({ url: `/v1/documentation-requests/${r1.id}`, headers: admin.headers });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({
      state: 'issued',
      issuedAt: '2025-01-13T17:00:00.000Z',
      deadline: { resolvedWithinDeadline: true },
    });
    const timeline = await t.app.inject({
      url: `/v1/documentation-requests/${r1.id}/timeline`,
      headers: admin.headers,
    });
    expect(
      timeline
        .json<{ data: { toState: string; at: string; details: { actor?: string } }[] }>()
        .data.map((e) => [e.toState, e.at, e.details?.actor ?? null]),
    ).toEqual([
      ['submitted', '2025-01-06T17:00:00.000Z', null],
      ['under_review', '2025-01-07T17:00:00.000Z', 'Oficial Ruiz'],
      ['approved', '2025-01-09T17:00:00.000Z', 'Oficial Ruiz'],
      ['issued', '2025-01-13T17:00:00.000Z', 'Cónsul Adscrito'],
    ]);

    // One audit event per written batch, naming the import, without personal values.
    const audits = await t.prisma.auditEvent.findMany({ where: { action: 'import.batch', entityId: job.id } });
    expect(audits).toHaveLength(5);
    expect(audits.every((e) => (e.details as { importId: string }).importId === job.id)).toBe(true);
    expect(JSON.stringify(audits)).not.toMatch(/Quintanilla|Rosa/);
    expect(JSON.stringify(t.logs)).not.toMatch(/Quintanilla|Rosa Elena/);

    // The same file again creates nothing: the good lines are skipped, the bad ones refused again.
    const again = await importFile(t.app, admin.headers, file);
    expect(again).toMatchObject({ state: 'succeeded', created: 0, skipped: 2, rejected: 11 });
    expect(await t.prisma.documentationRequest.count({ where: { consulateId: a.id } })).toBe(1);
  });

  it('an overlapping file creates only what is new; references run in each year’s series after the existing ones', async () => {
    const c = await createConsulate(t.prisma, { timeZone: 'America/Los_Angeles' });
    const supervisor = await loginAs(t.app, t.prisma, 'supervisor', c.id);
    // One request filed through the API this year (2026).
    const existing = await createPerson(t.prisma, c.id);
    const filed = await fileRequest(t.app, supervisor.headers, existing.id, 'passport');
    expect(filed.reference).toBe(`${c.code}-2026-000001`);

    const first = ndjson([person('P-1', c.code), request('R-1', c.code, 'P-1')]);
    expect(await importFile(t.app, supervisor.headers, first)).toMatchObject({ created: 2, skipped: 0, rejected: 0 });
    const overlapping = ndjson([
      person('P-1', c.code),
      request('R-1', c.code, 'P-1'),
      request('R-2', c.code, 'P-1', { submittedAt: '2026-01-01T08:30:00Z', history: [] }),
      // 31 December 2025 in Los Angeles (1 January 2026 in UTC): the 2025 series.
      request('R-3', c.code, 'P-1', { submittedAt: '2026-01-01T07:00:00Z', history: [] }),
      request('R-4', c.code, 'P-1', { submittedAt: '2025-03-01T17:00:00Z', history: [] }),
    ]);
    expect(await importFile(t.app, supervisor.headers, overlapping)).toMatchObject({
      created: 3,
      skipped: 2,
      rejected: 0,
    });
    const refs = await t.prisma.documentationRequest.findMany({
      where: { consulateId: c.id },
      select: { externalId: true, reference: true },
      orderBy: { reference: 'asc' },
    });
    expect(refs).toEqual([
      { externalId: 'R-1', reference: `${c.code}-2025-000001` },
      { externalId: 'R-4', reference: `${c.code}-2025-000002` },
      { externalId: 'R-3', reference: `${c.code}-2025-000003` },
      { externalId: null, reference: `${c.code}-2026-000001` },
      { externalId: 'R-2', reference: `${c.code}-2026-000002` },
    ]);
    // And the API's next filing continues the series.
    const next = await fileRequest(t.app, supervisor.headers, existing.id, 'consular_id');
    expect(next.reference).toBe(`${c.code}-2026-000003`);
  });

  it('?dryRun=true validates every line and writes nothing', async () => {
    const c = await createConsulate(t.prisma);
    const file = ndjson([
      person('P-1', c.code),
      request('R-1', c.code, 'P-1'),
      request('R-1', c.code, 'P-1'),
      request('R-2', c.code, 'P-1'),
      request('R-3', c.code, 'P-2'),
    ]);
    const dry = await importFile(t.app, admin.headers, file, '?dryRun=true');
    expect(dry).toMatchObject({ state: 'succeeded', dryRun: true, created: 3, skipped: 1, rejected: 1 });
    expect(await t.prisma.person.count({ where: { consulateId: c.id } })).toBe(0);
    expect(await t.prisma.documentationRequest.count({ where: { consulateId: c.id } })).toBe(0);
    expect(await t.prisma.referenceCounter.count({ where: { consulateId: c.id } })).toBe(0);
    expect(await t.prisma.importDryKey.count()).toBe(0);
    const real = await importFile(t.app, admin.headers, file);
    expect(real).toMatchObject({ dryRun: false, created: 3, skipped: 1, rejected: 1 });
  });

  it('a batch that cannot be written is not written at all: the job fails with the counts of the batches before it', async () => {
    const c = await createConsulate(t.prisma);
    await t.prisma.$executeRawUnsafe(`
      CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.external_id = 'POISON' THEN RAISE EXCEPTION 'poison'; END IF; RETURN NEW; END $$`);
    await t.prisma.$executeRawUnsafe(
      `CREATE TRIGGER refuse_poison BEFORE INSERT ON documentation_requests FOR EACH ROW EXECUTE FUNCTION refuse_poison()`,
    );
    try {
      const job = await importFile(
        t.app,
        admin.headers,
        ndjson([
          person('P-1', c.code),
          request('R-1', c.code, 'P-1'),
          request('R-2', c.code, 'P-1'),
          // Second batch: a good line, then one the database refuses.
          request('R-3', c.code, 'P-1'),
          request('POISON', c.code, 'P-1'),
          request('R-5', c.code, 'P-1'),
          request('R-6', c.code, 'P-1'),
        ]),
      );
      expect(job).toMatchObject({ state: 'failed', linesRead: 3, created: 3 });
      expect(job.error).toMatch(/^The batch from line 4 could not be written/);
      const written = await t.prisma.documentationRequest.findMany({ where: { consulateId: c.id } });
      expect(written.map((r) => r.externalId).sort()).toEqual(['R-1', 'R-2']);
      expect(await t.prisma.referenceCounter.findFirst({ where: { consulateId: c.id } })).toMatchObject({
        lastValue: 2,
      });
    } finally {
      await t.prisma.$executeRawUnsafe(`DROP TRIGGER refuse_poison ON documentation_requests`);
      await t.prisma.$executeRawUnsafe(`DROP FUNCTION refuse_poison()`);
    }
  });

  it('supervisors import for their own consulate; others’ imports are 404; other roles 403', async () => {
    const job = await importFile(t.app, supervisorA.headers, ndjson([person('S-1', a.code), person('S-2', b.code)]));
    expect(job).toMatchObject({ created: 1, rejected: 1 });
    expect(await rejectionsOf(t.app, supervisorA.headers, job.id)).toEqual([
      { line: 2, reason: 'consulate: is not your consulate (supervisors import their own consulate’s records)' },
    ]);
    expect((await t.app.inject({ url: `/v1/imports/${job.id}`, headers: supervisorB.headers })).statusCode).toBe(404);
    expect(
      (await t.app.inject({ url: `/v1/imports/${job.id}/rejections`, headers: supervisorB.headers })).statusCode,
    ).toBe(404);
    expect((await t.app.inject({ url: `/v1/imports/${job.id}`, headers: admin.headers })).statusCode).toBe(200);

    const officer = await loginAs(t.app, t.prisma, 'documentation_officer', a.id);
    const post = (headers: Record<string, string>, contentType = 'application/x-ndjson') =>
      t.app.inject({
        method: 'POST',
        url: '/v1/imports',
        headers: { ...headers, 'content-type': contentType },
        payload: ndjson([person('S-3', a.code)]),
      });
    expect((await post(officer.headers)).statusCode).toBe(403);
    expect((await post({})).statusCode).toBe(401);
    const json = await t.app.inject({
      method: 'POST',
      url: '/v1/imports',
      headers: admin.headers,
      payload: { kind: 'person' },
    });
    expect(json.statusCode).toBe(415);
    expect(json.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('a job survives its replica', () => {
  it('a job whose replica stopped mid-way is resumed by another at its first uncommitted batch, nothing twice', async () => {
    const c = await createConsulate(t.prisma);
    // A replica that receives the file but does not run jobs by itself.
    const other = await buildTestApp({
      database: t.db,
      clock,
      env: { IMPORT_WORKER: 'false', IMPORT_BATCH_LINES: '3' },
    });
    const headers = (await loginAs(other.app, other.prisma, 'admin')).headers;
    const lines = [person('P-1', c.code), ...Array.from({ length: 8 }, (_, i) => request(`R-${i}`, c.code, 'P-1'))];
    let job;
    try {
      job = await postImport(other.app, headers, ndjson(lines));
      expect(job.state).toBe('queued');
      // It takes the job it received (leased to it meanwhile), commits one batch and dies holding the lease.
      const claimed = await other.app.imports.runSome(1);
      expect(claimed?.id).toBe(job.id);
    } finally {
      await other.close();
    }
    const halfway = await t.app.inject({ url: `/v1/imports/${job.id}`, headers: admin.headers });
    expect(halfway.json()).toMatchObject({ state: 'running', linesRead: 3, created: 3 });
    // Its lease runs out; a live replica takes the job over.
    await t.prisma
      .$executeRaw`UPDATE import_jobs SET lease_until = now() - interval '1 second' WHERE id = ${job.id}::uuid`;
    t.app.imports.kick();
    const done = await finished(t.app, admin.headers, job.id);
    expect(done).toMatchObject({ state: 'succeeded', linesRead: 9, created: 9, skipped: 0, rejected: 0 });
    expect(await t.prisma.documentationRequest.count({ where: { consulateId: c.id } })).toBe(8);
    expect(await t.prisma.referenceCounter.findFirst({ where: { consulateId: c.id } })).toMatchObject({ lastValue: 8 });
    expect(await t.prisma.importChunk.count({ where: { jobId: job.id } })).toBe(0);
  });

  it('an upload whose replica stopped before the end of the file is reported failed, with its counts', async () => {
    const [row] = await t.prisma.$queryRaw<{ id: string }[]>`
      INSERT INTO import_jobs (actor_id, actor_role, state, dry_run, lease_owner, lease_until)
      VALUES (${admin.staff.id}::uuid, 'admin', 'receiving', false, 'gone', now() - interval '1 second') RETURNING id`;
    t.app.imports.kick();
    const job = await finished(t.app, admin.headers, row!.id);
    expect(job).toMatchObject({ state: 'failed', created: 0 });
    expect(job.error).toMatch(/^The upload did not finish/);
  });
});
