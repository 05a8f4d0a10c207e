/**
 * Statistics at network scale. For each size (documentation requests; a tenth
 * as many protection cases, a third as many persons), fills a fresh database
 * with generated data — skewed across the ~54 seeded consulates, five years,
 * every type and state — with SQL generate_series (not the API; the rollup
 * triggers are off during the load and the rollups rebuilt after it, as a
 * bulk load would do), vacuums it as autovacuum would, then times (median of
 * several runs, through the HTTP API):
 *   - one consulate's statistics for one month (the busiest consulate),
 *   - the network statistics for the same month,
 *   - and, as the floors to compare with, a plain indexed count(*) of the
 *     requests submitted that month at that consulate, and across the network
 *     (printed with their plans).
 * The measured consulate and month hold the same records at every size (a
 * fixed block of FIXED_REQUESTS requests and FIXED_CASES cases, which is also
 * the consulate's whole live backlog); everything added with size lies in
 * other consulates or other months, and is finished work, as years-old
 * requests and cases are. So the consulate figures should cost the same at
 * every size if, and only if, they never scan other consulates' rows or other
 * months; the network figures should stay a small multiple of the network
 * floor, which grows with the month's rows across the network.
 * Prints the figures, the ratios to the floors and the large/small ratios.
 *
 *   npm run bench -- stats --requests 100000,1000000
 *
 * `npm run bench -- stats-writes` measures what the rollup triggers add to a
 * create and to a transition (see benchStatsWrites).
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
const WARMUP = 5;
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
  // A bulk load: the statistics triggers are off while it runs (local dates are
  // computed here the way the trigger computes them) and the rollups are
  // rebuilt once at the end.
  for (const table of ['documentation_requests', 'protection_cases']) {
    await client.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
  }
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
  await client.query(
    `CREATE TEMP TABLE p AS SELECT row_number() OVER () AS j, persons.id, consulate_id, c.time_zone
     FROM persons JOIN consulates c ON c.id = persons.consulate_id`,
  );
  await client.query('CREATE INDEX ON p (j)');
  // Requests: uniform over persons (so skewed like them), five years back from 2026-06-30.
  await client.query(`
    INSERT INTO documentation_requests (id, reference, consulate_id, person_id, type, details, state, fee_cents, paid_cents,
      submitted_at, resolved_at, issued_at, cancelled_at, due_at, deadline_days, info_deadline_days,
      turnaround_days, turnaround_business_days, created_at, updated_at,
      submitted_date, resolved_date, issued_date, cancelled_date)
    SELECT gen_random_uuid(), 'B-' || g, p.consulate_id, p.id, r.type, '{}'::jsonb, r.state, 0, 0,
      r.submitted, i.resolved, i.issued, i.cancelled,
      r.submitted + interval '14 days', 10, 3,
      CASE WHEN r.state IN ('issued','delivered') THEN r.resolve_days + 2 END,
      CASE WHEN r.state IN ('issued','delivered') THEN ((r.resolve_days + 2) * 5) / 7 END,
      r.submitted, r.submitted,
      (r.submitted AT TIME ZONE p.time_zone)::date, (i.resolved AT TIME ZONE p.time_zone)::date,
      (i.issued AT TIME ZONE p.time_zone)::date, (i.cancelled AT TIME ZONE p.time_zone)::date
    FROM generate_series(1, ${requests}) g
    JOIN p ON p.j = 1 + (g * 48271::bigint) % ${persons}
    CROSS JOIN LATERAL (SELECT
      timestamptz '2021-07-01' + ((g * 69621::bigint) % (5 * 365 * 24 * 60)) * interval '1 minute' AS submitted,
      (ARRAY['passport','passport','passport','passport','passport','consular_id','consular_id','consular_id','birth_registration','gender_identity_recognition'])[1 + g % 10]::documentation_type AS type,
      -- Years-old requests are finished; the live backlog is the fixed block below.
      (ARRAY['delivered','delivered','delivered','delivered','delivered','delivered','delivered','delivered','rejected','cancelled'])[1 + (g / 10) % 10]::documentation_state AS state,
      1 + g % 20 AS resolve_days) r
    CROSS JOIN LATERAL (SELECT
      CASE WHEN r.state IN ('approved','issued','delivered','rejected') THEN r.submitted + r.resolve_days * interval '1 day' END AS resolved,
      CASE WHEN r.state IN ('issued','delivered') THEN r.submitted + (r.resolve_days + 2) * interval '1 day' END AS issued,
      CASE WHEN r.state = 'cancelled' THEN r.submitted + interval '3 days' END AS cancelled) i
    WHERE NOT (p.consulate_id = (SELECT id FROM c WHERE i = 0) AND r.submitted >= '${KEEP_OUT.from}' AND r.submitted < '${KEEP_OUT.to}')`);
  // The fixed block: the target consulate's June 2024, the same at every size.
  await client.query(`
    INSERT INTO documentation_requests (id, reference, consulate_id, person_id, type, details, state, fee_cents, paid_cents,
      submitted_at, resolved_at, issued_at, cancelled_at, due_at, deadline_days, info_deadline_days,
      turnaround_days, turnaround_business_days, created_at, updated_at,
      submitted_date, resolved_date, issued_date, cancelled_date)
    SELECT gen_random_uuid(), 'BF-' || g, t.id, t.person, r.type, '{}'::jsonb, r.state, 0, 0,
      r.submitted, i.resolved, i.issued, i.cancelled,
      r.submitted + interval '14 days', 10, 3,
      CASE WHEN r.state IN ('issued','delivered') THEN g % 9 + 1 END,
      CASE WHEN r.state IN ('issued','delivered') THEN ((g % 9 + 1) * 5) / 7 END,
      r.submitted, r.submitted,
      (r.submitted AT TIME ZONE t.time_zone)::date, (i.resolved AT TIME ZONE t.time_zone)::date,
      (i.issued AT TIME ZONE t.time_zone)::date, (i.cancelled AT TIME ZONE t.time_zone)::date
    FROM generate_series(1, ${FIXED_REQUESTS}) g
    CROSS JOIN (SELECT c.id, z.time_zone, (SELECT id FROM persons WHERE consulate_id = c.id LIMIT 1) AS person
                FROM c JOIN consulates z ON z.id = c.id WHERE i = 0) t
    CROSS JOIN LATERAL (SELECT
      timestamptz '2024-06-03T15:00:00Z' + (g % 20) * interval '1 day' + (g % 7) * interval '1 hour' AS submitted,
      (ARRAY['passport','consular_id','birth_registration','gender_identity_recognition'])[1 + g % 4]::documentation_type AS type,
      (ARRAY['delivered','issued','approved','under_review','submitted','needs_information','rejected','cancelled'])[1 + g % 8]::documentation_state AS state) r
    CROSS JOIN LATERAL (SELECT
      CASE WHEN r.state IN ('approved','issued','delivered','rejected') THEN r.submitted + (g % 9) * interval '1 day' END AS resolved,
      CASE WHEN r.state IN ('issued','delivered') THEN r.submitted + (g % 9 + 1) * interval '1 day' END AS issued,
      CASE WHEN r.state = 'cancelled' THEN r.submitted + interval '1 day' END AS cancelled) i`);
  await client.query(`
    INSERT INTO protection_cases (id, reference, consulate_id, origin_consulate_id, category, priority, confidential, summary,
      consent_given, consent_given_by, consent_recorded_at, consent_channel, state, opened_at, first_action_due_at,
      first_action_at, resolved_at, closed_at, created_at, updated_at, opened_date, closed_date)
    SELECT gen_random_uuid(), 'BP-' || g, p.consulate_id, p.consulate_id, x.category, x.priority, x.category IN ('gender_based_violence','human_trafficking','minor_unaccompanied'),
      'Generated case', true, 'national', x.opened, 'phone', x.state, x.opened, x.opened + interval '72 hours',
      CASE WHEN x.state <> 'open' THEN x.opened + (g % 100) * interval '1 hour' END,
      CASE WHEN x.state IN ('resolved','closed') THEN x.opened + interval '20 days' END,
      CASE WHEN x.state = 'closed' THEN x.opened + interval '25 days' END,
      x.opened, x.opened, (x.opened AT TIME ZONE p.time_zone)::date,
      CASE WHEN x.state = 'closed' THEN ((x.opened + interval '25 days') AT TIME ZONE p.time_zone)::date END
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
      first_action_at, closed_at, created_at, updated_at, opened_date, closed_date)
    SELECT gen_random_uuid(), 'BPF-' || g, t.id, t.id, (enum_range(NULL::protection_category))[1 + g % 12],
      (enum_range(NULL::protection_priority))[1 + g % 4], false, 'Generated case', true, 'national',
      x.opened, 'phone',
      (ARRAY['closed','in_progress','open','referred'])[1 + g % 4]::protection_state,
      x.opened, x.opened + interval '24 hours',
      CASE WHEN g % 4 <> 2 THEN x.opened + (g % 30) * interval '1 hour' END,
      x.closed, now(), now(), (x.opened AT TIME ZONE t.time_zone)::date, (x.closed AT TIME ZONE t.time_zone)::date
    FROM generate_series(1, ${FIXED_CASES}) g
    CROSS JOIN (SELECT c.id, z.time_zone FROM c JOIN consulates z ON z.id = c.id WHERE i = 0) t
    CROSS JOIN LATERAL (SELECT timestamptz '2024-06-05T16:00:00Z' + (g % 20) * interval '1 day' AS opened,
      CASE WHEN g % 4 = 0 THEN timestamptz '2024-06-05T16:00:00Z' + (g % 20 + 3) * interval '1 day' END AS closed) x`);
  for (const table of ['documentation_requests', 'protection_cases']) {
    await client.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
  }
  const rebuilt = performance.now();
  await client.query('SELECT rebuild_statistics_rollups()');
  const rebuildSeconds = (performance.now() - rebuilt) / 1000;
  // Autovacuum would have passed over tables this old: the visibility map lets counts read the index alone.
  await client.query('VACUUM ANALYZE');
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
    `  filled ${counts.r} requests, ${counts.c} protection cases, ${counts.p} persons in ${fmt((performance.now() - started) / 1000)} s (rollups rebuilt in ${fmt(rebuildSeconds)} s); busiest consulate ${busiest.code}`,
  );
  return { busiest: busiest.consulate_id, code: busiest.code };
}

/**
 * Median (and least, telling on a busy machine) of RUNS runs, in ms, after
 * WARMUP runs: the first answers of a fresh process run cold code (a network
 * answer builds some nine thousand figures), which a running API has long
 * compiled.
 */
