import { createHash } from 'node:crypto';
import type { PrismaClient } from '../../db/client.ts';
import { assertCan, assertInScope, type RequestContext } from '../../lib/access.ts';
import { endOfLocalDay, startOfLocalDay } from '../../lib/calendar.ts';
import type { Clock } from '../../lib/clock.ts';
import { BadRequestError, NotFoundError, PreconditionFailedError } from '../../lib/errors.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { requestSelect } from '../documentation-requests/documentation-requests.repository.ts';
import { refreshDueDates } from '../documentation-requests/documentation-requests.service.ts';
import { listHolidays, loadCalendar, replaceHolidays, type HolidayRow } from './holidays.repository.ts';

/** A strong ETag of a holiday list, so concurrent editors do not overwrite each other. */
export const holidaysEtag = (holidays: HolidayRow[]) =>
  `"${createHash('sha256').update(JSON.stringify(holidays)).digest('base64url').slice(0, 22)}"`;

export class HolidaysService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly clock: Clock,
  ) {}

  async list(ctx: RequestContext, consulateId: string): Promise<HolidayRow[]> {
    assertCan(ctx.actor, 'consulates:read');
    const exists = await this.prisma.consulate.findUnique({ where: { id: consulateId }, select: { id: true } });
    if (!exists) throw new NotFoundError('Consulate');
    return listHolidays(this.prisma, consulateId);
  }

  /**
   * Replaces the consulate's holidays. Deadlines of the requests a changed day
   * can affect are recomputed in the same transaction.
   */
  async replace(ctx: RequestContext, consulateId: string, holidays: HolidayRow[], ifMatch: string | undefined) {
    assertCan(ctx.actor, 'consulates:calendar');
    assertInScope(ctx.actor, consulateId, 'Consulate');
    const seen = new Set<string>();
    holidays.forEach((h, i) => {
      if (seen.has(h.date)) {
        throw new BadRequestError(`${h.date} is listed twice.`, [
          { path: `body.${i}.date`, message: 'is listed twice' },
        ]);
      }
      seen.add(h.date);
    });
    const next = [...holidays].sort((a, b) => a.date.localeCompare(b.date));
    const now = this.clock.now();
    return this.prisma.$transaction(async (tx) => {
      // The consulate row is the lock of its calendar.
      const locked = await tx.$queryRaw<
        { id: string }[]
      >`SELECT id FROM consulates WHERE id = ${consulateId}::uuid FOR NO KEY UPDATE`;
      if (locked.length === 0) throw new NotFoundError('Consulate');
      const previous = await listHolidays(tx, consulateId);
      if (ifMatch !== undefined && ifMatch !== holidaysEtag(previous)) throw new PreconditionFailedError();
      await replaceHolidays(tx, consulateId, next);

      const before = new Set(previous.map((h) => h.date));
      const changed = [...new Set([...before, ...seen])].filter((d) => before.has(d) !== seen.has(d)).sort();
      let recomputed = 0;
      if (changed.length > 0) {
        const calendar = await loadCalendar(tx, consulateId);
        // A changed day moves a deadline only if it falls between the
        // submission and the (old) due day, or the clock is paused; and a
        // turnaround only if it falls between submission and issuance.
        const affected = await tx.documentationRequest.findMany({
          where: {
            consulateId,
            submittedAt: { lte: endOfLocalDay(changed[changed.length - 1]!, calendar.timeZone) },
            OR: [
              { dueAt: null },
              { dueAt: { gte: startOfLocalDay(changed[0]!, calendar.timeZone) } },
              // Turnaround (submission to issuance) in business days, for statistics.
              { issuedAt: { gte: startOfLocalDay(changed[0]!, calendar.timeZone) } },
            ],
            NOT: { state: 'cancelled' },
          },
          select: requestSelect,
        });
        recomputed = await refreshDueDates(tx, affected, calendar, now);
      }
      await recordAudit(tx, ctx, {
        action: 'consulate.holidays_replace',
        entityType: 'consulate',
        entityId: consulateId,
        consulateId,
        changedFields: ['holidays'],
        details: { changedDays: changed.length, deadlinesRecomputed: recomputed },
      });
      return next;
    });
  }
}
