import type { Db } from '../../db/client.ts';
import type { Queryable, Sql } from '../../db/sql.ts';
import { dateValue } from '../../lib/calendar.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import type { RequestContext } from '../../lib/access.ts';
import type { TimelineTransition } from './documentation-requests.deadlines.ts';
import type { DocumentationState } from './documentation-requests.states.ts';
import type { AuditContext } from '../audit/audit.repository.ts';
import type { AccessEntry } from '../access-log/access-log.repository.ts';
import type { AccessLogWriter } from '../access-log/access-log.writer.ts';
import { BoundedMap } from '../../lib/bounded-map.ts';

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
  submitted_at: Date | string;
  resolved_at: Date | string | null;
  issued_at: Date | string | null;
  cancelled_at: Date | string | null;
  turnaround_days: number | null;
  turnaround_business_days: number | null;
  due_at: Date | string | null;
  deadline_days: number;
  info_deadline_days: number;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
  given_names: string;
  first_surname: string;
  second_surname: string | null;
  date_of_birth: string;
  outside_jurisdiction: boolean;
  /** `[[from, to, at], …]` in time order; null when the caller knows them at this version. */
  transitions: [DocumentationState | null, DocumentationState | null, string][] | null;
}

/**
 * The request's columns, its person's names and, unless `known` (an SQL
 * expression) equals the request's version, its transitions — else null: the
 * caller has them from a read at that version. Every transition bumps the
 * version in the same transaction (a filing and an import write version 1
 * with their first events), so a version the caller knows vouches for the
 * transitions it read with it, on every replica.
 */
const readColumns = (known: string) => `SELECT r.id, r.reference, r.consulate_id, r.person_id, r.type::text AS type,
    r.details, r.state::text AS state, r.potential_duplicate, r.fee_pending, r.emergency, r.fee_cents, r.paid_cents,
    r.assigned_to_id, r.submitted_at, r.resolved_at, r.issued_at, r.cancelled_at, r.turnaround_days,
    r.turnaround_business_days, r.due_at, r.deadline_days, r.info_deadline_days, r.version, r.created_at, r.updated_at,
    p.given_names, p.first_surname, p.second_surname, p.date_of_birth, p.outside_jurisdiction,
    CASE WHEN r.version = ${known} THEN NULL ELSE
      COALESCE((SELECT json_agg(json_build_array(e.from_state, e.to_state, e.at) ORDER BY e.at, e.seq)
                FROM documentation_request_events e WHERE e.request_id = r.id AND e.kind = 'transition'), '[]')
    END AS transitions`;

/**
 * Each request comes back as one JSON value rather than 31 columns:
 * node-postgres describes and parses every column of every execution, and
 * JSON.parse of one value is cheaper (instants arrive as ISO strings).
 */
const READ_ONE_SQL = `WITH found AS (${readColumns('$3::int')}
    FROM documentation_requests r JOIN persons p ON p.id = r.person_id
    WHERE r.id = $1 AND ($2::uuid IS NULL OR r.consulate_id = $2::uuid))
  SELECT row_to_json(found) AS r FROM found`;
const READ_MANY_SQL = `WITH found AS (${readColumns('k.known')}
    FROM unnest($1::uuid[], $2::int[]) AS k(id, known)
    JOIN documentation_requests r ON r.id = k.id JOIN persons p ON p.id = r.person_id)
  SELECT row_to_json(found) AS r FROM found`;

type ReadResult = { row: RequestRow; transitions: readonly TimelineTransition[] };

interface Known {
  version: number;
  transitions: readonly TimelineTransition[];
}

/**
 * The transitions of requests read lately, with the version they were read
 * at (at most `max` requests; the oldest gives way). A read sends the version
 * it knows and gets the transitions back only if the request has changed
 * since, which spares the database the timeline's subquery on most reads.
 */
export class KnownTransitions extends BoundedMap<string, Known> {
  constructor(max = 5_000) {
    super(max);
  }
}

const readEntry = (r: ReadRow, action: string): AccessEntry => ({
  personId: r.person_id,
  entityType: 'documentation_request',
  entityId: r.id,
  action,
});

/** The row as read, with the transitions it came with or, when null, those known at its version. */
function resolveRead(r: ReadRow, knownBefore: Known | undefined, known: KnownTransitions): ReadResult {
  let transitions: readonly TimelineTransition[];
  if (r.transitions === null) {
    transitions = knownBefore!.transitions;
  } else {
    transitions = r.transitions.map(([fromState, toState, at]) => ({ fromState, toState, at: new Date(at) }));
    known.set(r.id, { version: r.version, transitions });
  }
  return { row: fromReadRow(r), transitions };
}

/**
 * A request with its person's names and its state transitions in one
 * statement (the hot read path), confined to `consulateId` unless null; it
 * returns once the read's access-log row is committed.
 */
