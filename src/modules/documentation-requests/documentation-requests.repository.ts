import type { Db } from '../../db/client.ts';
import type { Queryable, Sql } from '../../db/sql.ts';
import { dateValue } from '../../lib/calendar.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import type { RequestContext } from '../../lib/access.ts';
import type { TimelineTransition } from './documentation-requests.deadlines.ts';
import type { DocumentationState } from './documentation-requests.states.ts';
import type { AuditContext } from '../audit/audit.repository.ts';
import { accessLogCte, accessParams } from '../access-log/access-log.repository.ts';

export const requestSelect = {
  id: true,
  reference: true,
  consulateId: true,
  personId: true,
  type: true,
  details: true,
  state: true,
  potentialDuplicate: true,
  feePending: true,
  emergency: true,
  feeCents: true,
  paidCents: true,
  assignedToId: true,
  submittedAt: true,
  resolvedAt: true,
  issuedAt: true,
  cancelledAt: true,
  turnaroundDays: true,
  turnaroundBusinessDays: true,
  dueAt: true,
  deadlineDays: true,
  infoDeadlineDays: true,
  version: true,
  createdAt: true,
  updatedAt: true,
  person: {
    select: {
      id: true,
      givenNames: true,
      firstSurname: true,
      secondSurname: true,
      dateOfBirth: true,
      outsideJurisdiction: true,
    },
  },
} satisfies Prisma.DocumentationRequestSelect;

export type RequestRow = Prisma.DocumentationRequestGetPayload<{ select: typeof requestSelect }>;

export function findRequest(db: Db, where: Prisma.DocumentationRequestWhereInput): Promise<RequestRow | null> {
  return db.documentationRequest.findFirst({ where, select: requestSelect });
}

/** Updates only at `version` (and bumps it); null when someone else changed it first. */
export async function updateRequestAtVersion(
  db: Db,
  id: string,
  version: number,
  data: Prisma.DocumentationRequestUncheckedUpdateManyInput,
): Promise<RequestRow | null> {
  const { count } = await db.documentationRequest.updateMany({
    where: { id, version },
    data: { ...data, version: { increment: 1 } },
  });
  return count === 1 ? findRequest(db, { id }) : null;
}

/** State transitions of requests, in time order, by request id. */
export async function transitionsOf(db: Db, requestIds: readonly string[]): Promise<Map<string, TimelineTransition[]>> {
  const rows = await db.documentationRequestEvent.findMany({
    where: { requestId: { in: [...requestIds] }, kind: 'transition' },
    orderBy: [{ at: 'asc' }, { seq: 'asc' }],
    select: { requestId: true, fromState: true, toState: true, at: true },
  });
  const map = new Map<string, TimelineTransition[]>(requestIds.map((id) => [id, []]));
  for (const r of rows) map.get(r.requestId)!.push(r);
  return map;
}

export interface EventInput {
  requestId: string;
  consulateId: string;
  kind: 'transition' | 'flag_cleared' | 'payment' | 'assignment' | 'details_updated';
  fromState?: DocumentationState | null;
  toState?: DocumentationState | null;
  reason?: string | null;
  details?: Record<string, string | number | boolean | null | string[]>;
  at?: Date;
}

export async function appendEvent(db: Db, ctx: RequestContext, event: EventInput): Promise<void> {
  await db.documentationRequestEvent.create({
    data: {
      requestId: event.requestId,
      consulateId: event.consulateId,
      kind: event.kind,
      fromState: event.fromState ?? null,
      toState: event.toState ?? null,
      reason: event.reason ?? null,
      actorId: ctx.actor.id,
      actorRole: ctx.actor.role,
      ...(event.details ? { details: event.details } : {}),
      ...(event.at ? { at: event.at } : {}),
    },
  });
}

export function timelineOf(db: Db, requestId: string) {
  return db.documentationRequestEvent.findMany({
    where: { requestId },
    orderBy: [{ at: 'asc' }, { seq: 'asc' }],
    select: {
      id: true,
      kind: true,
      fromState: true,
      toState: true,
      reason: true,
      actorId: true,
      actorRole: true,
      details: true,
      at: true,
    },
  });
}

interface ReadRow {
  id: string;
  reference: string;
  consulate_id: string;
  person_id: string;
  type: RequestRow['type'];
  details: RequestRow['details'];
  state: DocumentationState;
  potential_duplicate: boolean;
  fee_pending: boolean;
  emergency: boolean;
  fee_cents: number;
  paid_cents: number;
  assigned_to_id: string | null;
  submitted_at: Date;
  resolved_at: Date | null;
  issued_at: Date | null;
  cancelled_at: Date | null;
  turnaround_days: number | null;
  turnaround_business_days: number | null;
  due_at: Date | null;
  deadline_days: number;
  info_deadline_days: number;
  version: number;
  created_at: Date;
  updated_at: Date;
  given_names: string;
  first_surname: string;
  second_surname: string | null;
  date_of_birth: string;
  outside_jurisdiction: boolean;
  /** `[[from, to, at], …]` in time order. */
  transitions: [DocumentationState | null, DocumentationState | null, string][];
}

