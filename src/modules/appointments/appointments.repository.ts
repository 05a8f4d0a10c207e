import type { Db } from '../../db/client.ts';
import type { Queryable, Sql } from '../../db/sql.ts';
import { dateValue } from '../../lib/calendar.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import type { ConsularService } from '../../generated/prisma/enums.ts';
import { PENDING_STATES, type AppointmentState } from './appointments.states.ts';

export const appointmentSelect = {
  id: true,
  consulateId: true,
  mobileVisitId: true,
  personId: true,
  service: true,
  startsAt: true,
  endsAt: true,
  localDate: true,
  timeZone: true,
  state: true,
  confirmationCode: true,
  checkedInAt: true,
  servedAt: true,
  noShowAt: true,
  cancelledAt: true,
  cancelledReason: true,
  version: true,
  createdAt: true,
  updatedAt: true,
  person: { select: { id: true, givenNames: true, firstSurname: true, secondSurname: true } },
} satisfies Prisma.AppointmentSelect;

export type AppointmentRow = Prisma.AppointmentGetPayload<{ select: typeof appointmentSelect }>;

export function findAppointment(db: Db, where: Prisma.AppointmentWhereInput): Promise<AppointmentRow | null> {
  return db.appointment.findFirst({ where, select: appointmentSelect });
}

/** In time order: the day's queue. */
export function listAppointments(db: Db, where: Prisma.AppointmentWhereInput, take: number): Promise<AppointmentRow[]> {
  return db.appointment.findMany({
    where,
    orderBy: [{ startsAt: 'asc' }, { id: 'asc' }],
    take,
    select: appointmentSelect,
  });
}

const { person: _person, ...appointmentColumns } = appointmentSelect;

/** Inserts (one INSERT … RETURNING); the caller already holds the person's names. */
export async function insertAppointment(
  db: Db,
  data: Prisma.AppointmentUncheckedCreateInput,
  person: AppointmentRow['person'],
): Promise<AppointmentRow> {
  const row = await db.appointment.create({ data, select: appointmentColumns });
  return { ...row, person };
}

/** Updates only at `version` (and bumps it); null when someone else changed it first. */
export async function updateAppointmentAtVersion(
  db: Db,
  id: string,
  version: number,
  data: Prisma.AppointmentUncheckedUpdateManyInput,
): Promise<AppointmentRow | null> {
  const { count } = await db.appointment.updateMany({
    where: { id, version },
    data: { ...data, version: { increment: 1 } },
  });
  return count === 1 ? findAppointment(db, { id }) : null;
}

/** A slot of one place: the office of `consulateId` (mobileVisitId null) or a mobile visit. */
export interface SlotKey {
  consulateId: string;
  mobileVisitId: string | null;
  service: ConsularService;
  startsAt: Date;
}

/**
 * Takes one place in a slot if fewer than `capacity` are taken: one statement,
 * atomic under concurrency from any number of API processes. The conflicting
 * row is locked, and the `WHERE booked < capacity` is evaluated on its latest
 * committed version, so of N concurrent bookings exactly `capacity` succeed.
 * The lock is held until the caller's transaction ends; a rollback returns the place.
 */
export async function takeSlot(db: Db, key: SlotKey, capacity: number): Promise<boolean> {
  const rows =
    key.mobileVisitId === null
      ? await db.$queryRaw<{ booked: number }[]>`
          INSERT INTO appointment_slots (consulate_id, mobile_visit_id, service, starts_at, booked)
          VALUES (${key.consulateId}::uuid, NULL, ${key.service}::consular_service, ${key.startsAt}::timestamptz, 1)
          ON CONFLICT (consulate_id, service, starts_at) WHERE mobile_visit_id IS NULL
          DO UPDATE SET booked = appointment_slots.booked + 1 WHERE appointment_slots.booked < ${capacity}
          RETURNING booked`
      : await db.$queryRaw<{ booked: number }[]>`
          INSERT INTO appointment_slots (consulate_id, mobile_visit_id, service, starts_at, booked)
          VALUES (${key.consulateId}::uuid, ${key.mobileVisitId}::uuid, ${key.service}::consular_service,
                  ${key.startsAt}::timestamptz, 1)
          ON CONFLICT (mobile_visit_id, service, starts_at) WHERE mobile_visit_id IS NOT NULL
          DO UPDATE SET booked = appointment_slots.booked + 1 WHERE appointment_slots.booked < ${capacity}
          RETURNING booked`;
  return rows.length === 1;
}

