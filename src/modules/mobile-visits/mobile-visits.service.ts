import { mobileVisitWhere } from './mobile-visits.filters.ts';
import type { z } from 'zod';
import type { PrismaClient, Tx } from '../../db/client.ts';
import { created, writeTransaction, type Answer } from '../../db/transaction.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import type { ConsularService } from '../../generated/prisma/enums.ts';
import { assertCan, consulateScope, targetConsulate, type RequestContext } from '../../lib/access.ts';
import { dateOf, dateValue, localDate } from '../../lib/calendar.ts';
import type { Clock } from '../../lib/clock.ts';
import { etagOf } from '../../lib/etag.ts';
import {
  BadRequestError,
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  type FieldError,
} from '../../lib/errors.ts';
import { afterCursor, toPage } from '../../lib/pagination.ts';
import { slotsOfInterval } from '../../lib/slots.ts';
import { recordAudit, recordAuditMany } from '../audit/audit.repository.ts';
import { emitEvents, type OutboxEvent } from '../webhooks/webhooks.events.ts';
import { appointmentEvent, visitEvent } from '../webhooks/webhooks.payloads.ts';
import { dayInstants } from '../appointments/appointments.places.ts';
import { cancelVisitAppointments, hasPendingAppointments } from '../appointments/appointments.repository.ts';
import { toAppointmentJson, type AppointmentJson } from '../appointments/appointments.service.ts';
import {
  findVisit,
  listVisits,
  lockVisit,
  replaceVisitDays,
  updateVisitAtVersion,
  visitSelect,
  type VisitRow,
} from './mobile-visits.repository.ts';
import type {
  attendanceBody,
  createMobileVisitBody,
  mobileVisitListQuery,
  updateMobileVisitBody,
} from './mobile-visits.schemas.ts';
import {
  VISIT_MACHINE,
  allowedVisitTargets,
  ATTENDANCE_STATES,
  BOOKABLE_STATES,
  type MobileVisitState,
} from './mobile-visits.states.ts';

type CreateInput = z.output<typeof createMobileVisitBody>;
type UpdateInput = z.output<typeof updateMobileVisitBody>;
type ListInput = z.output<typeof mobileVisitListQuery>;
type AttendanceInput = z.output<typeof attendanceBody>;
type DayInput = CreateInput['days'][number];

/** Fields that shape the visit's slots: fixed once appointments are booked. */
const SLOT_FIELDS = ['days', 'slotMinutes', 'timeZone', 'services'] as const;

