import type { Db } from '../../db/client.ts';
import type { Actor } from '../../lib/access.ts';
import type { AuditContext } from '../audit/audit.repository.ts';

/**
 * The access log (migration 20261202043000_access_log): one append-only row
 * per record of a person that a request read. Writes are not repeated here —
 * the access report takes them (and the audited confidential and sealed
 * reads) from audit_events.
 */

/** Why a confidential case or a sealed identity is read; a code, so no free text reaches the log. */
export const ACCESS_PURPOSES = [
  'case_work',
  'supervision',
  'legal_obligation',
  'data_subject_request',
  'internal_audit',
  'other',
] as const;
export type AccessPurpose = (typeof ACCESS_PURPOSES)[number];

export type AccessEntityType = 'person' | 'documentation_request' | 'protection_case';

export interface AccessEntry {
  personId: string;
  entityType: AccessEntityType;
  entityId: string;
  /** e.g. `person.read`, `documentation_request.list`. */
  action: string;
  purpose?: AccessPurpose | null | undefined;
}

/** `[actor_type, actor_id, actor_role, consulate_id]` of the actor reading. */
export function accessActor(
  actor: Actor | AuditContext['actor'],
): [string, string | null, string | null, string | null] {
  switch (actor.kind) {
    case 'system':
      return ['system', null, null, null];
    case 'kiosk':
      return ['kiosk', actor.id, 'kiosk', actor.consulateId];
    case 'staff':
      return ['staff', actor.id, actor.role, actor.consulateId];
  }
}

/** The reads of one request: who read (the context) and what. */
export interface AccessReads {
  ctx: AuditContext;
  entries: readonly AccessEntry[];
}

/** Inserts the rows of `accessColumns` (one statement, any number of rows and actors). */
export const ACCESS_INSERT_SQL = `INSERT INTO access_log (actor_type, actor_id, actor_role, consulate_id, request_id,
    person_id, entity_type, entity_id, action, purpose)
  SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::uuid[], $5::text[],
    $6::uuid[], $7::text[], $8::uuid[], $9::text[], $10::text[])`;

/** The ten column arrays of `ACCESS_INSERT_SQL` for these reads, one row per entry. */
export function accessColumns(reads: readonly AccessReads[]): unknown[][] {
  const rows = reads.reduce((n, r) => n + r.entries.length, 0);
  const cols: unknown[][] = Array.from({ length: 10 }, () => new Array<unknown>(rows));
  let i = 0;
  for (const { ctx, entries } of reads) {
    const [type, id, role, consulate] = accessActor(ctx.actor);
    const requestId = ctx.requestId ?? null;
    for (const e of entries) {
      cols[0]![i] = type;
      cols[1]![i] = id;
      cols[2]![i] = role;
      cols[3]![i] = consulate;
      cols[4]![i] = requestId;
      cols[5]![i] = e.personId;
      cols[6]![i] = e.entityType;
      cols[7]![i] = e.entityId;
      cols[8]![i] = e.action;
      cols[9]![i] = e.purpose ?? null;
      i++;
    }
  }
  return cols;
}

/**
 * Records reads made in a transaction, in one statement of that transaction
 * (one row per record), so they commit with it. Reads outside a transaction
 * go to `AccessLogWriter`, which writes several requests' rows together.
 */
export async function logAccess(db: Db, ctx: AuditContext, entries: readonly AccessEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.$executeRawUnsafe(ACCESS_INSERT_SQL, ...accessColumns([{ ctx, entries }]));
}

/** Creates the monthly partitions from `month` on that do not exist yet (once across replicas). */
export async function ensurePartitions(db: Db, month: Date, months: number): Promise<number> {
  const day = month.toISOString().slice(0, 10);
  const rows = await db.$queryRawUnsafe<{ made: number }[]>(
    'SELECT ccm_access_log_ensure_partitions($1::date, $2::int) AS made',
    day,
    months,
  );
  return rows[0]?.made ?? 0;
}

/** One line of a person's access report. */
export interface ReportRow {
  occurred_at: Date;
  kind: 'read' | 'write';
  actor_type: string;
  actor_id: string | null;
  actor_role: string | null;
  consulate_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string;
  purpose: string | null;
  changed_fields: string[];
  request_id: string | null;
  /** Order among rows of one instant: `a` + the access log's id, or `e` + the audit event's. */
  key: string;
}

/** Audit actions that are reads (audited since before the access log, and kept there). */
const AUDITED_READS = `e.action LIKE '%\\_read' ESCAPE '\\'`;

/**
 * A person's accesses, newest first, in one statement: their reads from the
 * access log, and the audit events of their person record, documentation
 * requests and protection cases. `$1` person, `$2`/`$3` from/to (null: open),
 * `$4`/`$5` the keyset after (occurred_at, key) or nulls, `$6` the limit.
 * The actor's consulate of a write is the record's for consular staff and
 * none for network-wide roles (audit_events keeps the record's consulate).
 */
const REPORT_SQL = `WITH after AS (SELECT $4::timestamptz AS at, $5::text AS key)
  SELECT * FROM (
    SELECT l.occurred_at, 'read' AS kind, l.actor_type, l.actor_id, l.actor_role, l.consulate_id, l.action,
      l.entity_type, l.entity_id, l.purpose, '{}'::text[] AS changed_fields, l.request_id,
      'a' || lpad(l.id::text, 19, '0') AS key
    FROM access_log l, after
    WHERE l.person_id = $1
      AND ($2::timestamptz IS NULL OR l.occurred_at >= $2) AND ($3::timestamptz IS NULL OR l.occurred_at < $3)
      AND (after.at IS NULL OR l.occurred_at < after.at
           OR (l.occurred_at = after.at AND 'a' || lpad(l.id::text, 19, '0') < after.key))
    UNION ALL
    SELECT e.occurred_at, CASE WHEN ${AUDITED_READS} THEN 'read' ELSE 'write' END, e.actor_type::text, e.actor_id,
      e.actor_role, CASE WHEN e.actor_role IN ('admin', 'auditor') THEN NULL ELSE e.consulate_id END, e.action,
      e.entity_type, e.entity_id, e.details ->> 'purpose', e.changed_fields, e.request_id, 'e' || e.id::text
    FROM audit_events e, after
    WHERE ((e.entity_type = 'person' AND e.entity_id = $1)
        OR (e.entity_type = 'documentation_request'
            AND e.entity_id IN (SELECT id FROM documentation_requests WHERE person_id = $1))
        OR (e.entity_type = 'protection_case' AND e.entity_id IN (SELECT id FROM protection_cases WHERE person_id = $1)))
      AND ($2::timestamptz IS NULL OR e.occurred_at >= $2) AND ($3::timestamptz IS NULL OR e.occurred_at < $3)
      AND (after.at IS NULL OR e.occurred_at < after.at OR (e.occurred_at = after.at AND 'e' || e.id::text < after.key))
  ) report
  ORDER BY occurred_at DESC, key DESC
  LIMIT $6`;

export interface ReportQuery {
  personId: string;
  from: Date | null;
  to: Date | null;
  after: { at: Date; key: string } | null;
  take: number;
}

export function readReport(db: Db, q: ReportQuery): Promise<ReportRow[]> {
  return db.$queryRawUnsafe<ReportRow[]>(
    REPORT_SQL,
    q.personId,
    q.from,
    q.to,
    q.after?.at ?? null,
    q.after?.key ?? null,
    q.take,
  );
}
