import type pg from 'pg';

/**
 * The SQL of imports, by hand: an import writes thousands of rows per batch,
 * each table in one multi-row INSERT over `unnest` arrays (one round trip per
 * table and batch, whatever its size).
 */

export interface JobRow {
  id: string;
  consulate_id: string | null;
  actor_id: string;
  actor_role: string;
  state: 'receiving' | 'queued' | 'running' | 'succeeded' | 'failed';
  dry_run: boolean;
  bytes: string;
  lines_total: number | null;
  lines_read: number;
  created: number;
  skipped: number;
  rejected: number;
  next_seq: number;
  error: string | null;
  request_id: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const JOB_COLUMNS = `id, consulate_id, actor_id, actor_role, state, dry_run, bytes::text AS bytes, lines_total, lines_read,
  created, skipped, rejected, next_seq, error, request_id, created_at, started_at, finished_at`;

/** How long a replica holds a job (or an upload) without renewing; renewed with every chunk and batch. */
export const LEASE_SECONDS = 60;
const LEASE = `clock_timestamp() + interval '${LEASE_SECONDS} seconds'`;

async function rows<T>(db: pg.ClientBase | pg.Pool, text: string, values: unknown[] = []): Promise<T[]> {
  return (await db.query(text, values)).rows as T[];
}

export async function insertJob(
  db: pg.ClientBase,
  job: {
    consulateId: string | null;
    actorId: string;
    actorRole: string;
    dryRun: boolean;
    owner: string;
    requestId: string;
    createdAt: Date;
  },
): Promise<JobRow> {
  const [row] = await rows<JobRow>(
    db,
    `INSERT INTO import_jobs (consulate_id, actor_id, actor_role, state, dry_run, lease_owner, lease_until, request_id, created_at)
     VALUES ($1, $2, $3, 'receiving', $4, $5, ${LEASE}, $6, $7) RETURNING ${JOB_COLUMNS}`,
    [job.consulateId, job.actorId, job.actorRole, job.dryRun, job.owner, job.requestId, job.createdAt],
  );
  return row!;
}

export async function findJob(db: pg.Pool | pg.ClientBase, id: string): Promise<JobRow | undefined> {
  const [row] = await rows<JobRow>(db, `SELECT ${JOB_COLUMNS} FROM import_jobs WHERE id = $1`, [id]);
  return row;
}

/** Stores one chunk of the upload and renews the upload's lease. */
export async function insertChunk(
  db: pg.Pool,
  jobId: string,
  chunk: { seq: number; firstLine: number; lineCount: number; data: Buffer; bytes: number },
): Promise<void> {
  await db.query(
    `WITH c AS (INSERT INTO import_chunks (job_id, seq, first_line, line_count, data) VALUES ($1, $2, $3, $4, $5))
     UPDATE import_jobs SET bytes = $6, lease_until = ${LEASE}, updated_at = clock_timestamp() WHERE id = $1`,
    [jobId, chunk.seq, chunk.firstLine, chunk.lineCount, chunk.data, chunk.bytes],
  );
}

/**
 * The upload is stored: the job is queued, still leased to the replica that
 * received it (which claims it first); if that replica does not, others take
 * it once the lease runs out.
 */
export async function queueJob(db: pg.Pool, jobId: string, linesTotal: number, bytes: number): Promise<JobRow> {
  const [row] = await rows<JobRow>(
    db,
    `UPDATE import_jobs SET state = 'queued', lines_total = $2, bytes = $3, lease_until = ${LEASE},
       updated_at = clock_timestamp()
     WHERE id = $1 RETURNING ${JOB_COLUMNS}`,
    [jobId, linesTotal, bytes],
  );
  return row!;
}

export async function failJob(db: pg.Pool | pg.ClientBase, jobId: string, error: string, at: Date): Promise<void> {
  await db.query(
    `UPDATE import_jobs SET state = 'failed', error = $2, finished_at = $3, lease_owner = NULL, lease_until = NULL,
       updated_at = clock_timestamp()
     WHERE id = $1 AND state NOT IN ('succeeded', 'failed')`,
    [jobId, error.slice(0, 500), at],
  );
  await db.query(`DELETE FROM import_chunks WHERE job_id = $1`, [jobId]);
  await db.query(`DELETE FROM import_dry_keys WHERE job_id = $1`, [jobId]);
}

/**
 * Uploads whose replica stopped before the file was stored cannot be resumed
 * (the rest of the file is gone with the connection): they are failed, with
 * what was received, once their lease has run out.
 */
export async function failAbandonedUploads(db: pg.Pool, at: Date): Promise<number> {
  const failed = await rows<{ id: string }>(
    db,
    `UPDATE import_jobs SET state = 'failed', finished_at = $1, lease_owner = NULL, lease_until = NULL,
       error = 'The upload did not finish: the replica receiving it stopped. Send the file again (lines already imported are skipped).',
       updated_at = clock_timestamp()
     WHERE state = 'receiving' AND lease_until < clock_timestamp() RETURNING id`,
    [at],
  );
  for (const { id } of failed) await db.query(`DELETE FROM import_chunks WHERE job_id = $1`, [id]);
  return failed.length;
}

/**
 * Takes the oldest job that no live replica holds (queued, or running with an
 * expired lease: its replica stopped), or one `owner` itself received. SKIP LOCKED: two replicas
 * claiming at once take different jobs, never the same one.
 */
export async function claimJob(db: pg.Pool, owner: string, at: Date): Promise<JobRow | undefined> {
  const [row] = await rows<JobRow>(
    db,
    `UPDATE import_jobs SET state = 'running', lease_owner = $1, lease_until = ${LEASE},
       started_at = coalesce(started_at, $2), updated_at = clock_timestamp()
     WHERE id = (
       SELECT id FROM import_jobs
       WHERE state IN ('queued', 'running')
         AND (lease_until IS NULL OR lease_until < clock_timestamp() OR (state = 'queued' AND lease_owner = $1))
       ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
     RETURNING ${JOB_COLUMNS}`,
    [owner, at],
  );
  return row;
}

/** Gives a job back (shutting down): another replica takes it at once. */
export async function releaseJob(db: pg.Pool, jobId: string, owner: string): Promise<void> {
  await db.query(
    `UPDATE import_jobs SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2 AND state = 'running'`,
    [jobId, owner],
  );
}

export async function finishJob(db: pg.Pool, jobId: string, owner: string, at: Date): Promise<void> {
  await db.query(
    `UPDATE import_jobs SET state = 'succeeded', finished_at = $3, lease_owner = NULL, lease_until = NULL,
       updated_at = clock_timestamp()
     WHERE id = $1 AND lease_owner = $2`,
    [jobId, owner, at],
  );
  await db.query(`DELETE FROM import_chunks WHERE job_id = $1`, [jobId]);
  await db.query(`DELETE FROM import_dry_keys WHERE job_id = $1`, [jobId]);
}

export interface ChunkRow {
  seq: number;
  first_line: number;
  line_count: number;
  data: Buffer;
}

export async function readChunk(db: pg.Pool, jobId: string, seq: number): Promise<ChunkRow | undefined> {
  const [row] = await rows<ChunkRow>(
    db,
    `SELECT seq, first_line, line_count, data FROM import_chunks WHERE job_id = $1 AND seq = $2`,
    [jobId, seq],
  );
  return row;
}

/**
 * First statement of a batch: still this replica's job, still at this chunk
 * (else another replica took over: the batch is not written), lease renewed;
 * then the lock that serialises import batches across replicas, so that two
 * imports of overlapping files never both create a record.
 */
export async function enterBatch(db: pg.ClientBase, jobId: string, owner: string, seq: number): Promise<boolean> {
  const held = await rows<{ id: string }>(
    db,
    `UPDATE import_jobs SET lease_until = ${LEASE} WHERE id = $1 AND lease_owner = $2 AND next_seq = $3 RETURNING id`,
    [jobId, owner, seq],
  );
  if (held.length === 0) return false;
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('imports'))`);
  return true;
}

export async function completeBatch(
  db: pg.ClientBase,
  jobId: string,
  seq: number,
  counts: { lines: number; created: number; skipped: number; rejected: number },
): Promise<JobRow> {
  const [row] = await rows<JobRow>(
    db,
    `UPDATE import_jobs SET lines_read = lines_read + $3, created = created + $4, skipped = skipped + $5,
       rejected = rejected + $6, next_seq = $2 + 1, updated_at = clock_timestamp()
     WHERE id = $1 RETURNING ${JOB_COLUMNS}`,
    [jobId, seq, counts.lines, counts.created, counts.skipped, counts.rejected],
  );
  return row!;
}

export interface KnownPerson {
  consulate_id: string;
  external_id: string;
  id: string | null;
  date_of_birth: string;
}

/** Persons already imported (or, in a dry run, accepted by an earlier batch), by consulate and externalId. */
export async function knownPersons(
  db: pg.ClientBase,
  jobId: string,
  dryRun: boolean,
  keys: { consulateIds: string[]; externalIds: string[] },
): Promise<KnownPerson[]> {
  if (keys.consulateIds.length === 0) return [];
  return rows<KnownPerson>(
    db,
    `WITH k AS (SELECT DISTINCT * FROM unnest($1::uuid[], $2::text[]) AS k(consulate_id, external_id))
     SELECT p.consulate_id, p.external_id, p.id, p.date_of_birth::text AS date_of_birth
     FROM k JOIN persons p ON p.consulate_id = k.consulate_id AND p.external_id = k.external_id
     UNION ALL
     SELECT d.consulate_id, d.external_id, NULL, d.date_of_birth::text
     FROM k JOIN import_dry_keys d ON d.job_id = $3 AND d.kind = 'P' AND $4
       AND d.consulate_id = k.consulate_id AND d.external_id = k.external_id`,
    [keys.consulateIds, keys.externalIds, jobId, dryRun],
  );
}

export async function knownRequests(
  db: pg.ClientBase,
  jobId: string,
  dryRun: boolean,
  keys: { consulateIds: string[]; externalIds: string[] },
): Promise<{ consulate_id: string; external_id: string }[]> {
  if (keys.consulateIds.length === 0) return [];
  return rows(
    db,
    `WITH k AS (SELECT DISTINCT * FROM unnest($1::uuid[], $2::text[]) AS k(consulate_id, external_id))
     SELECT r.consulate_id, r.external_id
     FROM k JOIN documentation_requests r ON r.consulate_id = k.consulate_id AND r.external_id = k.external_id
     UNION ALL
     SELECT d.consulate_id, d.external_id
     FROM k JOIN import_dry_keys d ON d.job_id = $3 AND d.kind = 'R' AND $4
       AND d.consulate_id = k.consulate_id AND d.external_id = k.external_id`,
    [keys.consulateIds, keys.externalIds, jobId, dryRun],
  );
}

/** CURPs already registered at their consulate (the persons' unique key). */
export async function takenCurps(
  db: pg.ClientBase,
  keys: { consulateIds: string[]; curps: string[] },
): Promise<{ consulate_id: string; curp: string }[]> {
  if (keys.consulateIds.length === 0) return [];
  return rows(
    db,
    `SELECT p.consulate_id, p.curp FROM unnest($1::uuid[], $2::text[]) AS k(consulate_id, curp)
     JOIN persons p ON p.consulate_id = k.consulate_id AND p.curp = k.curp`,
    [keys.consulateIds, keys.curps],
  );
}

/** Reserves `n` numbers of each consulate's yearly series at once; the last number of each. */
export async function reserveReferences(
  db: pg.ClientBase,
  groups: { consulateId: string; year: number; n: number }[],
): Promise<Map<string, number>> {
  const last = new Map<string, number>();
  if (groups.length === 0) return last;
  const found = await rows<{ consulate_id: string; year: number; last_value: number }>(
    db,
    `INSERT INTO reference_counters (consulate_id, series, year, last_value)
     SELECT consulate_id, 'D', year, n FROM unnest($1::uuid[], $2::int[], $3::int[]) AS g(consulate_id, year, n)
     ORDER BY consulate_id, year
     ON CONFLICT (consulate_id, series, year) DO UPDATE SET last_value = reference_counters.last_value + EXCLUDED.last_value
     RETURNING consulate_id, year, last_value`,
    [groups.map((g) => g.consulateId), groups.map((g) => g.year), groups.map((g) => g.n)],
  );
  for (const r of found) last.set(`${r.consulate_id}|${r.year}`, r.last_value);
  return last;
}

export const INSERT_PERSONS = `INSERT INTO persons (id, consulate_id, external_id, given_names, first_surname,
    second_surname, name_search, date_of_birth, birth_country, birth_subdivision, curp, gender_marker, email, phone,
    address_line1, address_line2, address_city, address_state, address_postal_code)
  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::date[],
    $9::text[], $10::text[], $11::text[], $12::gender_marker[], $13::text[], $14::text[], $15::text[], $16::text[],
    $17::text[], $18::text[], $19::text[])`;

export const INSERT_REQUESTS = `INSERT INTO documentation_requests (id, reference, consulate_id, person_id, external_id,
    type, details, state, fee_pending, emergency, fee_cents, paid_cents, submitted_at, resolved_at, issued_at,
    cancelled_at, turnaround_days, turnaround_business_days, due_at, deadline_days, info_deadline_days, created_at)
  SELECT id, ref, cid, pid, ext, type, details::jsonb, state, fp, em, fee, paid, sub, res, iss, can, td, tbd, due, dd,
    idd, sub
  FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::documentation_type[], $7::text[],
    $8::documentation_state[], $9::bool[], $10::bool[], $11::int[], $12::int[], $13::timestamptz[],
    $14::timestamptz[], $15::timestamptz[], $16::timestamptz[], $17::int[], $18::int[], $19::timestamptz[],
    $20::int[], $21::int[])
    AS u(id, ref, cid, pid, ext, type, details, state, fp, em, fee, paid, sub, res, iss, can, td, tbd, due, dd, idd)`;

export const INSERT_EVENTS = `INSERT INTO documentation_request_events (request_id, consulate_id, kind, from_state,
    to_state, reason, actor_role, details, at)
  SELECT r, c, k, f, t, reason, 'import', d::jsonb, at
  FROM unnest($1::uuid[], $2::uuid[], $3::documentation_event_kind[], $4::documentation_state[],
    $5::documentation_state[], $6::text[], $7::text[], $8::timestamptz[]) AS u(r, c, k, f, t, reason, d, at)`;

export const INSERT_PAYMENTS = `INSERT INTO documentation_payments (request_id, amount_cents, method, receipt, recorded_at)
  SELECT * FROM unnest($1::uuid[], $2::int[], $3::payment_method[], $4::text[], $5::timestamptz[])`;

export const INSERT_SEALED = `INSERT INTO sealed_identities (person_id, given_names, first_surname, second_surname,
    gender_marker, documentation_request_id, sealed_at)
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::gender_marker[], $6::uuid[],
    $7::timestamptz[])`;

export const INSERT_REJECTIONS = `INSERT INTO import_rejections (job_id, line, reason)
  SELECT $1, * FROM unnest($2::int[], $3::text[]) ON CONFLICT DO NOTHING`;

export const INSERT_DRY_KEYS = `INSERT INTO import_dry_keys (job_id, kind, consulate_id, external_id, date_of_birth)
  SELECT $1, * FROM unnest($2::text[], $3::uuid[], $4::text[], $5::date[]) ON CONFLICT DO NOTHING`;

export const INSERT_AUDIT = `INSERT INTO audit_events (actor_type, actor_id, actor_role, consulate_id, action,
    entity_type, entity_id, changed_fields, details, request_id)
  VALUES ('staff', $1, $2, $3, $4, 'import', $5, '{}', $6::jsonb, $7)`;

export async function listRejections(
  db: pg.Pool,
  jobId: string,
  afterLine: number,
  take: number,
): Promise<{ line: number; reason: string }[]> {
  return rows(db, `SELECT line, reason FROM import_rejections WHERE job_id = $1 AND line > $2 ORDER BY line LIMIT $3`, [
    jobId,
    afterLine,
    take,
  ]);
}

export async function activeConsulates(
  db: pg.Pool,
): Promise<{ id: string; code: string; time_zone: string; status: string }[]> {
  return rows(db, `SELECT id, code, time_zone, status::text AS status FROM consulates`);
}