async function timeIt(run: () => Promise<unknown>): Promise<number & { min: number }> {
  for (let i = 0; i < WARMUP; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return Object.assign(median(times), { min: Math.min(...times) });
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
    const received = (await app.inject({ url: `/v1/stats/network?from=${MONTH.from}&to=${MONTH.to}`, headers })).json<{
      totals: { documentation: { received: { total: { value: number } } } };
    }>().totals.documentation.received.total.value;
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    // The month in the consulate's own time zone, as the statistics count it.
    const zone = (
      await client.query<{ time_zone: string }>('SELECT time_zone FROM consulates WHERE id = $1', [busiest])
    ).rows[0]!.time_zone;
    const bounds = { start: startOfLocalDay(MONTH.from, zone), end: startOfLocalDay(nextDate(MONTH.to), zone) };
    const floors = {
      consulate: {
        sql: 'SELECT count(*) FROM documentation_requests WHERE consulate_id = $1 AND submitted_at >= $2 AND submitted_at < $3',
        params: [busiest, bounds.start, bounds.end] as unknown[],
      },
      // The month's requests at every consulate, each in its own calendar: what the network figures are about.
      network: {
        sql: 'SELECT count(*) FROM documentation_requests WHERE submitted_date BETWEEN $1 AND $2',
        params: [MONTH.from, MONTH.to] as unknown[],
      },
    };
    const floor = async ({ sql, params }: { sql: string; params: unknown[] }) => {
      const ms = await timeIt(() => client.query(sql, params));
      const plan = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
      const top = (plan.rows[0] as { 'QUERY PLAN': [{ Plan: PlanNode }] })['QUERY PLAN'][0].Plan;
      const rows = Number((await client.query<{ count: string }>(sql, params)).rows[0]!.count);
      return { ms, rows, plan: planOf(top) };
    };
    const consulateFloor = await floor(floors.consulate);
    const networkFloor = await floor(floors.network);
    await client.end();
    await app.close();
    return { requests, consulateMs, networkMs, consulateFloor, networkFloor, received };
  } finally {
    await db.close();
  }
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Heap Fetches'?: number;
  Plans?: PlanNode[];
}