export async function readRequest(
  sql: Sql,
  accessLog: AccessLogWriter,
  known: KnownTransitions,
  ctx: AuditContext,
  id: string,
  consulateId: string | null,
): Promise<ReadResult | undefined> {
  const knownBefore = known.get(id);
  const found = await sql.one<{ r: ReadRow }>(READ_ONE_SQL, [id, consulateId, knownBefore?.version ?? null]);
  if (!found) return undefined;
  await accessLog.record(ctx, [readEntry(found.r, 'documentation_request.read')]);
  return resolveRead(found.r, knownBefore, known);
}

/**
 * Requests by id (one statement; each logged as read by a list), as
 * `readRequest` reads them; callers keep their own order.
 */
export async function readRequests(
  sql: Sql,
  accessLog: AccessLogWriter,
  known: KnownTransitions,
  ctx: AuditContext,
  ids: readonly string[],
): Promise<Map<string, ReadResult>> {
  if (ids.length === 0) return new Map();
  const before = new Map(ids.map((id) => [id, known.get(id)]));
  const versions = ids.map((id) => before.get(id)?.version ?? null);
  const rows = await sql.rows<{ r: ReadRow }>(READ_MANY_SQL, [ids, versions]);
  await accessLog.record(
    ctx,
    rows.map(({ r }) => readEntry(r, 'documentation_request.list')),
  );
  return new Map(rows.map(({ r }) => [r.id, resolveRead(r, before.get(r.id), known)]));
}

/** An instant as a column (Date) or inside a JSON row (ISO string). */
const instant = (v: Date | string): Date => (typeof v === 'string' ? new Date(v) : v);
const maybeInstant = (v: Date | string | null): Date | null => (v === null ? null : instant(v));

function fromReadRow(r: ReadRow): RequestRow {
  return {
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
    submittedAt: instant(r.submitted_at),
    resolvedAt: maybeInstant(r.resolved_at),
    issuedAt: maybeInstant(r.issued_at),
    cancelledAt: maybeInstant(r.cancelled_at),
    turnaroundDays: r.turnaround_days,
    turnaroundBusinessDays: r.turnaround_business_days,
    dueAt: maybeInstant(r.due_at),
    deadlineDays: r.deadline_days,
    infoDeadlineDays: r.info_deadline_days,
    version: r.version,
    createdAt: instant(r.created_at),
    updatedAt: instant(r.updated_at),
    person: {
      id: r.person_id,
      givenNames: r.given_names,
      firstSurname: r.first_surname,
      secondSurname: r.second_surname,
      dateOfBirth: dateValue(r.date_of_birth),
      outsideJurisdiction: r.outside_jurisdiction,
    },
  };
}

/** The person a new request is filed for, as its details are validated. */
export interface FilingPerson {
  id: string;
  date_of_birth: string;
}

const FILING_PERSON_SQL = `SELECT p.id, p.date_of_birth FROM persons p
  WHERE p.id = $1 AND p.consulate_id = $2 AND p.anonymised_at IS NULL`;

/** The consulate's person (not anonymised), whose date of birth the details are checked against. */
export function findFilingPerson(
  sql: Sql,
  personId: string,
  consulateId: string,
  client?: Queryable,
): Promise<FilingPerson | undefined> {
  return sql.one<FilingPerson>(FILING_PERSON_SQL, [personId, consulateId], client);
}

/**
 * The filing in one call of `file_documentation_request` (its migration says
 * what it does and why): the filing's lock, the duplicate check, the next
 * number of the consulate's yearly series, the request, its first timeline
 * event and its audit event. Called on the pool, outside a transaction, it
 * commits inside the server as it returns, so the series' row lock is held
 * for microseconds; called on a transaction's client, it joins it.
 */
const FILE_SQL = `SELECT * FROM file_documentation_request($1::text, $2::uuid, $3::uuid, $4::documentation_type,
  $5::jsonb, $6::boolean, $7::boolean, $8::integer, $9::timestamptz, $10::timestamptz, $11::integer, $12::integer,
  $13::integer, $14::uuid, $15::text, $16::text, $17::date)`;

/** SQLSTATE the filing raises when the person's date of birth (or CURP) changed after the details were validated. */
export const PERSON_CHANGED = 'CCM01';

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

/** The filed request; undefined when the person is no longer the consulate's to file for. */
export async function fileRequest(sql: Sql, f: Filing, client?: Queryable): Promise<RequestRow | undefined> {
  const r = await sql.one<Omit<ReadRow, 'transitions'>>(
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
      f.year,
      f.actorId,
      f.actorRole,
      f.requestId,
      f.person.date_of_birth,
    ],
    client,
  );
  return r ? fromReadRow({ ...r, transitions: [] }) : undefined;
}