const READ_COLUMNS = `SELECT r.id, r.reference, r.consulate_id, r.person_id, r.type::text AS type, r.details, r.state::text AS state,
    r.potential_duplicate, r.fee_pending, r.emergency, r.fee_cents, r.paid_cents, r.assigned_to_id, r.submitted_at,
    r.resolved_at, r.issued_at, r.cancelled_at, r.turnaround_days, r.turnaround_business_days, r.due_at,
    r.deadline_days, r.info_deadline_days, r.version, r.created_at, r.updated_at,
    p.given_names, p.first_surname, p.second_surname, p.date_of_birth, p.outside_jurisdiction,
    COALESCE((SELECT json_agg(json_build_array(e.from_state, e.to_state, e.at) ORDER BY e.at, e.seq)
              FROM documentation_request_events e WHERE e.request_id = r.id AND e.kind = 'transition'), '[]') AS transitions
  FROM documentation_requests r JOIN persons p ON p.id = r.person_id`;

/** The read and its access-log rows (one per request returned) in one statement. */
const readAndLog = (where: string, action: string, firstParam: number) =>
  `WITH found AS (${READ_COLUMNS} WHERE ${where}), logged AS (${accessLogCte({
    from: 'found',
    person: 'found.person_id',
    entityType: 'documentation_request',
    entity: 'found.id',
    action,
    firstParam,
  })})
  SELECT * FROM found`;

const READ_ONE_SQL = readAndLog(
  'r.id = $1 AND ($2::uuid IS NULL OR r.consulate_id = $2::uuid)',
  'documentation_request.read',
  3,
);
const READ_MANY_SQL = readAndLog('r.id = ANY($1::uuid[])', 'documentation_request.list', 2);

type ReadResult = { row: RequestRow; transitions: TimelineTransition[] };

/**
 * A request with its person's names and its state transitions in one
 * statement (the hot read path), confined to `consulateId` unless null. The
 * same statement writes the read to the access log.
 */
export async function readRequest(
  sql: Sql,
  ctx: AuditContext,
  id: string,
  consulateId: string | null,
): Promise<ReadResult | undefined> {
  const r = await sql.one<ReadRow>(READ_ONE_SQL, [id, consulateId, ...accessParams(ctx)]);
  return r ? fromReadRow(r) : undefined;
}

/**
 * Requests by id (one statement, which logs each as read by a list), as
 * `readRequest` reads them; callers keep their own order.
 */
export async function readRequests(
  sql: Sql,
  ctx: AuditContext,
  ids: readonly string[],
): Promise<Map<string, ReadResult>> {
  if (ids.length === 0) return new Map();
  const rows = await sql.rows<ReadRow>(READ_MANY_SQL, [ids, ...accessParams(ctx)]);
  return new Map(rows.map((r) => [r.id, fromReadRow(r)]));
}

function fromReadRow(r: ReadRow): ReadResult {
  return {
    row: {
      id: r.id,
      reference: r.reference,
      consulateId: r.consulate_id,
      personId: r.person_id,
      type: r.type,
      details: r.details,
      state: r.state,
      potentialDuplicate: r.potential_duplicate,
      feePending: r.fee_pending,
      emergency: r.emergency,
      feeCents: r.fee_cents,
      paidCents: r.paid_cents,
      assignedToId: r.assigned_to_id,
      submittedAt: r.submitted_at,
      resolvedAt: r.resolved_at,
      issuedAt: r.issued_at,
      cancelledAt: r.cancelled_at,
      turnaroundDays: r.turnaround_days,
      turnaroundBusinessDays: r.turnaround_business_days,
      dueAt: r.due_at,
      deadlineDays: r.deadline_days,
      infoDeadlineDays: r.info_deadline_days,
      version: r.version,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      person: {
        id: r.person_id,
        givenNames: r.given_names,
        firstSurname: r.first_surname,
        secondSurname: r.second_surname,
        dateOfBirth: dateValue(r.date_of_birth),
        outsideJurisdiction: r.outside_jurisdiction,
      },
    },
    transitions: r.transitions.map(([fromState, toState, at]) => ({ fromState, toState, at: new Date(at) })),
  };
}

/** The person a new request is filed for, read under the filing's lock. */
export interface FilingPerson {
  id: string;
  curp: string | null;
  date_of_birth: string;
  given_names: string;
  first_surname: string;
  second_surname: string | null;
  outside_jurisdiction: boolean;
}

/**
 * The consulate's person, and the advisory lock that serialises filings of the
 * same type for the same person (or CURP, network-wide), so two simultaneous
 * applications see each other as duplicates. The lock is taken before the
 * filing statement starts, whose snapshot then sees what the other committed.
 */
