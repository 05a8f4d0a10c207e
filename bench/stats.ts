/**
 * Statistics at network scale. For each size (documentation requests; a tenth
 * as many protection cases, a third as many persons), fills a fresh database
 * with generated data — skewed across the ~54 seeded consulates, five years,
 * every type and state — with SQL generate_series (not the API), then times
 * (median of several runs, through the HTTP API):
 *   - one consulate's statistics for one month (the busiest consulate),
 *   - the network statistics for the same month,
 *   - and, as the floor to compare with, a plain indexed count(*) of that
 *     consulate's requests submitted that month.
 * The measured consulate and month hold the same records at every size (a
 * fixed block of FIXED_REQUESTS requests and FIXED_CASES cases, which is also
 * the consulate's whole live backlog); everything added with size lies in
 * other consulates or other months, and is finished work, as years-old
 * requests and cases are. So the consulate
 * figures should cost the same at every size if, and only if, they never scan
 * other consulates' rows or other months. Network figures grow with the rows of
 * the month across the network, which the output shows beside them.
 * Prints the figures and the large/small ratios.
 *
 *   npm run bench -- stats --requests 100000,1000000
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { seed } from '../prisma/seed.ts';
import { buildApp } from '../src/app.ts';
import { parseEnv, toAppConfig } from '../src/config/env.ts';
import { createPrismaClient } from '../src/db/client.ts';
import { nextDate, startOfLocalDay } from '../src/lib/calendar.ts';
import { createLogger } from '../src/lib/logger.ts';
import { hashPassword } from '../src/lib/passwords.ts';
import { benchDatabase, fmt, median } from './lib.ts';

const RUNS = 7;
const FIXED_REQUESTS = 2000;
const FIXED_CASES = 200;
/** Around the target month, in UTC, so no generated row of the target consulate falls in it whatever its zone. */
const KEEP_OUT = { from: '2024-05-30T00:00:00Z', to: '2024-07-03T00:00:00Z' };
const MONTH = { from: '2024-06-01', to: '2024-06-30' };