/** Gives a place back (a cancellation). */
export async function releaseSlot(db: Db, key: SlotKey): Promise<void> {
  await db.appointmentSlot.updateMany({
    where: {
      consulateId: key.consulateId,
      mobileVisitId: key.mobileVisitId,
      service: key.service,
      startsAt: key.startsAt,
      booked: { gt: 0 },
    },
    data: { booked: { decrement: 1 } },
  });
}

/** Places taken per (service, start) at a place between two instants. */
export async function takenBetween(
  db: Db,
  place: { consulateId: string; mobileVisitId: string | null },
  services: ConsularService[],
  from: Date,
  to: Date,
): Promise<Map<string, number>> {
  const rows = await db.appointmentSlot.findMany({
    where: {
      consulateId: place.consulateId,
      mobileVisitId: place.mobileVisitId,
      service: { in: services },
      startsAt: { gte: from, lte: to },
    },
    select: { service: true, startsAt: true, booked: true },
  });
  return new Map(rows.map((r) => [slotMapKey(r.service, r.startsAt), r.booked]));
}

export const slotMapKey = (service: string, startsAt: Date) => `${service}@${startsAt.getTime()}`;

/**
 * Cancels a cancelled visit's pending appointments (booked, checked in) and
 * brings its slot counters back in line. The caller holds the visit's lock.
 */
export async function cancelVisitAppointments(
  db: Db,
  mobileVisitId: string,
  reason: string,
  now: Date,
): Promise<{ row: AppointmentRow; from: AppointmentState }[]> {
  const pending = await db.appointment.findMany({
    where: { mobileVisitId, state: { in: [...PENDING_STATES] } },
    select: { id: true, state: true },
  });
  if (pending.length === 0) return [];
  const from = new Map(pending.map((p) => [p.id, p.state]));
  const ids = pending.map((p) => p.id);
  await db.appointment.updateMany({
    where: { id: { in: ids } },
    data: { state: 'cancelled', cancelledAt: now, cancelledReason: reason, version: { increment: 1 } },
  });
  await db.$executeRaw`
    UPDATE appointment_slots s
    SET booked = (
      SELECT count(*) FROM appointments a
      WHERE a.mobile_visit_id = s.mobile_visit_id AND a.service = s.service
        AND a.starts_at = s.starts_at AND a.state <> 'cancelled')
    WHERE s.mobile_visit_id = ${mobileVisitId}::uuid`;
  const rows = await listAppointments(db, { id: { in: ids } }, ids.length);
  return rows.map((row) => ({ row, from: from.get(row.id)! }));
}

/** Whether a visit has appointments that still hold a place (booked or checked in). */
export async function hasPendingAppointments(db: Db, mobileVisitId: string): Promise<boolean> {
  const found = await db.appointment.findFirst({
    where: { mobileVisitId, state: { in: [...PENDING_STATES] } },
    select: { id: true },
  });
  return found !== null;
}

/** What a booking attempt must know before it writes anything. */
export interface BookingCheck {
  given_names: string | null;
  first_surname: string | null;
  second_surname: string | null;
  /** The person already holds an appointment for the service that day. */
  same_day: boolean;
  /** Places of the slot taken so far (null: nobody booked it yet). */
  booked: number | null;
}

const BOOKING_CHECK_SQL = `SELECT p.given_names, p.first_surname, p.second_surname,
    EXISTS (SELECT 1 FROM appointments a WHERE a.person_id = $1 AND a.service = $3::consular_service
            AND a.local_date = $4::date AND a.state IN ('booked', 'checked_in', 'served')) AS same_day,
    (SELECT s.booked FROM appointment_slots s
     WHERE s.consulate_id = $2 AND s.service = $3::consular_service AND s.starts_at = $5
       AND s.mobile_visit_id IS NOT DISTINCT FROM $6::uuid) AS booked
  FROM (SELECT 1) one LEFT JOIN persons p ON p.id = $1 AND p.consulate_id = $2 AND p.anonymised_at IS NULL`;

/**
 * The person, their other appointment that day and the slot's counter, in one
 * read: a full slot is refused without a write transaction.
 */
export async function checkBooking(
  sql: Sql,
  input: {
    personId: string;
    consulateId: string;
    service: ConsularService;
    localDate: string;
    startsAt: Date;
    mobileVisitId: string | null;
  },
): Promise<BookingCheck> {
  return (await sql.one<BookingCheck>(BOOKING_CHECK_SQL, [
    input.personId,
    input.consulateId,
    input.service,
    input.localDate,
    input.startsAt,
    input.mobileVisitId,
  ]))!;
}

