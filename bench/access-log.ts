/**
 * `npm run bench -- access-log`: the database cost of the documentation
 * request read (the statement `GET /v1/documentation-requests/:id` runs)
 * alone, with its access-log row (partitioned table), with an audit_events
 * row instead, and with the access-log row committed asynchronously — one
 * connection, no concurrency, variants alternating in each round, so the
 * figures are per-statement latency including the commit (docs/decisions.md).
 */
import pg from 'pg';
import { benchDatabase, median } from './lib.ts';

export async function benchAccessLog(): Promise<void> {
  const db = await benchDatabase('accesslog');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const c = await client.query<{ id: string }>(
      `INSERT INTO consulates (code, name, kind, city, state, time_zone, updated_at)
     VALUES ('MIC', 'Micro', 'consulate', 'Los Angeles', 'CA', 'America/Los_Angeles', now()) RETURNING id`,
    );
    const consulateId = c.rows[0]!.id;
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const p = await client.query<{ id: string }>(
        `INSERT INTO persons (consulate_id, given_names, first_surname, name_search, date_of_birth, birth_country, gender_marker, updated_at)
       VALUES ($1, 'Ana', 'Pérez', 'ana perez', '1990-01-01', 'MX', 'F', now()) RETURNING id`,
        [consulateId],
      );
      const r = await client.query<{ id: string }>(
        `INSERT INTO documentation_requests (reference, consulate_id, person_id, type, details, deadline_days, info_deadline_days, updated_at)
       VALUES ($1, $2, $3, 'passport', '{}', 10, 3, now()) RETURNING id`,
        [`MIC-2026-${String(i).padStart(6, '0')}`, consulateId, p.rows[0]!.id],
      );
      ids.push(r.rows[0]!.id);
    }
    const columns = `SELECT r.id, r.reference, r.consulate_id, r.person_id, r.type::text AS type, r.details, r.state::text AS state,
    r.potential_duplicate, r.fee_pending, r.emergency, r.fee_cents, r.paid_cents, r.assigned_to_id, r.submitted_at,
    r.resolved_at, r.issued_at, r.cancelled_at, r.turnaround_days, r.turnaround_business_days, r.due_at,
    r.deadline_days, r.info_deadline_days, r.version, r.created_at, r.updated_at,
    p.given_names, p.first_surname, p.second_surname, p.date_of_birth, p.outside_jurisdiction,
    COALESCE((SELECT json_agg(json_build_array(e.from_state, e.to_state, e.at) ORDER BY e.at, e.seq)
              FROM documentation_request_events e WHERE e.request_id = r.id AND e.kind = 'transition'), '[]') AS transitions
    FROM documentation_requests r JOIN persons p ON p.id = r.person_id`;
    const where = 'r.id = $1 AND ($2::uuid IS NULL OR r.consulate_id = $2::uuid)';
    const plain = { name: 'plain', text: `${columns} WHERE ${where}` };
    const logged = {
      name: 'logged',
      text: `WITH found AS (${columns} WHERE ${where}), logged AS (
      INSERT INTO access_log (actor_type, actor_id, actor_role, consulate_id, person_id, entity_type, entity_id, action, request_id)
      SELECT $3::text, $4::uuid, $5::text, $6::uuid, found.person_id, 'documentation_request', found.id,
        'documentation_request.read', $7::text FROM found)
      SELECT * FROM found`,
    };
    const audited = {
      name: 'audited',
      text: `WITH found AS (${columns} WHERE ${where}), logged AS (
      INSERT INTO audit_events (actor_type, actor_id, actor_role, consulate_id, action, entity_type, entity_id, request_id)
      SELECT $3::text::actor_type, $4::uuid, $5::text, $6::uuid, 'documentation_request.read', 'documentation_request',
        found.id, $7::text FROM found)
      SELECT * FROM found`,
    };
    const asyncLogged = {
      name: 'async',
      text: `WITH found AS (${columns} WHERE ${where}), logged AS (
      INSERT INTO access_log (actor_type, actor_id, actor_role, consulate_id, person_id, entity_type, entity_id, action, request_id)
      SELECT $3::text, $4::uuid, $5::text, $6::uuid, found.person_id, 'documentation_request', found.id,
        'documentation_request.read', $7::text FROM found, (SELECT set_config('synchronous_commit', 'off', true)) s)
      SELECT * FROM found`,
    };
    const actor = ['staff', consulateId, 'documentation_officer', consulateId, 'req-1'];
    const run = async (q: { name: string; text: string }, withActor: boolean, n: number) => {
      const started = performance.now();
      for (let i = 0; i < n; i++) {
        const values = [ids[i % ids.length], consulateId, ...(withActor ? actor : [])];
        await client.query({ ...q, values });
      }
      return ((performance.now() - started) * 1000) / n;
    };
    const variants = [
      ['read alone', plain, false],
      ['read + access_log row (partitioned)', logged, true],
      ['read + audit_events row', audited, true],
      ['read + access_log row, asynchronous commit', asyncLogged, true],
    ] as const;
    for (const [, q, withActor] of variants) await run(q, withActor, 300);
    const results = variants.map(() => [] as number[]);
    for (let round = 0; round < 5; round++) {
      for (const [i, [, q, withActor]] of variants.entries()) results[i]!.push(await run(q, withActor, 1500));
    }
    for (const [i, [label]] of variants.entries()) {
      console.log(
        `${label.padEnd(44)} median ${median(results[i]!).toFixed(0)} µs (rounds ${results[i]!.map((x) => x.toFixed(0)).join(', ')})`,
      );
    }
    const settings = await client.query(
      `SELECT string_agg(name || '=' || setting, ', ') AS s FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'wal_writer_delay')`,
    );
    console.log(`server: ${settings.rows[0].s}`);
    const rows = await client.query('SELECT count(*)::int AS n FROM access_log');
    console.log(`access_log rows written: ${rows.rows[0].n}`);
  } finally {
    await client.end();
    await db.close();
  }
}