export function toVisitJson(row: VisitRow) {
  const totals = new Map<ConsularService, number>();
  for (const a of row.attendance) totals.set(a.service, (totals.get(a.service) ?? 0) + a.peopleServed);
  return {
    id: row.id,
    consulateId: row.consulateId,
    hostCity: row.hostCity,
    hostState: row.hostState,
    venue: row.venue,
    address: row.address,
    timeZone: row.timeZone,
    days: row.days.map((d) => {
      const date = dateOf(d.date);
      return { date, opens: d.opens, closes: d.closes, ...dayInstants(date, d.opens, d.closes, row.timeZone) };
    }),
    services: row.services,
    slotMinutes: row.slotMinutes,
    capacityPerSlot: row.capacityPerSlot,
    state: row.state,
    firstDay: dateOf(row.firstDay),
    lastDay: dateOf(row.lastDay),
    cancelledAt: row.cancelledAt?.toISOString() ?? null,
    cancelledReason: row.cancelledReason,
    completedAt: row.completedAt?.toISOString() ?? null,
    attendance: row.attendance.map((a) => ({
      date: dateOf(a.date),
      service: a.service,
      peopleServed: a.peopleServed,
    })),
    peopleServed: [...totals].map(([service, peopleServed]) => ({ service, peopleServed })),
    totalPeopleServed: [...totals.values()].reduce((a, b) => a + b, 0),
    allowedTransitions: allowedVisitTargets(row.state),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export type VisitJson = ReturnType<typeof toVisitJson>;

/** Days in the past or too short for one slot, by field path. */
function dayProblems(days: DayInput[], zone: string, slotMinutes: number, today: string): FieldError[] {
  const problems: FieldError[] = [];
  days.forEach((d, i) => {
    if (d.date < today) problems.push({ path: `body.days.${i}.date`, message: `is in the past (today is ${today})` });
    else if (slotsOfInterval(d.date, d.opens, d.closes, zone, slotMinutes).length === 0) {
      problems.push({ path: `body.days.${i}.closes`, message: `leaves no complete slot of ${slotMinutes} minutes` });
    }
  });
  return problems;
}

function serviceProblems(services: readonly ConsularService[], offered: readonly ConsularService[]): FieldError[] {
  return services.flatMap((s, i) =>
    offered.includes(s)
      ? []
      : [{ path: `body.services.${i}`, message: `is not among the consulate’s services (${offered.join(', ')})` }],
  );
}

function refuse(problems: FieldError[]): void {
  if (problems.length) throw new BadRequestError(`${problems[0]!.path}: ${problems[0]!.message}`, problems);
}

const span = (days: DayInput[]) => {
  const dates = days.map((d) => d.date).sort();
  return { firstDay: dateValue(dates[0]!), lastDay: dateValue(dates[dates.length - 1]!) };
};

export class MobileVisitsService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly clock: Clock,
  ) {}

  async create(ctx: RequestContext, input: CreateInput): Promise<Answer<VisitJson>> {
    assertCan(ctx.actor, 'mobile_visits:write');
    const consulateId = targetConsulate(ctx.actor, input.consulateId);
    const consulate = await this.prisma.consulate.findUnique({
      where: { id: consulateId },
      select: { timeZone: true, services: true },
    });
    if (!consulate) throw new NotFoundError('Consulate');
    const timeZone = input.timeZone ?? consulate.timeZone;
    refuse([
      ...dayProblems(input.days, timeZone, input.slotMinutes, localDate(this.clock.now(), timeZone)),
      ...serviceProblems(input.services, consulate.services),
    ]);
    const { consulateId: _ignored, days, ...fields } = input;
    return writeTransaction(this.prisma, ctx, async (tx) => {
      const row = await tx.mobileVisit.create({
        data: {
          ...fields,
          consulateId,
          timeZone,
          ...span(days),
          days: { create: days.map((d) => ({ date: dateValue(d.date), opens: d.opens, closes: d.closes })) },
        },
        select: visitSelect,
      });
      await recordAudit(tx, ctx, {
        action: 'mobile_visit.create',
        entityType: 'mobile_visit',
        entityId: row.id,
        consulateId,
        changedFields: Object.keys(input).filter((k) => k !== 'consulateId'),
        details: { days: days.length, hostState: input.hostState },
      });
      return created(toVisitJson(row), { etag: etagOf(row.version), location: `/v1/mobile-visits/${row.id}` });
    });
  }

  async get(ctx: RequestContext, id: string): Promise<VisitJson> {
    assertCan(ctx.actor, 'mobile_visits:read');
    return toVisitJson(await this.visible(this.prisma, ctx, id));
  }

  /** By first day, then id (upcoming first when `from` is today). */
  async list(ctx: RequestContext, input: ListInput) {
    assertCan(ctx.actor, 'mobile_visits:read');
    const scope = consulateScope(ctx.actor);
    if (scope.consulateId && input.consulateId && input.consulateId !== scope.consulateId) {
      return { data: [], nextCursor: null };
    }
    const where: Prisma.MobileVisitWhereInput = {
      AND: [
        scope,
        mobileVisitWhere(input),
        afterCursor(input.cursor, [
          { field: 'firstDay', order: 'asc', kind: 'date' },
          { field: 'id', order: 'asc', kind: 'uuid' },
        ]),
      ],
    };
    const rows = await listVisits(this.prisma, where, input.limit + 1);
    return toPage(rows, input.limit, (r) => [dateOf(r.firstDay), r.id], toVisitJson);
  }

  /**
   * Descriptive fields and capacity while the visit is planned or confirmed;
   * days, hours, slot length, time zone and services only while no
   * appointment holds a place (they would move booked slots).
   */
  async update(ctx: RequestContext, id: string, version: number, input: UpdateInput): Promise<VisitJson> {
    assertCan(ctx.actor, 'mobile_visits:write');
    return this.prisma.$transaction(async (tx) => {
      const current = await this.lockVisible(tx, ctx, id);
      if (current.version !== version) throw new PreconditionFailedError();
      if (!BOOKABLE_STATES.includes(current.state)) {
        throw new ConflictError(
          `A ${current.state} mobile visit can no longer be changed.`,
          'visit-closed-for-changes',
        );
      }
      const currentDays = current.days.map((d) => ({ date: dateOf(d.date), opens: d.opens, closes: d.closes }));
      const slotChanges = SLOT_FIELDS.filter((f) => {
        const value = input[f];
        if (value === undefined) return false;
        const before = f === 'days' ? currentDays : current[f];
        return JSON.stringify(value) !== JSON.stringify(before);
      });
      if (slotChanges.length > 0 && (await hasPendingAppointments(tx, id))) {
        throw new ConflictError(
          `The visit has booked appointments: ${slotChanges.join(', ')} cannot change. Cancel the visit (it cancels its appointments) and plan a new one, or cancel the appointments first.`,
          'visit-has-appointments',
        );
      }
      const timeZone = input.timeZone ?? current.timeZone;
      const slotMinutes = input.slotMinutes ?? current.slotMinutes;
      const consulate = await tx.consulate.findUniqueOrThrow({
        where: { id: current.consulateId },
        select: { services: true },
      });
      const today = localDate(this.clock.now(), timeZone);
      refuse([
        ...(input.days ? dayProblems(input.days, timeZone, slotMinutes, today) : []),
        ...(input.services ? serviceProblems(input.services, consulate.services) : []),
      ]);
      if (!input.days && (input.slotMinutes !== undefined || input.timeZone !== undefined)) {
        const problems = dayProblems(currentDays, timeZone, slotMinutes, '0000-00-00');
        if (problems.length) {
          throw new BadRequestError(`The visit’s days leave no complete slot of ${slotMinutes} minutes.`, [
            { path: 'body.slotMinutes', message: `leaves no complete slot on ${problems[0]!.path}` },
          ]);
        }
      }
      const { days, ...fields } = input;
      const changed = Object.keys(input).filter((k) => {
        const key = k as keyof UpdateInput;
        const before = key === 'days' ? currentDays : current[key];
        return JSON.stringify(input[key]) !== JSON.stringify(before);
      });
      const ok = await updateVisitAtVersion(tx, id, version, { ...fields, ...(days ? span(days) : {}) });
      if (!ok) throw new PreconditionFailedError();
      if (days) await replaceVisitDays(tx, id, days);
      await recordAudit(tx, ctx, {
        action: 'mobile_visit.update',
        entityType: 'mobile_visit',
        entityId: id,
        consulateId: current.consulateId,
        changedFields: changed,
      });
      return toVisitJson((await findVisit(tx, { id }))!);
    });
  }

  /**
   * A state change from the transitions table. Cancelling cancels the visit's
   * booked and checked-in appointments in the same transaction and lists them.
   * Order of refusals: reason missing (400), stale version (412), not a
   * transition from the current state (409), role (403), the calendar (409).
   */
  async transition(
    ctx: RequestContext,
    id: string,
    version: number,
    to: MobileVisitState,
    reason: string | undefined,
  ): Promise<VisitJson & { cancelledAppointments: AppointmentJson[] }> {
    assertCan(ctx.actor, 'mobile_visits:write');
    VISIT_MACHINE.assertReason(to, reason);
    const now = this.clock.now();
    return this.prisma.$transaction(async (tx) => {
      const current = await this.lockVisible(tx, ctx, id);
      if (current.version !== version) throw new PreconditionFailedError();
      const transition = VISIT_MACHINE.authorize(current.state, to, ctx.actor.role);
      const today = localDate(now, current.timeZone);
      const firstDay = dateOf(current.firstDay);
      const lastDay = dateOf(current.lastDay);
      if (transition.guard === 'first_day_reached' && today < firstDay) {
        throw new ConflictError(
          `The visit starts on ${firstDay}; today is ${today} in ${current.timeZone}.`,
          'visit-not-started',
        );
      }
      if (transition.guard === 'last_day_reached' && today < lastDay) {
        throw new ConflictError(
          `The visit’s last day is ${lastDay}; today is ${today} in ${current.timeZone}. Cancel it to end it early.`,
          'visit-days-not-over',
        );
      }
      const data: Prisma.MobileVisitUncheckedUpdateManyInput = { state: to };
      if (to === 'completed') data.completedAt = now;
      if (to === 'cancelled') {
        data.cancelledAt = now;
        data.cancelledReason = reason!;
      }
      if (!(await updateVisitAtVersion(tx, id, version, data))) throw new PreconditionFailedError();
      const cancelled = transition.cancelsAppointments
        ? await cancelVisitAppointments(tx, id, `Mobile visit cancelled: ${reason!}`.slice(0, 2000), now)
        : [];
      await recordAuditMany(
        tx,
        ctx,
        cancelled.map(({ row, from }) => ({
          action: 'appointment.transition',
          entityType: 'appointment',
          entityId: row.id,
          consulateId: row.consulateId,
          changedFields: ['state', 'cancelledAt', 'cancelledReason'],
          details: { from, to: 'cancelled', cause: 'mobile_visit_cancelled' },
        })),
      );
      await recordAudit(tx, ctx, {
        action: 'mobile_visit.transition',
        entityType: 'mobile_visit',
        entityId: id,
        consulateId: current.consulateId,
        changedFields: Object.keys(data),
        details: { from: current.state, to, appointmentsCancelled: cancelled.length },
      });
      const visit = (await findVisit(tx, { id }))!;
      const events: OutboxEvent[] = [];
      if (to === 'confirmed' || to === 'cancelled') {
        const type = to === 'confirmed' ? 'mobile_visit.confirmed' : 'mobile_visit.cancelled';
        events.push(visitEvent(type, visit, current.state, now, cancelled.length));
      }
      for (const { row, from } of cancelled) {
        events.push(appointmentEvent('appointment.cancelled', row, now, { from, cause: 'mobile_visit_cancelled' }));
      }
      await emitEvents(tx, events);
      return {
        ...toVisitJson(visit),
        cancelledAppointments: cancelled.map(({ row }) => toAppointmentJson(row)),
      };
    });
  }

  /** Sets the people served on one of the visit's days, per service (a repeated report replaces the figures). */
  async recordAttendance(ctx: RequestContext, id: string, input: AttendanceInput): Promise<VisitJson> {
    assertCan(ctx.actor, 'mobile_visits:write');
    return this.prisma.$transaction(async (tx) => {
      const current = await this.lockVisible(tx, ctx, id);
      if (!ATTENDANCE_STATES.includes(current.state)) {
        throw new ConflictError(
          `Attendance is reported once the visit is ${ATTENDANCE_STATES.join(' or ')}; it is ${current.state}.`,
          'attendance-not-open',
        );
      }
      const days = current.days.map((d) => dateOf(d.date));
      refuse([
        ...(days.includes(input.date)
          ? []
          : [{ path: 'body.date', message: `is not one of the visit’s days (${days.join(', ')})` }]),
        ...input.served.flatMap((s, i) =>
          current.services.includes(s.service)
            ? []
            : [
                {
                  path: `body.served.${i}.service`,
                  message: `is not offered at this visit (${current.services.join(', ')})`,
                },
              ],
        ),
      ]);
      const today = localDate(this.clock.now(), current.timeZone);
      if (input.date > today) {
        throw new ConflictError(`${input.date} has not come yet (today is ${today}).`, 'day-not-reached');
      }
      for (const s of input.served) {
        await tx.mobileVisitAttendance.upsert({
          where: { visitId_date_service: { visitId: id, date: dateValue(input.date), service: s.service } },
          create: {
            visitId: id,
            date: dateValue(input.date),
            service: s.service,
            peopleServed: s.peopleServed,
            recordedById: ctx.actor.id,
          },
          update: { peopleServed: s.peopleServed, recordedById: ctx.actor.id, recordedAt: this.clock.now() },
        });
      }
      if (!(await updateVisitAtVersion(tx, id, current.version, {}))) throw new PreconditionFailedError();
      await recordAudit(tx, ctx, {
        action: 'mobile_visit.attendance',
        entityType: 'mobile_visit',
        entityId: id,
        consulateId: current.consulateId,
        changedFields: ['attendance'],
        details: { date: input.date, services: input.served.map((s) => s.service) },
      });
      return toVisitJson((await findVisit(tx, { id }))!);
    });
  }

  private async visible(db: PrismaClient | Tx, ctx: RequestContext, id: string): Promise<VisitRow> {
    const row = await findVisit(db, { id, ...consulateScope(ctx.actor) });
    if (!row) throw new NotFoundError('Mobile visit');
    return row;
  }

  /** The visit under its row lock (bookings of it wait, or have committed). */
  private async lockVisible(tx: Tx, ctx: RequestContext, id: string): Promise<VisitRow> {
    const scoped = await this.visible(tx, ctx, id);
    await lockVisit(tx, scoped.id, 'update');
    return (await findVisit(tx, { id }))!;
  }
}