export async function fill(url: string, requests: number): Promise<{ busiest: string; code: string }> {
  const prisma = createPrismaClient(url, 2);
  await seed(prisma);
  await prisma.$disconnect();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const persons = Math.max(1, Math.floor(requests / 3));
  const cases = Math.max(1, Math.floor(requests / 10));
  const started = performance.now();
  await client.query('SET synchronous_commit = off');
  // Consulates in a fixed order; a power law makes the first ones the busiest (Los Angeles, Chicago…).
  await client.query(
    `CREATE TEMP TABLE c AS SELECT row_number() OVER (ORDER BY code) - 1 AS i, id, code FROM consulates`,
  );
  const n = (await client.query<{ n: string }>('SELECT count(*) AS n FROM c')).rows[0]!.n;
  await client.query(`
    INSERT INTO persons (id, consulate_id, given_names, first_surname, name_search, date_of_birth, birth_country, birth_subdivision, gender_marker)
    SELECT gen_random_uuid(), c.id, 'Nombre ' || g, 'Apellido ' || (g % 997), 'nombre ' || g || ' apellido ' || (g % 997),
           date '1950-01-01' + (g % 20000), 'MX', 'MX-JAL', (ARRAY['F','M','X'])[1 + g % 3]::gender_marker
    FROM generate_series(1, ${persons}) g
    JOIN c ON c.i = floor(${n} * power(((g * 2654435761::bigint) % 1000003) / 1000003.0, 2))::int`);
  await client.query(`CREATE TEMP TABLE p AS SELECT row_number() OVER () AS j, id, consulate_id FROM persons`);
  await client.query('CREATE INDEX ON p (j)');
  // Requests: uniform over persons (so skewed like them), five years back from 2026-06-30.
  await client.query(`
    INSERT INTO documentation_requests (id, reference, consulate_id, person_id, type, details, state, fee_cents, paid_cents,
      submitted_at, resolved_at, issued_at, cancelled_at, due_at, deadline_days, info_deadline_days,
      turnaround_days, turnaround_business_days, created_at, updated_at)
    SELECT gen_random_uuid(), 'B-' || g, p.consulate_id, p.id, r.type, '{}'::jsonb, r.state, 0, 0,
      r.submitted,
      CASE WHEN r.state IN ('approved','issued','delivered','rejected') THEN r.submitted + r.resolve_days * interval '1 day' END,
      CASE WHEN r.state IN ('issued','delivered') THEN r.submitted + (r.resolve_days + 2) * interval '1 day' END,
      CASE WHEN r.state = 'cancelled' THEN r.submitted + interval '3 days' END,
      r.submitted + interval '14 days', 10, 3,
      CASE WHEN r.state IN ('issued','delivered') THEN r.resolve_days + 2 END,
      CASE WHEN r.state IN ('issued','delivered') THEN ((r.resolve_days + 2) * 5) / 7 END,
      r.submitted, r.submitted
    FROM generate_series(1, ${requests}) g
    JOIN p ON p.j = 1 + (g * 48271::bigint) % ${persons}
    CROSS JOIN LATERAL (SELECT
      timestamptz '2021-07-01' + ((g * 69621::bigint) % (5 * 365 * 24 * 60)) * interval '1 minute' AS submitted,
      (ARRAY['passport','passport','passport','passport','passport','consular_id','consular_id','consular_id','birth_registration','gender_identity_recognition'])[1 + g % 10]::documentation_type AS type,
      -- Years-old requests are finished; the live backlog is the fixed block below.
      (ARRAY['delivered','delivered','delivered','delivered','delivered','delivered','delivered','delivered','rejected','cancelled'])[1 + (g / 10) % 10]::documentation_state AS state,
      1 + g % 20 AS resolve_days) r
    WHERE NOT (p.consulate_id = (SELECT id FROM c WHERE i = 0) AND r.submitted >= '${KEEP_OUT.from}' AND r.submitted < '${KEEP_OUT.to}')`);
  // The fixed block: the target consulate's June 2024, the same at every size.
  await client.query(`
    INSERT INTO documentation_requests (id, reference, consulate_id, person_id, type, details, state, fee_cents, paid_cents,
      submitted_at, resolved_at, issued_at, cancelled_at, due_at, deadline_days, info_deadline_days,
      turnaround_days, turnaround_business_days, created_at, updated_at)
    SELECT gen_random_uuid(), 'BF-' || g, t.id, t.person, r.type, '{}'::jsonb, r.state, 0, 0,
      r.submitted,
      CASE WHEN r.state IN ('approved','issued','delivered','rejected') THEN r.submitted + (g % 9) * interval '1 day' END,
      CASE WHEN r.state IN ('issued','delivered') THEN r.submitted + (g % 9 + 1) * interval '1 day' END,
      CASE WHEN r.state = 'cancelled' THEN r.submitted + interval '1 day' END,
      r.submitted + interval '14 days', 10, 3,
      CASE WHEN r.state IN ('issued','delivered') THEN g % 9 + 1 END,
      CASE WHEN r.state IN ('issued','delivered') THEN ((g % 9 + 1) * 5) / 7 END,
      r.submitted, r.submitted
    FROM generate_series(1, ${FIXED_REQUESTS}) g
    CROSS JOIN (SELECT c.id, (SELECT id FROM persons WHERE consulate_id = c.id LIMIT 1) AS person FROM c WHERE i = 0) t
    CROSS JOIN LATERAL (SELECT
      timestamptz '2024-06-03T15:00:00Z' + (g % 20) * interval '1 day' + (g % 7) * interval '1 hour' AS submitted,
      (ARRAY['passport','consular_id','birth_registration','gender_identity_recognition'])[1 + g % 4]::documentation_type AS type,
      (ARRAY['delivered','issued','approved','under_review','submitted','needs_information','rejected','cancelled'])[1 + g % 8]::documentation_state AS state) r`);
  await client.query(`
    INSERT INTO protection_cases (id, reference, consulate_id, origin_consulate_id, category, priority, confidential, summary,
      consent_given, consent_given_by, consent_recorded_at, consent_channel, state, opened_at, first_action_due_at,
      first_action_at, resolved_at, closed_at, created_at, updated_at)
    SELECT gen_random_uuid(), 'BP-' || g, p.consulate_id, p.consulate_id, x.category, x.priority, x.category IN ('gender_based_violence','human_trafficking','minor_unaccompanied'),
      'Generated case', true, 'national', x.opened, 'phone', x.state, x.opened, x.opened + interval '72 hours',
      CASE WHEN x.state <> 'open' THEN x.opened + (g % 100) * interval '1 hour' END,
      CASE WHEN x.state IN ('resolved','closed') THEN x.opened + interval '20 days' END,
      CASE WHEN x.state = 'closed' THEN x.opened + interval '25 days' END,
      x.opened, x.opened
    FROM generate_series(1, ${cases}) g
    JOIN p ON p.j = 1 + (g * 16807::bigint) % ${persons}
    CROSS JOIN LATERAL (SELECT
      timestamptz '2021-07-01' + ((g * 40692::bigint) % (5 * 365 * 24 * 60)) * interval '1 minute' AS opened,
      (enum_range(NULL::protection_category))[1 + g % 12] AS category,
      (enum_range(NULL::protection_priority))[1 + (g / 12) % 4] AS priority,
      (ARRAY['closed','closed','closed','closed','closed','closed','closed','closed','closed','resolved'])[1 + (g / 48) % 10]::protection_state AS state) x
    WHERE NOT (p.consulate_id = (SELECT id FROM c WHERE i = 0) AND x.opened >= '${KEEP_OUT.from}' AND x.opened < '${KEEP_OUT.to}')`);
  await client.query(`
    INSERT INTO protection_cases (id, reference, consulate_id, origin_consulate_id, category, priority, confidential, summary,
      consent_given, consent_given_by, consent_recorded_at, consent_channel, state, opened_at, first_action_due_at,
      first_action_at, closed_at, created_at, updated_at)
    SELECT gen_random_uuid(), 'BPF-' || g, t.id, t.id, (enum_range(NULL::protection_category))[1 + g % 12],
      (enum_range(NULL::protection_priority))[1 + g % 4], false, 'Generated case', true, 'national',
      timestamptz '2024-06-05T16:00:00Z' + (g % 20) * interval '1 day', 'phone',
      (ARRAY['closed','in_progress','open','referred'])[1 + g % 4]::protection_state,
      timestamptz '2024-06-05T16:00:00Z' + (g % 20) * interval '1 day',
      timestamptz '2024-06-05T16:00:00Z' + (g % 20) * interval '1 day' + interval '24 hours',
      CASE WHEN g % 4 <> 2 THEN timestamptz '2024-06-05T16:00:00Z' + (g % 20) * interval '1 day' + (g % 30) * interval '1 hour' END,
      CASE WHEN g % 4 = 0 THEN timestamptz '2024-06-05T16:00:00Z' + (g % 20 + 3) * interval '1 day' END,
      now(), now()
    FROM generate_series(1, ${FIXED_CASES}) g CROSS JOIN (SELECT id FROM c WHERE i = 0) t`);
  await client.query('ANALYZE');
  // The target: the busiest consulate of the power law (the first by code).
  const busiest = (
    await client.query<{ consulate_id: string; code: string }>(`SELECT id AS consulate_id, code FROM c WHERE i = 0`)
  ).rows[0]!;
  const counts = (
    await client.query<{ r: string; c: string; p: string }>(
      'SELECT (SELECT count(*) FROM documentation_requests) r, (SELECT count(*) FROM protection_cases) c, (SELECT count(*) FROM persons) p',
    )
  ).rows[0]!;
  await client.end();
  console.log(
    `  filled ${counts.r} requests, ${counts.c} protection cases, ${counts.p} persons in ${fmt((performance.now() - started) / 1000)} s; busiest consulate ${busiest.code}`,
  );
  return { busiest: busiest.consulate_id, code: busiest.code };
}

