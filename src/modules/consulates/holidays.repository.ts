import { FeedCache, type ChangeFeed } from '../../db/changes.ts';
import type { Db } from '../../db/client.ts';
import { dateOf, dateValue } from '../../lib/calendar.ts';
import type { BusinessCalendar } from '../../lib/calendar.ts';
import type { ConsularService } from '../../generated/prisma/enums.ts';

export interface HolidayRow {
  date: string;
  name: string;
}

export async function listHolidays(db: Db, consulateId: string): Promise<HolidayRow[]> {
  const rows = await db.consulateHoliday.findMany({
    where: { consulateId },
    orderBy: { date: 'asc' },
    select: { date: true, name: true },
  });
  return rows.map((r) => ({ date: dateOf(r.date), name: r.name }));
}

export async function replaceHolidays(db: Db, consulateId: string, holidays: HolidayRow[]): Promise<void> {
  await db.consulateHoliday.deleteMany({ where: { consulateId } });
  if (holidays.length > 0) {
    await db.consulateHoliday.createMany({
      data: holidays.map((h) => ({ consulateId, date: dateValue(h.date), name: h.name })),
    });
  }
}

/** A consulate's business calendar, with the services its office offers (the lobby's day). */
export interface ConsulateCalendar extends BusinessCalendar {
  /** The consulate's code (references start with it). */
  readonly code: string;
  readonly services: readonly ConsularService[];
}

/** The business calendars (time zone and holidays) of some consulates, by id. */
export async function loadCalendars(db: Db, consulateIds: readonly string[]): Promise<Map<string, ConsulateCalendar>> {
  const ids = [...new Set(consulateIds)];
  if (ids.length === 0) return new Map();
  // Sequential: `db` may be an interactive transaction, whose queries share one connection.
  const consulates = await db.consulate.findMany({
    where: { id: { in: ids } },
    select: { id: true, code: true, timeZone: true, services: true },
  });
  const holidays = await db.consulateHoliday.findMany({
    where: { consulateId: { in: ids } },
    select: { consulateId: true, date: true },
  });
  const byConsulate = new Map<string, Set<string>>(ids.map((id) => [id, new Set<string>()]));
  for (const h of holidays) byConsulate.get(h.consulateId)!.add(dateOf(h.date));
  return new Map(
    consulates.map((c) => [
      c.id,
      { code: c.code, timeZone: c.timeZone, holidays: byConsulate.get(c.id)!, services: c.services },
    ]),
  );
}

export async function loadCalendar(db: Db, consulateId: string): Promise<ConsulateCalendar> {
  const calendar = (await loadCalendars(db, [consulateId])).get(consulateId);
  if (!calendar) throw new Error(`consulate ${consulateId} has no calendar`);
  return calendar;
}

/**
 * Business calendars kept in memory, read once per consulate and dropped when
 * the database announces a change of the consulate or its holidays (on every
 * replica, through the change feed). Reads inside a transaction that changes
 * holidays must use `loadCalendar(tx, …)` instead.
 */
export class CalendarCache {
  private readonly cache: FeedCache<ConsulateCalendar>;

  constructor(
    private readonly db: Db,
    feed: ChangeFeed,
  ) {
    this.cache = new FeedCache(feed, { maxEntries: 1_000, ttlMs: 60 * 60_000 });
    feed.onChange((key) => {
      if (key.startsWith('consulate:')) this.cache.delete(key.slice('consulate:'.length));
    });
  }

  /** The consulate's calendar; undefined for an unknown consulate. */
  async find(consulateId: string): Promise<ConsulateCalendar | undefined> {
    return this.cache.fill(consulateId, async () => (await loadCalendars(this.db, [consulateId])).get(consulateId));
  }

  async get(consulateId: string): Promise<ConsulateCalendar> {
    const calendar = await this.cache.fill(consulateId, async () =>
      (await loadCalendars(this.db, [consulateId])).get(consulateId),
    );
    if (!calendar) throw new Error(`consulate ${consulateId} has no calendar`);
    return calendar;
  }

  async many(consulateIds: readonly string[]): Promise<Map<string, ConsulateCalendar>> {
    const ids = [...new Set(consulateIds)];
    const found = new Map<string, ConsulateCalendar>();
    const missing: string[] = [];
    for (const id of ids) {
      const hit = this.cache.get(id);
      if (hit) found.set(id, hit);
      else missing.push(id);
    }
    // Few consulates: one read each through the cache is cheaper than a second code path.
    for (const id of missing) found.set(id, await this.get(id));
    return found;
  }
}