/** The scan under the count: "Index Only Scan documentation_requests_submitted_date_idx (0 heap fetches)". */
function planOf(node: PlanNode): string {
  const scan = node.Plans?.[0] ?? node;
  const fetches = scan['Heap Fetches'] !== undefined ? ` (${scan['Heap Fetches']} heap fetches)` : '';
  return `${scan['Node Type']}${scan['Index Name'] ? ` ${scan['Index Name']}` : ''}${fetches}`;
}

export async function benchStats(sizes: number[]): Promise<void> {
  const results = [];
  for (const size of sizes) {
    console.log(`stats: ${size} documentation requests`);
    results.push(await measure(size));
  }
  console.log(
    `\n  period ${MONTH.from}..${MONTH.to}, median of ${RUNS} runs after ${WARMUP} (ms); floors: an indexed count(*) of the month's requests`,
  );
  console.log(
    `    consulate floor: ${'SELECT count(*) FROM documentation_requests WHERE consulate_id = $1 AND submitted_at >= $2 AND submitted_at < $3'}`,
  );
  console.log(
    `    network floor:   ${'SELECT count(*) FROM documentation_requests WHERE submitted_date BETWEEN $1 AND $2'}`,
  );
  console.log(
    '  requests     consulate-month  floor (rows)          ratio   network-month  floor (rows)           ratio',
  );
  for (const r of results) {
    console.log(
      `  ${String(r.requests).padEnd(12)} ${fmt(r.consulateMs).padStart(15)}  ${`${fmt(r.consulateFloor.ms, 2)} (${r.consulateFloor.rows})`.padEnd(20)} ${fmt(r.consulateMs / r.consulateFloor.ms, 1).padStart(6)}   ${fmt(r.networkMs).padStart(13)}  ${`${fmt(r.networkFloor.ms, 2)} (${r.networkFloor.rows})`.padEnd(20)} ${fmt(r.networkMs / r.networkFloor.ms, 1).padStart(6)}`,
    );
  }
  for (const r of results) {
    console.log(
      `  at ${r.requests}: least of the runs: consulate ${fmt(r.consulateMs.min)}, its floor ${fmt(r.consulateFloor.ms.min, 2)}, network ${fmt(r.networkMs.min)}, its floor ${fmt(r.networkFloor.ms.min, 2)} (ratio ${fmt(r.networkMs.min / r.networkFloor.ms.min, 1)})`,
    );
    console.log(
      `    consulate floor ${r.consulateFloor.plan}; network floor ${r.networkFloor.plan}; network received.total ${r.received} (the network floor counts ${r.networkFloor.rows})`,
    );
  }
  if (results.length >= 2) {
    const small = results[0]!;
    const large = results[results.length - 1]!;
    console.log(
      `  ratio ${large.requests}/${small.requests}: consulate ${fmt(large.consulateMs / small.consulateMs, 2)}, network ${fmt(large.networkMs / small.networkMs, 2)}, network floor ${fmt(large.networkFloor.ms / small.networkFloor.ms, 2)} (data ×${fmt(large.requests / small.requests, 0)})`,
    );
  }
}

