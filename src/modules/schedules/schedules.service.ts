import type { z } from 'zod';
import type { PrismaClient } from '../../db/client.ts';
import { assertCan, assertInScope, type RequestContext } from '../../lib/access.ts';
import { BadRequestError, NotFoundError, PreconditionFailedError } from '../../lib/errors.ts';
import { expectedVersion } from '../../lib/etag.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { findSchedule, lockSchedule, writeSchedule, type ScheduleRow } from './schedules.repository.ts';
import type { scheduleBody } from './schedules.schemas.ts';

type ScheduleInput = z.output<typeof scheduleBody>;

export function toScheduleJson(consulate: { id: string; timeZone: string }, row: ScheduleRow | null) {
  const configured = row !== null && row.version > 0;
  return {
    consulateId: consulate.id,
    timeZone: consulate.timeZone,
    configured,
    slotMinutes: configured ? row.slotMinutes : null,
    weeklyHours: configured ? row.hours : [],
    services: configured ? row.services : [],
    version: configured ? row.version : 0,
    updatedAt: configured ? row.updatedAt.toISOString() : null,
  };
}

export type ScheduleJson = ReturnType<typeof toScheduleJson>;

const sortHours = (hours: ScheduleInput['weeklyHours']) =>
  [...hours].sort((a, b) => a.weekday - b.weekday || a.opens.localeCompare(b.opens));
const sortServices = (services: ScheduleInput['services']) =>
  [...services].sort((a, b) => a.service.localeCompare(b.service));

export class SchedulesService {
  constructor(private readonly prisma: PrismaClient) {}

  /** Opening hours are public information: every staff role reads any consulate's. */
  async get(ctx: RequestContext, consulateId: string): Promise<ScheduleJson> {
    assertCan(ctx.actor, 'consulates:read');
    const consulate = await this.prisma.consulate.findUnique({
      where: { id: consulateId },
      select: { id: true, timeZone: true },
    });
    if (!consulate) throw new NotFoundError('Consulate');
    return toScheduleJson(consulate, await findSchedule(this.prisma, consulateId));
  }

  /**
   * Replaces the whole schedule. Appointments already booked keep their time;
   * the new hours and capacities apply to new bookings.
   */
  async replace(
    ctx: RequestContext,
    consulateId: string,
    input: ScheduleInput,
    ifMatch: string | undefined,
  ): Promise<ScheduleJson> {
    assertCan(ctx.actor, 'schedule:write');
    assertInScope(ctx.actor, consulateId, 'Consulate');
    const expected = ifMatch === undefined ? undefined : expectedVersion(ifMatch);
    const consulate = await this.prisma.consulate.findUnique({
      where: { id: consulateId },
      select: { id: true, timeZone: true, services: true },
    });
    if (!consulate) throw new NotFoundError('Consulate');
    const notOffered = input.services
      .map((s, i) => ({ ...s, i }))
      .filter((s) => !consulate.services.includes(s.service));
    if (notOffered.length > 0) {
      throw new BadRequestError(
        `The consulate does not offer ${notOffered.map((s) => s.service).join(', ')}: an admin adds services to the consulate first.`,
        notOffered.map((s) => ({
          path: `body.services.${s.i}.service`,
          message: `is not among the consulate’s services (${consulate.services.join(', ') || 'none'})`,
        })),
      );
    }
    const next = { ...input, weeklyHours: sortHours(input.weeklyHours), services: sortServices(input.services) };
    return this.prisma.$transaction(async (tx) => {
      const version = await lockSchedule(tx, consulateId, input.slotMinutes);
      if (expected !== undefined && expected !== version) throw new PreconditionFailedError();
      const previous = version > 0 ? await findSchedule(tx, consulateId) : null;
      const row = await writeSchedule(tx, consulateId, next);
      const changed: string[] = [];
      if (previous?.slotMinutes !== next.slotMinutes) changed.push('slotMinutes');
      if (JSON.stringify(previous?.hours ?? []) !== JSON.stringify(row.hours)) changed.push('weeklyHours');
      if (JSON.stringify(previous?.services ?? []) !== JSON.stringify(row.services)) changed.push('services');
      await recordAudit(tx, ctx, {
        action: 'consulate.schedule_replace',
        entityType: 'consulate',
        entityId: consulateId,
        consulateId,
        changedFields: changed,
        details: { version: row.version },
      });
      return toScheduleJson(consulate, row);
    });
  }
}
