import { appointmentWhere } from './appointments.filters.ts';
import type { z } from 'zod';
import { Prisma, type PrismaClient, type Tx } from '../../db/client.ts';
import { created, joinSqlTransaction, writeTransaction, type Answer } from '../../db/transaction.ts';
import type { Queryable, Sql } from '../../db/sql.ts';
import { assertCan, consulateScope, targetConsulate, type RequestContext } from '../../lib/access.ts';
import { dateOf, dateValue, localDate, nextDate } from '../../lib/calendar.ts';
import type { Clock } from '../../lib/clock.ts';
import { etagOf } from '../../lib/etag.ts';
import { BadRequestError, ConflictError, NotFoundError, PreconditionFailedError } from '../../lib/errors.ts';
import { afterCursor, toPage } from '../../lib/pagination.ts';
import { datesBetween, daysBetween, localTimeOf } from '../../lib/slots.ts';
import { recordAudit, recordAuditMany } from '../audit/audit.repository.ts';
import { appointmentEvent } from '../webhooks/webhooks.payloads.ts';
import { emitEvent, emitEvents } from '../webhooks/webhooks.events.ts';
import { findVisit, lockVisit } from '../mobile-visits/mobile-visits.repository.ts';
import { newConfirmationCode } from './appointments.codes.ts';
import {
  dayPlan,
  loadOffice,
  locateSlot,
  visitPlace,
  type LocatedSlot,
  type OfficeCache,
  type Place,
} from './appointments.places.ts';
import {
  bookOffice,
  checkBooking,
  findAppointment,
  insertAppointment,
  listAppointments,
  releaseSlot,
  slotMapKey,
  takenBetween,
  takeSlot,
  updateAppointmentAtVersion,
  type AppointmentRow,
} from './appointments.repository.ts';
import type {
  appointmentListQuery,
  availabilityQuery,
  createAppointmentBody,
  markNoShowsBody,
} from './appointments.schemas.ts';
import {
  APPOINTMENT_MACHINE,
  allowedAppointmentTargets,
  DAY_HOLDING_STATES,
  type AppointmentState,
} from './appointments.states.ts';

type CreateInput = z.output<typeof createAppointmentBody>;
type ListInput = z.output<typeof appointmentListQuery>;
type AvailabilityInput = z.output<typeof availabilityQuery>;
type NoShowInput = z.output<typeof markNoShowsBody>;

/** The longest range availability answers for, in days. */
export const AVAILABILITY_MAX_DAYS = 31;

// Bookings of one slot queue on its counter row; give them time to get a connection and the lock.
const BOOKING_TX = { maxWait: 10_000, timeout: 20_000 };