/** The triggers the statistics added to documentation_requests (local dates and rollups). */
const STATISTICS_TRIGGERS = [
  'documentation_requests_local_dates_insert',
  'documentation_requests_local_dates_update',
  ...['submitted', 'issued', 'resolved', 'cancelled'].flatMap((family) =>
    ['insert', 'update', 'delete'].map((op) => `documentation_requests_count_${family}_${op}`),
  ),
];

/**
 * What the statistics triggers cost the write path, measured straight on
 * PostgreSQL (no API), with and without them, in alternating rounds:
 *   - creates as the API makes them for one consulate: each transaction takes
 *     the consulate's reference counter row (so creates serialise on it, as
 *     in POST /v1/documentation-requests) and inserts a request, from 8
 *     clients at once, and from 1 client (latency);
 *   - transitions: submitted → under_review → approved → issued, three
 *     updates in one transaction, from 8 clients on different requests;
 *   - both again inside PostgreSQL, from a procedure that commits each one
 *     (no client in the way; the least of the rounds is reported);
 *   - and the server-side time of each trigger, from EXPLAIN ANALYZE of a
 *     single insert and of an issuing update.
 * Commits are asynchronous (synchronous_commit off), so the figures show the
 * CPU the triggers add rather than the disk's flush time.
 *
 *   npm run bench -- stats-writes
 */