async function timeIt(run: () => Promise<unknown>): Promise<number> {
  await run(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function measure(requests: number) {
  const db = await benchDatabase(`stats${requests}`);
  try {
    const { busiest } = await fill(db.url, requests);
    const config = toAppConfig(
      parseEnv({
        DATABASE_URL: db.url,
        JWT_SECRET: 'bench-secret-bench-secret-bench-secret',
        LOG_LEVEL: 'silent',
        // One token makes every request: the per-actor limit is counted but never reached.
        RATE_LIMIT_PER_STAFF: '2147483647',
      }),
    );
    const app = await buildApp({ config, logger: createLogger('silent') });
    await app.ready();
    const prisma = createPrismaClient(db.url, 1);
    await prisma.staffMember.create({
      data: {
        email: 'hq@bench.test',
        fullName: 'HQ',
        role: 'admin',
        passwordHash: await hashPassword('bench password 123'),
      },
    });
    await prisma.$disconnect();
    const login = await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 'hq@bench.test', password: 'bench password 123' },
    });
    const headers = { authorization: `Bearer ${login.json<{ accessToken: string }>().accessToken}` };
    const get = (url: string) => async () => {
      const res = await app.inject({ url, headers });
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    };
    const consulateMs = await timeIt(get(`/v1/stats/consulates/${busiest}?from=${MONTH.from}&to=${MONTH.to}`));
    const networkMs = await timeIt(get(`/v1/stats/network?from=${MONTH.from}&to=${MONTH.to}`));
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    // The month in the consulate's own time zone, as the statistics count it.
    const zone = (
      await client.query<{ time_zone: string }>('SELECT time_zone FROM consulates WHERE id = $1', [busiest])
    ).rows[0]!.time_zone;
    const bounds = { start: startOfLocalDay(MONTH.from, zone), end: startOfLocalDay(nextDate(MONTH.to), zone) };
    const floorMs = await timeIt(() =>
      client.query(
        'SELECT count(*) FROM documentation_requests WHERE consulate_id = $1 AND submitted_at >= $2 AND submitted_at < $3',
        [busiest, bounds.start, bounds.end],
      ),
    );
    const plan = await client.query(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT count(*) FROM documentation_requests WHERE consulate_id = $1 AND submitted_at >= $2 AND submitted_at < $3`,
      [busiest, bounds.start, bounds.end],
    );
    const month = await client.query<{ n: string; network: string }>(
      `SELECT count(*) FILTER (WHERE consulate_id = $1) n, count(*) network
       FROM documentation_requests WHERE submitted_at >= $2 AND submitted_at < $3`,
      [busiest, bounds.start, bounds.end],
    );
    await client.end();
    await app.close();
    const node = (plan.rows[0] as { 'QUERY PLAN': [{ Plan: { Plans?: [{ 'Node Type': string }] } }] })['QUERY PLAN'][0]
      .Plan;
    return {
      requests,
      consulateMs,
      networkMs,
      floorMs,
      monthRows: Number(month.rows[0]!.n),
      networkMonthRows: Number(month.rows[0]!.network),
      floorPlan: node.Plans?.[0]?.['Node Type'] ?? '?',
    };
  } finally {
    await db.close();
  }
}

export async function benchStats(sizes: number[]): Promise<void> {
  const results = [];
  for (const size of sizes) {
    console.log(`stats: ${size} documentation requests`);
    results.push(await measure(size));
  }
  console.log(`\n  period ${MONTH.from}..${MONTH.to}, median of ${RUNS} runs (ms)`);
  console.log(
    '  requests     consulate-month   network-month   floor count(*)   rows: consulate-month  network-month   floor plan',
  );
  for (const r of results) {
    console.log(
      `  ${String(r.requests).padEnd(12)} ${fmt(r.consulateMs).padStart(15)}   ${fmt(r.networkMs).padStart(13)}   ${fmt(r.floorMs, 2).padStart(14)}   ${String(r.monthRows).padStart(21)}  ${String(r.networkMonthRows).padStart(13)}   ${r.floorPlan}`,
    );
  }
  if (results.length >= 2) {
    const small = results[0]!;
    const large = results[results.length - 1]!;
    console.log(
      `  ratio ${large.requests}/${small.requests}: consulate ${fmt(large.consulateMs / small.consulateMs, 2)}, network ${fmt(large.networkMs / small.networkMs, 2)}, floor ${fmt(large.floorMs / small.floorMs, 2)} (data ×${fmt(large.requests / small.requests, 0)})`,
    );
  }
}