export function toAppointmentJson(row: AppointmentRow) {
  const local = localTimeOf(row.startsAt, row.timeZone);
  return {
    id: row.id,
    consulateId: row.consulateId,
    mobileVisitId: row.mobileVisitId,
    personId: row.personId,
    person: row.person,
    service: row.service,
    startsAt: row.startsAt.toISOString(),
    endsAt: row.endsAt.toISOString(),
    localDate: dateOf(row.localDate),
    localTime: local.localTime,
    localStartsAt: local.localStartsAt,
    utcOffset: local.utcOffset,
    timeZone: row.timeZone,
    state: row.state,
    confirmationCode: row.confirmationCode,
    checkedInAt: row.checkedInAt?.toISOString() ?? null,
    servedAt: row.servedAt?.toISOString() ?? null,
    noShowAt: row.noShowAt?.toISOString() ?? null,
    cancelledAt: row.cancelledAt?.toISOString() ?? null,
    cancelledReason: row.cancelledReason,
    allowedTransitions: allowedAppointmentTargets(row.state),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export type AppointmentJson = ReturnType<typeof toAppointmentJson>;

/** Whether `error` is a violation of the unique index `name`. */
function violates(error: unknown, name: string): boolean {
  return (
    error instanceof Prisma.PrismaClientKnownRequestError &&
    error.code === 'P2002' &&
    (JSON.stringify(error.meta ?? {}).includes(name) || error.message.includes(name))
  );
}

const slotFull = (place: Place, service: string, slot: LocatedSlot) =>
  new ConflictError(
    `The ${localTimeOf(slot.startsAt, place.timeZone).localStartsAt} slot for ${service} is full (capacity ${slot.capacity}): choose another from availability.`,
    'slot-full',
    { capacity: slot.capacity },
  );

const alreadyBooked = (service: string, date: string) =>
  new ConflictError(
    `The person already has an appointment for ${service} on ${date}: one per person, service and day. Cancel it first to book another time.`,
    'already-booked-that-day',
  );

export class AppointmentsService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly clock: Clock,
    private readonly sql: Sql,
    private readonly offices: OfficeCache,
  ) {}

  /**
   * Books a slot. First one read (no transaction): the person, their other
   * appointment that day and the slot's counter — a full slot, the most
   * common answer under contention, is refused there. Then the write: for an
   * office one statement (a place of the counter by conditional upsert — the
   * capacity rule, held by PostgreSQL across replicas —, the appointment, its
   * audit event); for a mobile visit one transaction that share-locks the
   * visit, so a cancellation waits for the booking or the booking sees it.
   * The one-per-day rule is backed by a partial unique index against races.
   */
  async book(ctx: RequestContext, input: CreateInput): Promise<Answer<AppointmentJson>> {
    assertCan(ctx.actor, 'appointments:write');
    const now = this.clock.now();
    const startsAt = new Date(input.startsAt);
    const place =
      input.mobileVisitId === undefined
        ? await this.offices.get(targetConsulate(ctx.actor, input.consulateId))
        : await this.placeFor(this.prisma, ctx, input, 'none', '', '');
    const check = await checkBooking(this.sql, {
      personId: input.personId,
      consulateId: place.consulateId,
      service: input.service,
      localDate: localTimeOf(startsAt, place.timeZone).localDate,
      startsAt,
      mobileVisitId: place.mobileVisitId,
    });
    if (check.given_names === null) throw new NotFoundError('Person');
    const slot = locateSlot(place, input.service, startsAt, now);
    if (check.same_day) throw alreadyBooked(input.service, slot.localDate);
    if (check.booked !== null && check.booked >= slot.capacity) throw slotFull(place, input.service, slot);

    if (place.kind === 'mobile_visit') return this.bookVisit(ctx, input, startsAt, now);
    const person = {
      id: input.personId,
      givenNames: check.given_names,
      firstSurname: check.first_surname!,
      secondSurname: check.second_surname,
    };
    for (let attempt = 1; ; attempt++) {
      const write = (db: Queryable) =>
        bookOffice(this.sql, db, {
          consulateId: place.consulateId,
          person,
          service: input.service,
          startsAt: slot.startsAt,
          endsAt: slot.endsAt,
          localDate: slot.localDate,
          timeZone: place.timeZone,
          confirmationCode: newConfirmationCode(),
          actorId: ctx.actor.id,
          actorRole: ctx.actor.role,
          capacity: slot.capacity,
          requestId: ctx.requestId,
          now,
        });
      const answer = async (row: AppointmentRow | undefined) => {
        if (!row) throw slotFull(place, input.service, slot);
        const json = toAppointmentJson(row);
        return created(json, { etag: etagOf(json.version), location: `/v1/appointments/${json.id}` });
      };
      try {
        // Without an Idempotency-Key the statement is its own transaction.
        if (!ctx.participant) return await answer(await write(this.sql.pool));
        return await this.sql.transaction((client) =>
          joinSqlTransaction(client, ctx, async () => answer(await write(client))),
        );
      } catch (error) {
        const constraint =
          (error as { code?: string; constraint?: string }).code === '23505'
            ? (error as { constraint?: string }).constraint
            : undefined;
        // A concurrent booking of the same person, service and day committed first.
        if (constraint === 'appointments_one_active_per_person_day') throw alreadyBooked(input.service, slot.localDate);
        // A confirmation code already in use (1 in 10^11 per booking): draw another.
        if (constraint === 'appointments_confirmation_code_key' && attempt < 5) continue;
        throw error;
      }
    }
  }

  private async bookVisit(
    ctx: RequestContext,
    input: CreateInput,
    startsAt: Date,
    now: Date,
  ): Promise<Answer<AppointmentJson>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await writeTransaction(
          this.prisma,
          ctx,
          async (tx) => {
            const booked = await this.bookIn(tx, ctx, input, startsAt, now);
            return created(booked, { etag: etagOf(booked.version), location: `/v1/appointments/${booked.id}` });
          },
          BOOKING_TX,
        );
      } catch (error) {
        // A confirmation code already in use (1 in 10^11 per booking): draw another.
        if (violates(error, 'appointments_confirmation_code_key') && attempt < 5) continue;
        throw error;
      }
    }
  }

  private async bookIn(
    tx: Tx,
    ctx: RequestContext,
    input: CreateInput,
    startsAt: Date,
    now: Date,
  ): Promise<AppointmentJson> {
    // The office's holidays near the slot: its local date is within a day of the UTC one.
    const utcDate = startsAt.toISOString().slice(0, 10);
    const place = await this.placeFor(tx, ctx, input, 'share', nextDate(utcDate, -1), nextDate(utcDate, 1));
    const person = await tx.person.findFirst({
      where: { id: input.personId, consulateId: place.consulateId },
      select: { id: true, givenNames: true, firstSurname: true, secondSurname: true },
    });
    if (!person) throw new NotFoundError('Person');
    const slot = locateSlot(place, input.service, startsAt, now);
    const sameDay = await tx.appointment.findFirst({
      where: {
        personId: person.id,
        service: input.service,
        localDate: dateValue(slot.localDate),
        state: { in: [...DAY_HOLDING_STATES] },
      },
      select: { id: true },
    });
    if (sameDay) throw alreadyBooked(input.service, slot.localDate);

    let row: AppointmentRow;
    try {
      row = await insertAppointment(
        tx,
        {
          consulateId: place.consulateId,
          mobileVisitId: place.mobileVisitId,
          personId: person.id,
          service: input.service,
          startsAt: slot.startsAt,
          endsAt: slot.endsAt,
          localDate: dateValue(slot.localDate),
          timeZone: place.timeZone,
          confirmationCode: newConfirmationCode(),
          bookedById: ctx.actor.id,
        },
        person,
      );
    } catch (error) {
      // A concurrent booking of the same person, service and day committed first.
      if (violates(error, 'appointments_one_active_per_person_day')) throw alreadyBooked(input.service, slot.localDate);
      throw error;
    }
    await recordAudit(tx, ctx, {
      action: 'appointment.create',
      entityType: 'appointment',
      entityId: row.id,
      consulateId: place.consulateId,
      changedFields: ['personId', 'service', 'startsAt', ...(place.mobileVisitId ? ['mobileVisitId'] : [])],
      details: { service: input.service, mobileVisitId: place.mobileVisitId },
    });
    await emitEvent(tx, appointmentEvent('appointment.booked', row, now));
    const key = {
      consulateId: place.consulateId,
      mobileVisitId: place.mobileVisitId,
      service: input.service,
      startsAt,
    };
    if (!(await takeSlot(tx, key, slot.capacity))) throw slotFull(place, input.service, slot);
    return toAppointmentJson(row);
  }

  async get(ctx: RequestContext, id: string): Promise<AppointmentJson> {
    assertCan(ctx.actor, 'appointments:read');
    return toAppointmentJson(await this.visible(this.prisma, ctx, id));
  }

  /** The day's queue (or any filtered list), in time order. */
  async list(ctx: RequestContext, input: ListInput) {
    assertCan(ctx.actor, 'appointments:read');
    const scope = consulateScope(ctx.actor);
    if (scope.consulateId && input.consulateId && input.consulateId !== scope.consulateId) {
      return { data: [], nextCursor: null };
    }
    const after = afterCursor(input.cursor, [
      { field: 'startsAt', order: 'asc', kind: 'instant' },
      { field: 'id', order: 'asc', kind: 'uuid' },
    ]);
    const { limit: _limit, cursor: _cursor, ...filter } = input;
    const where: Prisma.AppointmentWhereInput = {
      AND: [scope, appointmentWhere(filter, this.clock.now()), after],
    };
    const rows = await listAppointments(this.prisma, where, input.limit + 1);
    return toPage(rows, input.limit, (r) => [r.startsAt.toISOString(), r.id], toAppointmentJson);
  }

  /**
   * Free slots that have not started, with what remains of their capacity.
   * Counts come from the same counter rows bookings take places from.
   */
  async availability(ctx: RequestContext, input: AvailabilityInput) {
    assertCan(ctx.actor, 'appointments:read');
    const now = this.clock.now();
    // Holidays of a generous window around the asked range (its dates are local).
    const utcToday = now.toISOString().slice(0, 10);
    const place = await this.placeFor(
      this.prisma,
      ctx,
      input,
      'none',
      nextDate(input.from ?? utcToday, -1),
      nextDate(input.to ?? input.from ?? utcToday, AVAILABILITY_MAX_DAYS + 1),
    );
    const today = localDate(now, place.timeZone);
    let from = input.from ?? today;
    let to = input.to;
    if (place.kind === 'mobile_visit') {
      if (input.from === undefined && from < place.firstDay) from = place.firstDay;
      to ??= place.lastDay < from ? from : place.lastDay;
    }
    to ??= nextDate(from, 6);
    if (daysBetween(from, to) >= AVAILABILITY_MAX_DAYS) {
      throw new BadRequestError(`Ask for at most ${AVAILABILITY_MAX_DAYS} days at a time.`, [
        { path: 'querystring.to', message: `must be less than ${AVAILABILITY_MAX_DAYS} days after from` },
      ]);
    }
    const services = [...place.capacities.keys()].filter((s) => input.service === undefined || s === input.service);
    const base = {
      consulateId: place.consulateId,
      mobileVisitId: place.mobileVisitId,
      timeZone: place.timeZone,
      slotMinutes: place.slotMinutes,
      from,
      to,
    };
    if (place.notBookable) {
      return { ...base, bookable: false, notBookableReason: place.notBookable.detail, data: [] };
    }
    const days = datesBetween(from, to)
      .filter((d) => d >= today)
      .map((d) => dayPlan(place, d))
      .flatMap((p) => (p.open ? p.slots : []))
      .filter((s) => s.startsAt > now);
    const first = days[0];
    const last = days[days.length - 1];
    const taken =
      first && last && services.length
        ? await takenBetween(this.prisma, place, services, first.startsAt, last.startsAt)
        : new Map<string, number>();
    const data = days.flatMap((slot) => {
      const local = localTimeOf(slot.startsAt, place.timeZone);
      return services.flatMap((service) => {
        const capacity = place.capacities.get(service)!;
        const booked = taken.get(slotMapKey(service, slot.startsAt)) ?? 0;
        if (booked >= capacity) return [];
        return [
          {
            service,
            startsAt: slot.startsAt.toISOString(),
            endsAt: slot.endsAt.toISOString(),
            ...local,
            capacity,
            booked,
            remaining: capacity - booked,
          },
        ];
      });
    });
    return { ...base, bookable: true, notBookableReason: null, data };
  }

  /**
   * A state change from the transitions table. Order of refusals: reason
   * missing (400), stale version (412), not a transition from the current
   * state (409), role (403), the clock (409).
   */
  async transition(
    ctx: RequestContext,
    id: string,
    version: number,
    to: AppointmentState,
    reason: string | undefined,
  ): Promise<AppointmentJson> {
    assertCan(ctx.actor, 'appointments:write');
    APPOINTMENT_MACHINE.assertReason(to, reason);
    const now = this.clock.now();
    return this.prisma.$transaction(async (tx) => {
      const current = await this.visible(tx, ctx, id);
      if (current.version !== version) throw new PreconditionFailedError();
      const transition = APPOINTMENT_MACHINE.authorize(current.state, to, ctx.actor.role);
      const local = localTimeOf(current.startsAt, current.timeZone);
      if (transition.guard === 'on_the_day' && localDate(now, current.timeZone) !== local.localDate) {
        throw new ConflictError(
          `Check-in happens on the day of the appointment (${local.localDate} in ${current.timeZone}).`,
          'not-appointment-day',
        );
      }
      if (transition.guard === 'slot_ended' && now < current.endsAt) {
        throw new ConflictError(
          `A no-show is known only after the slot ends (${localTimeOf(current.endsAt, current.timeZone).localStartsAt}).`,
          'slot-not-ended',
        );
      }
      const data: Prisma.AppointmentUncheckedUpdateManyInput = { state: to };
      if (to === 'checked_in') data.checkedInAt = now;
      if (to === 'served') data.servedAt = now;
      if (to === 'no_show') data.noShowAt = now;
      if (to === 'cancelled') {
        data.cancelledAt = now;
        data.cancelledReason = reason!;
      }
      const updated = await updateAppointmentAtVersion(tx, id, version, data);
      if (!updated) throw new PreconditionFailedError();
      if (transition.freesCapacity) {
        await releaseSlot(tx, {
          consulateId: current.consulateId,
          mobileVisitId: current.mobileVisitId,
          service: current.service,
          startsAt: current.startsAt,
        });
      }
      await recordAudit(tx, ctx, {
        action: 'appointment.transition',
        entityType: 'appointment',
        entityId: id,
        consulateId: current.consulateId,
        changedFields: Object.keys(data),
        // Reasons are free text that may name people: they stay on the appointment.
        details: { from: current.state, to },
      });
      if (to === 'cancelled' || to === 'no_show') {
        await emitEvent(
          tx,
          appointmentEvent(to === 'cancelled' ? 'appointment.cancelled' : 'appointment.no_show', updated, now, {
            from: current.state,
          }),
        );
      }
      return toAppointmentJson(updated);
    });
  }

  /**
   * End of the day: every booked appointment of the date (at the consulate's
   * office and its mobile visits, or at one visit) whose slot has ended
   * becomes a no-show. Idempotent: a second call finds nothing left to mark
   * and says so; slots not yet over are left booked.
   */
  async markNoShows(ctx: RequestContext, input: NoShowInput) {
    assertCan(ctx.actor, 'schedule:write');
    let consulateId: string;
    if (input.mobileVisitId !== undefined) {
      if (input.consulateId !== undefined) {
        throw new BadRequestError('Give consulateId or mobileVisitId, not both.', [
          { path: 'body.mobileVisitId', message: 'give consulateId or mobileVisitId, not both' },
        ]);
      }
      const visit = await findVisit(this.prisma, { id: input.mobileVisitId, ...consulateScope(ctx.actor) });
      if (!visit) throw new NotFoundError('Mobile visit');
      consulateId = visit.consulateId;
    } else {
      consulateId = targetConsulate(ctx.actor, input.consulateId);
      const exists = await this.prisma.consulate.findUnique({ where: { id: consulateId }, select: { id: true } });
      if (!exists) throw new NotFoundError('Consulate');
    }
    const now = this.clock.now();
    const where: Prisma.AppointmentWhereInput = {
      consulateId,
      localDate: dateValue(input.date),
      ...(input.mobileVisitId ? { mobileVisitId: input.mobileVisitId } : {}),
      state: 'booked',
    };
    return this.prisma.$transaction(async (tx) => {
      const marked = await tx.appointment.updateManyAndReturn({
        where: { ...where, endsAt: { lte: now } },
        data: { state: 'no_show', noShowAt: now, version: { increment: 1 } },
        select: {
          id: true,
          consulateId: true,
          personId: true,
          mobileVisitId: true,
          service: true,
          startsAt: true,
          endsAt: true,
          localDate: true,
          timeZone: true,
          state: true,
        },
      });
      marked.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || a.id.localeCompare(b.id));
      await recordAuditMany(
        tx,
        ctx,
        marked.map((m) => ({
          action: 'appointment.transition',
          entityType: 'appointment',
          entityId: m.id,
          consulateId,
          changedFields: ['state', 'noShowAt'],
          details: { from: 'booked', to: 'no_show', batch: true },
        })),
      );
      await emitEvents(
        tx,
        marked.map((m) => appointmentEvent('appointment.no_show', m, now, { from: 'booked' })),
      );
      const stillBooked = await tx.appointment.count({ where: { ...where, endsAt: { gt: now } } });
      const detail =
        marked.length > 0
          ? `Marked ${marked.length} appointment${marked.length === 1 ? '' : 's'} of ${input.date} as no-show.`
          : `Nothing to mark: no booked appointment of ${input.date} whose slot has ended is left.`;
      return {
        date: input.date,
        consulateId,
        mobileVisitId: input.mobileVisitId ?? null,
        changed: marked.length > 0,
        marked: marked.length,
        stillBooked,
        detail: stillBooked > 0 ? `${detail} ${stillBooked} still booked: their slots have not ended.` : detail,
        appointments: marked.map((m) => ({
          id: m.id,
          personId: m.personId,
          mobileVisitId: m.mobileVisitId,
          service: m.service,
          startsAt: m.startsAt.toISOString(),
          localStartsAt: localTimeOf(m.startsAt, m.timeZone).localStartsAt,
        })),
      };
    });
  }

  /**
   * The place a booking or availability question is about: a mobile visit of
   * the actor's scope (404 otherwise), or the office of the actor's consulate
   * (admins name one).
   */
  private async placeFor(
    db: PrismaClient | Tx,
    ctx: RequestContext,
    input: { consulateId?: string | undefined; mobileVisitId?: string | undefined },
    lock: 'share' | 'none',
    holidaysFrom: string,
    holidaysTo: string,
  ): Promise<Place> {
    if (input.mobileVisitId !== undefined) {
      if (lock === 'share' && !(await lockVisit(db, input.mobileVisitId, 'share'))) {
        throw new NotFoundError('Mobile visit');
      }
      const visit = await findVisit(db, { id: input.mobileVisitId, ...consulateScope(ctx.actor) });
      if (!visit) throw new NotFoundError('Mobile visit');
      return visitPlace(visit);
    }
    return loadOffice(db, targetConsulate(ctx.actor, input.consulateId), holidaysFrom, holidaysTo);
  }

  private async visible(db: PrismaClient | Tx, ctx: RequestContext, id: string): Promise<AppointmentRow> {
    const row = await findAppointment(db, { id, ...consulateScope(ctx.actor) });
    if (!row) throw new NotFoundError('Appointment');
    return row;
  }
}