export async function benchStatsWrites(seconds = 5, rounds = 3): Promise<void> {
  const db = await benchDatabase('statswrites');
  try {
    const prisma = createPrismaClient(db.url, 2);
    await seed(prisma);
    await prisma.$disconnect();
    const setup = new pg.Client({ connectionString: db.url });
    await setup.connect();
    const { rows } = await setup.query<{ consulate: string; person: string }>(`
      WITH c AS (SELECT id FROM consulates ORDER BY code LIMIT 1)
      INSERT INTO persons (consulate_id, given_names, first_surname, name_search, date_of_birth, birth_country, gender_marker)
      SELECT id, 'Bench', 'Writes', 'bench writes', '1980-01-01', 'MX', 'F' FROM c RETURNING consulate_id AS consulate, id AS person`);
    const { consulate, person } = rows[0]!;
    await setup.query(`INSERT INTO reference_counters VALUES ($1, 'D', 2026, 1)`, [consulate]);
    const triggers = async (on: boolean) => {
      for (const name of STATISTICS_TRIGGERS) {
        await setup.query(`ALTER TABLE documentation_requests ${on ? 'ENABLE' : 'DISABLE'} TRIGGER ${name}`);
      }
    };
    const insert = `INSERT INTO documentation_requests (reference, consulate_id, person_id, type, details, submitted_at, due_at,
        deadline_days, info_deadline_days)
      VALUES ('W-' || $3::text, $1, $2, (enum_range(NULL::documentation_type))[1 + $4::int % 4], '{}', now(),
        now() + interval '14 days', 10, 3) RETURNING id`;
    let serial = 0;
    const clients = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const c = new pg.Client({ connectionString: db.url });
        await c.connect();
        await c.query('SET synchronous_commit = off');
        return c;
      }),
    );
    const create = async (c: pg.Client) => {
      await c.query('BEGIN');
      await c.query(
        `UPDATE reference_counters SET last_value = last_value + 1 WHERE consulate_id = $1 AND series = 'D' AND year = 2026`,
        [consulate],
      );
      const n = ++serial;
      const { rows: made } = await c.query<{ id: string }>(insert, [consulate, person, `${process.pid}-${n}`, n]);
      await c.query('COMMIT');
      return made[0]!.id;
    };
    const submitted: string[] = [];
    const transition = async (c: pg.Client) => {
      const id = submitted.pop();
      if (!id) return false;
      await c.query('BEGIN');
      await c.query(`UPDATE documentation_requests SET state = 'under_review', version = version + 1 WHERE id = $1`, [
        id,
      ]);
      await c.query(
        `UPDATE documentation_requests SET state = 'approved', resolved_at = now(), version = version + 1 WHERE id = $1`,
        [id],
      );
      await c.query(
        `UPDATE documentation_requests SET state = 'issued', issued_at = now(), turnaround_days = 0,
           turnaround_business_days = 0, version = version + 1 WHERE id = $1`,
        [id],
      );
      await c.query('COMMIT');
      return true;
    };
    /** Tasks per second from `workers` for `seconds` (or until a task says there is nothing left). */
    const rate = async (workers: pg.Client[], task: (c: pg.Client) => Promise<unknown>) => {
      const deadline = performance.now() + seconds * 1000;
      let done = 0;
      const started = performance.now();
      await Promise.all(
        workers.map(async (c) => {
          while (performance.now() < deadline && (await task(c)) !== false) done++;
        }),
      );
      return done / ((performance.now() - started) / 1000);
    };
    const results: Record<string, Record<string, number[]>> = { on: {}, off: {} };
    const record = (mode: 'on' | 'off', what: string, value: number) => (results[mode]![what] ??= []).push(value);
    for (let round = 0; round < rounds; round++) {
      for (const mode of ['off', 'on'] as const) {
        await triggers(mode === 'on');
        record(mode, 'creates/s, 8 clients', await rate(clients, create));
        record(mode, 'µs per create, 1 client', 1_000_000 / (await rate(clients.slice(0, 1), create)));
        // Requests to move: filed with the same triggers, so their keys exist as they would.
        for (let i = 0; i < 3000; i++) submitted.push(await create(clients[0]!));
        record(mode, 'transition sets/s, 8 clients', await rate(clients, transition));
        submitted.length = 0;
      }
    }
    // The same inside PostgreSQL, without a client: a procedure committing each create (or each set of
    // three transitions) in turn; the least of the rounds is the least disturbed by other work.
    await setup.query(`CREATE SEQUENCE bench_writes`);
    await setup.query(`
      CREATE PROCEDURE bench_creates(k integer, consulate uuid, person uuid) LANGUAGE plpgsql AS $$
      BEGIN
        FOR i IN 1 .. k LOOP
          UPDATE reference_counters SET last_value = last_value + 1 WHERE consulate_id = consulate AND series = 'D' AND year = 2026;
          INSERT INTO documentation_requests (reference, consulate_id, person_id, type, details, submitted_at, due_at,
            deadline_days, info_deadline_days)
          VALUES ('L-' || nextval('bench_writes'), consulate, person, (enum_range(NULL::documentation_type))[1 + i % 4], '{}',
            now(), now() + interval '14 days', 10, 3);
          COMMIT;
        END LOOP;
      END $$`);
    await setup.query(`
      CREATE PROCEDURE bench_transitions(consulate uuid) LANGUAGE plpgsql AS $$
      DECLARE
        -- An array, not a loop over a query: an open cursor would keep its snapshot across the commits
        -- and, with it, every dead version of the rows updated since (the counter rows among them).
        ids uuid[] := ARRAY(SELECT id FROM documentation_requests
                            WHERE consulate_id = consulate AND state = 'submitted' AND reference LIKE 'L-%');
        request uuid;
      BEGIN
        FOREACH request IN ARRAY ids LOOP
          UPDATE documentation_requests SET state = 'under_review', version = version + 1 WHERE id = request;
          UPDATE documentation_requests SET state = 'approved', resolved_at = now(), version = version + 1 WHERE id = request;
          UPDATE documentation_requests SET state = 'issued', issued_at = now(), turnaround_days = 0,
            turnaround_business_days = 0, version = version + 1 WHERE id = request;
          COMMIT;
        END LOOP;
      END $$`);
    const loops = 2000;
    for (let round = 0; round < rounds; round++) {
      for (const mode of ['off', 'on'] as const) {
        await triggers(mode === 'on');
        let t0 = performance.now();
        await setup.query('CALL bench_creates($1, $2, $3)', [loops, consulate, person]);
        record(mode, 'µs per create, in PostgreSQL', ((performance.now() - t0) * 1000) / loops);
        t0 = performance.now();
        await setup.query('CALL bench_transitions($1)', [consulate]);
        record(mode, 'µs per transition set, in PostgreSQL', ((performance.now() - t0) * 1000) / loops);
      }
    }
    // Server-side trigger times: EXPLAIN ANALYZE reports each trigger's time.
    await triggers(true);
    const triggerTimes: Record<string, number[]> = {};
    const explain = async (sql: string, params: unknown[]) => {
      const plan = await clients[0]!.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
      const out = (plan.rows[0] as { 'QUERY PLAN': [{ Triggers?: { 'Trigger Name': string; Time: number }[] }] })[
        'QUERY PLAN'
      ][0];
      for (const t of out.Triggers ?? []) (triggerTimes[t['Trigger Name']] ??= []).push(t.Time * 1000);
    };
    for (let i = 0; i < 300; i++) {
      const n = ++serial;
      await explain(insert, [consulate, person, `${process.pid}-${n}`, n]);
    }
    const fresh: string[] = [];
    for (let i = 0; i < 300; i++) fresh.push(await create(clients[0]!));
    for (const id of fresh) {
      await clients[0]!.query(
        `UPDATE documentation_requests SET state = 'approved', resolved_at = now() WHERE id = $1`,
        [id],
      );
      await explain(
        `UPDATE documentation_requests SET state = 'issued', issued_at = now(), turnaround_days = 3,
           turnaround_business_days = 2 WHERE id = $1`,
        [id],
      );
    }
    await Promise.all(clients.map((c) => c.end()));
    await setup.end();

    console.log(
      `\n  documentation requests, one consulate; ${rounds} alternating rounds per mode (${seconds} s from clients, ${loops} in PostgreSQL); median from clients, least in PostgreSQL`,
    );
    console.log('  measure                                 without triggers   with triggers   change');
    for (const what of Object.keys(results.on!)) {
      const pick = what.includes('in PostgreSQL') ? (v: number[]) => Math.min(...v) : median;
      const off = pick(results.off![what]!);
      const on = pick(results.on![what]!);
      console.log(
        `  ${what.padEnd(39)} ${fmt(off).padStart(16)}   ${fmt(on).padStart(13)}   ${`${on >= off ? '+' : ''}${fmt(((on - off) / off) * 100)} %`.padStart(8)}`,
      );
    }
    console.log('  server-side time per trigger call (EXPLAIN ANALYZE, median of 300, µs):');
    for (const [name, times] of Object.entries(triggerTimes)) {
      if (name.startsWith('RI_')) continue;
      console.log(`    ${name.padEnd(48)} ${fmt(median(times)).padStart(6)}`);
    }
  } finally {
    await db.close();
  }
}