/**
 * An office booking in one statement: a place of the slot's counter (the
 * conditional upsert is the capacity rule; its row lock is held only to the
 * end of this statement's transaction), the appointment, its audit event and
 * its webhook outbox event (whose trigger fans it out to the subscriptions).
 * No row: the slot filled up meanwhile.
 */
const BOOK_OFFICE_SQL = `WITH slot AS (
    INSERT INTO appointment_slots (consulate_id, mobile_visit_id, service, starts_at, booked)
    VALUES ($1, NULL, $3::consular_service, $4, 1)
    ON CONFLICT (consulate_id, service, starts_at) WHERE mobile_visit_id IS NULL
    DO UPDATE SET booked = appointment_slots.booked + 1 WHERE appointment_slots.booked < $10
    RETURNING booked
  ), appt AS (
    INSERT INTO appointments (consulate_id, mobile_visit_id, person_id, service, starts_at, ends_at, local_date,
      time_zone, confirmation_code, booked_by_id)
    SELECT $1, NULL, $2, $3::consular_service, $4, $5, $6::date, $7, $8, $9 FROM slot
    RETURNING id, consulate_id, mobile_visit_id, person_id, service::text AS service, starts_at, ends_at, local_date,
      time_zone, state::text AS state, confirmation_code, checked_in_at, served_at, no_show_at, cancelled_at,
      cancelled_reason, version, created_at, updated_at
  ), audit AS (
    INSERT INTO audit_events (actor_type, actor_id, actor_role, consulate_id, action, entity_type, entity_id,
      changed_fields, details, request_id)
    SELECT 'staff', $9, $11, $1, 'appointment.create', 'appointment', appt.id, ARRAY['personId', 'service', 'startsAt'],
      jsonb_build_object('service', $3::text, 'mobileVisitId', NULL), $12
    FROM appt
  ), event AS (
    INSERT INTO webhook_events (type, consulate_id, entity_type, entity_id, payload, occurred_at)
    SELECT 'appointment.booked', $1, 'appointment', appt.id,
      jsonb_build_object('id', appt.id, 'consulateId', appt.consulate_id,
        'consulateCode', (SELECT c.code FROM consulates c WHERE c.id = $1), 'mobileVisitId', NULL,
        'personId', appt.person_id, 'service', appt.service, 'state', appt.state,
        'startsAt', webhook_instant(appt.starts_at), 'endsAt', webhook_instant(appt.ends_at),
        'localDate', appt.local_date::text, 'timeZone', appt.time_zone, 'at', webhook_instant($13)),
      $13
    FROM appt
  )
  SELECT * FROM appt`;

interface BookedRow {
  id: string;
  consulate_id: string;
  mobile_visit_id: string | null;
  person_id: string;
  service: ConsularService;
  starts_at: Date;
  ends_at: Date;
  local_date: string;
  time_zone: string;
  state: AppointmentState;
  confirmation_code: string;
  checked_in_at: Date | null;
  served_at: Date | null;
  no_show_at: Date | null;
  cancelled_at: Date | null;
  cancelled_reason: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export async function bookOffice(
  sql: Sql,
  db: Queryable,
  b: {
    consulateId: string;
    person: AppointmentRow['person'];
    service: ConsularService;
    startsAt: Date;
    endsAt: Date;
    localDate: string;
    timeZone: string;
    confirmationCode: string;
    actorId: string;
    actorRole: string;
    capacity: number;
    requestId: string;
    /** The app's clock: the outbox event's instant. */
    now: Date;
  },
): Promise<AppointmentRow | undefined> {
  const r = await sql.one<BookedRow>(
    BOOK_OFFICE_SQL,
    [
      b.consulateId,
      b.person.id,
      b.service,
      b.startsAt,
      b.endsAt,
      b.localDate,
      b.timeZone,
      b.confirmationCode,
      b.actorId,
      b.capacity,
      b.actorRole,
      b.requestId,
      b.now,
    ],
    db,
  );
  if (!r) return undefined;
  return {
    id: r.id,
    consulateId: r.consulate_id,
    mobileVisitId: r.mobile_visit_id,
    personId: r.person_id,
    service: r.service,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    localDate: dateValue(r.local_date),
    timeZone: r.time_zone,
    state: r.state,
    confirmationCode: r.confirmation_code,
    checkedInAt: r.checked_in_at,
    servedAt: r.served_at,
    noShowAt: r.no_show_at,
    cancelledAt: r.cancelled_at,
    cancelledReason: r.cancelled_reason,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    person: b.person,
  };
}
