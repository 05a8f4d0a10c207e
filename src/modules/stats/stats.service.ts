import { DateTime } from 'luxon';
import type { PrismaClient } from '../../db/client.ts';
import { assertCan, assertInScope, type RequestContext } from '../../lib/access.ts';
import { localDate, nextDate, startOfLocalDay } from '../../lib/calendar.ts';
import type { Clock } from '../../lib/clock.ts';
import { BadRequestError, ForbiddenError, NotFoundError } from '../../lib/errors.ts';
import { aggregate, figureTree } from './stats.figures.ts';
import { readFigures } from './stats.repository.ts';

interface ConsulateRef {
  id: string;
  code: string;
  name: string;
  timeZone: string;
}

const MAX_DAYS = 366;
const consulateSelect = { id: true, code: true, name: true, timeZone: true } as const;

/**
 * Statistics per consulate and for the network, over local calendar days.
 * Every count comes with the one list request (`drillDown`) that returns
 * exactly its records: the rollups the counts are read from are keyed by the
 * same columns as the lists' filters (see the migration
 * `statistics_rollups`), and the tests follow every drill-down to check it.
 * Network totals drill down to one network-wide list with the same local-date
 * filters, which mean each consulate's own calendar days.
 */
export class StatsService {
  constructor(
    private readonly db: PrismaClient,
    private readonly clock: Clock,
  ) {}

  async consulate(ctx: RequestContext, consulateId: string, query: { from?: string; to?: string }) {
    assertCan(ctx.actor, 'stats:read');
    assertInScope(ctx.actor, consulateId, 'Consulate');
    const consulate = await this.db.consulate.findUnique({ where: { id: consulateId }, select: consulateSelect });
    if (!consulate) throw new NotFoundError('Consulate');
    const now = this.clock.now();
    const todays = [localDate(now, consulate.timeZone)];
    const period = this.period(todays, query);
    const { perConsulate } = await this.read([consulate], todays, period, now);
    return {
      consulate,
      period: {
        ...period,
        start: startOfLocalDay(period.from, consulate.timeZone).toISOString(),
        end: startOfLocalDay(nextDate(period.to), consulate.timeZone).toISOString(),
      },
      generatedAt: now.toISOString(),
      figures: figureTree(perConsulate.get(consulate.id)!, consulate.id, period),
    };
  }

  async network(ctx: RequestContext, query: { from?: string; to?: string }) {
    assertCan(ctx.actor, 'stats:read');
    if (ctx.actor.consulateId !== null) {
      throw new ForbiddenError('Network statistics are for headquarters (admins and auditors).');
    }
    const consulates = await this.db.consulate.findMany({ orderBy: { code: 'asc' }, select: consulateSelect });
    const now = this.clock.now();
    const todays = consulates.map((c) => localDate(now, c.timeZone));
    const period = this.period(todays.length ? todays : [localDate(now, 'UTC')], query);
    const { perConsulate, network } = await this.read(consulates, todays, period, now);
    return {
      period,
      generatedAt: now.toISOString(),
      consulates: consulates.map((c) => ({ consulate: c, figures: figureTree(perConsulate.get(c.id)!, c.id, period) })),
      totals: figureTree(network, undefined, period),
    };
  }

  /**
   * The local days asked for; by default the current month — for the network,
   * the month of the consulate whose calendar is furthest behind (`todays`:
   * each consulate's date now), so that no consulate's figures are of a month
   * that has not begun there.
   */
  private period(todays: string[], query: { from?: string; to?: string }) {
    const today = todays.reduce((earliest, d) => (d < earliest ? d : earliest));
    const month = DateTime.fromISO(today, { zone: 'UTC' });
    const from = query.from ?? month.startOf('month').toISODate()!;
    const to = query.to ?? month.endOf('month').toISODate()!;
    if (Date.parse(to) - Date.parse(from) > MAX_DAYS * 86_400_000) {
      throw new BadRequestError(`A period is at most ${MAX_DAYS} days.`, [
        { path: 'querystring.to', message: `must be within ${MAX_DAYS} days of from` },
      ]);
    }
    return { from, to };
  }

  /** The figures' aggregates; `todays` are the consulates' local dates now, in the same order. */
  private async read(consulates: ConsulateRef[], todays: string[], period: { from: string; to: string }, now: Date) {
    const raw = await readFigures(this.db, {
      consulates: consulates.map((c, i) => ({ id: c.id, today: todays[i]! })),
      ...period,
      now,
    });
    return aggregate(
      consulates.map((c) => c.id),
      raw,
    );
  }
}