const LOCK_PERSON_SQL = `SELECT p.id, p.curp, p.date_of_birth, p.given_names, p.first_surname, p.second_surname,
    p.outside_jurisdiction
  FROM persons p, LATERAL (SELECT pg_advisory_xact_lock(hashtext('docreq:' || $3 || ':' || coalesce(p.curp, p.id::text)))) l
  WHERE p.id = $1 AND p.consulate_id = $2 AND p.anonymised_at IS NULL`;

export function lockFilingPerson(
  sql: Sql,
  client: Queryable,
  personId: string,
  consulateId: string,
  type: string,
): Promise<FilingPerson | undefined> {
  return sql.one<FilingPerson>(LOCK_PERSON_SQL, [personId, consulateId, type], client);
}

/**
 * The filing in one statement: the duplicate check, the next number of the
 * consulate's yearly series (its row lock is held from here to COMMIT — the
 * only part of a filing that waits for other filings of the consulate), the
 * request, its first timeline event and its audit event.
 */
const FILE_SQL = `WITH dup AS (
    SELECT r.id FROM documentation_requests r
    WHERE r.type = $4::documentation_type AND r.state NOT IN ('delivered', 'rejected', 'cancelled')
      AND (r.person_id = $3 OR ($13::text IS NOT NULL AND r.person_id IN (SELECT id FROM persons WHERE curp = $13)))
      AND ($4::text NOT IN ('notarial_act', 'legalization') OR r.details = $5::jsonb)
    LIMIT 1
  ), counter AS (
    INSERT INTO reference_counters (consulate_id, series, year, last_value) VALUES ($2, 'D', $14::int, 1)
    ON CONFLICT (consulate_id, series, year) DO UPDATE SET last_value = reference_counters.last_value + 1
    RETURNING last_value
  ), req AS (
    INSERT INTO documentation_requests (reference, consulate_id, person_id, type, details, potential_duplicate,
      fee_pending, emergency, fee_cents, submitted_at, due_at, deadline_days, info_deadline_days)
    SELECT $1::text || '-' || $14::int::text || '-' || lpad(counter.last_value::text, 6, '0'), $2, $3, $4::documentation_type, $5::jsonb,
      EXISTS (SELECT 1 FROM dup), $6, $7, $8, $9, $10, $11, $12
    FROM counter
    RETURNING id, reference, consulate_id, person_id, type::text AS type, details, state::text AS state,
      potential_duplicate, fee_pending, emergency, fee_cents, paid_cents, assigned_to_id, submitted_at, resolved_at,
      issued_at, cancelled_at, turnaround_days, turnaround_business_days, due_at, deadline_days, info_deadline_days,
      version, created_at, updated_at
  ), event AS (
    INSERT INTO documentation_request_events (request_id, consulate_id, kind, from_state, to_state, actor_id,
      actor_role, details, at)
    SELECT req.id, $2, 'transition', NULL, 'submitted', $15, $16,
      (SELECT jsonb_build_object('potentialDuplicateOf', dup.id) FROM dup), $9
    FROM req
  ), audit AS (
    INSERT INTO audit_events (actor_type, actor_id, actor_role, consulate_id, action, entity_type, entity_id,
      changed_fields, details, request_id)
    SELECT 'staff', $15, $16, $2, 'documentation_request.create', 'documentation_request', req.id,
      ARRAY['personId', 'type', 'details', 'feeCents', 'emergency'],
      jsonb_build_object('type', $4::text, 'potentialDuplicate', EXISTS (SELECT 1 FROM dup)), $17
    FROM req
  )
  SELECT req.*, (SELECT id FROM dup) AS duplicate_of FROM req`;

export interface Filing {
  consulateCode: string;
  consulateId: string;
  person: FilingPerson;
  type: RequestRow['type'];
  details: unknown;
  feeCents: number;
  emergency: boolean;
  submittedAt: Date;
  dueAt: Date;
  deadlineDays: number;
  infoDeadlineDays: number;
  year: number;
  actorId: string;
  actorRole: string;
  requestId: string;
}

export async function fileRequest(sql: Sql, client: Queryable, f: Filing): Promise<RequestRow> {
  const r = await sql.one<
    Omit<ReadRow, 'given_names' | 'first_surname' | 'second_surname' | 'date_of_birth' | 'outside_jurisdiction'>
  >(
    FILE_SQL,
    [
      f.consulateCode,
      f.consulateId,
      f.person.id,
      f.type,
      JSON.stringify(f.details),
      f.feeCents > 0,
      f.emergency,
      f.feeCents,
      f.submittedAt,
      f.dueAt,
      f.deadlineDays,
      f.infoDeadlineDays,
      f.person.curp,
      f.year,
      f.actorId,
      f.actorRole,
      f.requestId,
    ],
    client,
  );
  return fromReadRow({
    ...r!,
    given_names: f.person.given_names,
    first_surname: f.person.first_surname,
    second_surname: f.person.second_surname,
    date_of_birth: f.person.date_of_birth,
    outside_jurisdiction: f.person.outside_jurisdiction,
    transitions: [],
  }).row;
}
