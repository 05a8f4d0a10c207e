import { FeedCache, type ChangeFeed } from '../../db/changes.ts';
import type { Db } from '../../db/client.ts';
import { dateOf } from '../../lib/calendar.ts';
import type { ConsularService } from '../../generated/prisma/enums.ts';
import { ConflictError, NotFoundError } from '../../lib/errors.ts';
import { localTimeOf, slotsOfInterval, wallTimeToInstant, weekdayOf, type SlotTime } from '../../lib/slots.ts';
import type { VisitRow } from '../mobile-visits/mobile-visits.repository.ts';
import { BOOKABLE_STATES } from '../mobile-visits/mobile-visits.states.ts';
import { findOfficePlan } from '../schedules/schedules.repository.ts';

/**
 * Where appointments happen: a consulate's office (weekly hours, holidays) or
 * one of its mobile visits (its own days). Both answer the same questions:
 * which slots a local date has, and whether booking is open at all.
 */
interface PlaceBase {
  consulateId: string;
  timeZone: string;
  slotMinutes: number;
  /** Capacity per slot, by service offered. */
  capacities: ReadonlyMap<ConsularService, number>;
  /** Why nothing can be booked here now, or null. */
  notBookable: { code: string; detail: string } | null;
}

export interface OfficePlace extends PlaceBase {
  kind: 'office';
  mobileVisitId: null;
  hours: readonly { weekday: number; opens: string; closes: string }[];
  holidays: ReadonlySet<string>;
}

export interface VisitPlace extends PlaceBase {
  kind: 'mobile_visit';
  mobileVisitId: string;
  days: ReadonlyMap<string, { opens: string; closes: string }>;
  firstDay: string;
  lastDay: string;
}

export type Place = OfficePlace | VisitPlace;

export type DayPlan =
  { open: true; slots: SlotTime[] } | { open: false; why: 'holiday' | 'no_hours' | 'not_a_visit_day' };

/**
 * The office of a consulate, with its schedule and its holidays between two
 * local dates. 404 when the consulate does not exist.
 */
export async function loadOffice(db: Db, consulateId: string, from: string, to: string): Promise<OfficePlace> {
  const plan = await findOfficePlan(db, consulateId, from, to);
  if (!plan) throw new NotFoundError('Consulate');
  const configured = plan.version !== null && plan.version > 0 && plan.slot_minutes !== null;
  return {
    kind: 'office',
    consulateId,
    mobileVisitId: null,
    timeZone: plan.time_zone,
    slotMinutes: plan.slot_minutes ?? 30,
    capacities: new Map(configured ? plan.services.map((s) => [s.service, s.capacityPerSlot]) : []),
    hours: configured ? plan.hours : [],
    holidays: new Set(plan.holidays),
    notBookable:
      plan.status !== 'active'
        ? { code: 'consulate-not-active', detail: `The consulate is ${plan.status}: it takes no appointments.` }
        : !configured
          ? {
              code: 'no-schedule',
              detail: 'The consulate has no appointment schedule yet (PUT /v1/consulates/:id/schedule).',
            }
          : null,
  };
}

export function visitPlace(visit: VisitRow): VisitPlace {
  return {
    kind: 'mobile_visit',
    consulateId: visit.consulateId,
    mobileVisitId: visit.id,
    timeZone: visit.timeZone,
    slotMinutes: visit.slotMinutes,
    capacities: new Map(visit.services.map((s) => [s, visit.capacityPerSlot])),
    days: new Map(visit.days.map((d) => [dateOf(d.date), { opens: d.opens, closes: d.closes }])),
    firstDay: dateOf(visit.firstDay),
    lastDay: dateOf(visit.lastDay),
    notBookable: BOOKABLE_STATES.includes(visit.state)
      ? null
      : {
          code: 'visit-not-bookable',
          detail: `The mobile visit is ${visit.state}: appointments are booked only while it is ${BOOKABLE_STATES.join(' or ')}.`,
        },
  };
}

/** The slots of a local date at the place, in time order, each instant once. */
export function dayPlan(place: Place, date: string): DayPlan {
  let intervals: { opens: string; closes: string }[];
  if (place.kind === 'office') {
    if (place.holidays.has(date)) return { open: false, why: 'holiday' };
    const weekday = weekdayOf(date);
    intervals = place.hours.filter((h) => h.weekday === weekday);
    if (intervals.length === 0) return { open: false, why: 'no_hours' };
  } else {
    const day = place.days.get(date);
    if (!day) return { open: false, why: 'not_a_visit_day' };
    intervals = [day];
  }
  // Intervals of one day never overlap on the wall clock, but on the
  // spring-forward day two of them can meet at the same instant: list it once.
  const byInstant = new Map<number, SlotTime>();
  for (const i of intervals) {
    for (const slot of slotsOfInterval(date, i.opens, i.closes, place.timeZone, place.slotMinutes)) {
      byInstant.set(slot.startsAt.getTime(), slot);
    }
  }
  return { open: true, slots: [...byInstant.values()].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime()) };
}

export interface LocatedSlot extends SlotTime {
  localDate: string;
  capacity: number;
}

/**
 * The slot starting at `startsAt` for `service`, or a 409 that says why there
 * is none: booking closed, service not offered, holiday, outside the hours,
 * not a slot start, or already started.
 */
export function locateSlot(place: Place, service: ConsularService, startsAt: Date, now: Date): LocatedSlot {
  if (place.notBookable) throw new ConflictError(place.notBookable.detail, place.notBookable.code);
  const capacity = place.capacities.get(service);
  if (capacity === undefined) {
    const offered = [...place.capacities.keys()];
    throw new ConflictError(
      `${service} is not offered ${place.kind === 'office' ? 'at the office' : 'at this mobile visit'}; offered: ${offered.join(', ') || 'none'}.`,
      'service-not-offered',
      { servicesOffered: offered },
    );
  }
  const local = localTimeOf(startsAt, place.timeZone);
  const plan = dayPlan(place, local.localDate);
  if (!plan.open) {
    if (plan.why === 'holiday') {
      throw new ConflictError(`${local.localDate} is a holiday of the consulate: the office is closed.`, 'holiday');
    }
    throw new ConflictError(
      plan.why === 'not_a_visit_day'
        ? `${local.localDate} is not one of the mobile visit’s days.`
        : `The office is closed on ${local.localDate} (${local.localStartsAt} in ${place.timeZone}).`,
      'outside-opening-hours',
    );
  }
  const at = startsAt.getTime();
  const slot = plan.slots.find((s) => s.startsAt.getTime() === at);
  if (!slot) {
    const inside = plan.slots.some((s) => s.startsAt.getTime() < at && at < s.endsAt.getTime());
    if (!inside) {
      const first = plan.slots[0];
      const last = plan.slots[plan.slots.length - 1];
      throw new ConflictError(
        `${local.localStartsAt} is outside the opening hours of ${local.localDate}` +
          (first && last
            ? ` (slots from ${localTimeOf(first.startsAt, place.timeZone).localTime} to ${localTimeOf(last.endsAt, place.timeZone).localTime}).`
            : '.'),
        'outside-opening-hours',
      );
    }
    const before = [...plan.slots].reverse().find((s) => s.startsAt.getTime() < at)!;
    throw new ConflictError(
      `${local.localStartsAt} is not the start of a slot: slots are ${place.slotMinutes} minutes, e.g. ${localTimeOf(before.startsAt, place.timeZone).localStartsAt}.`,
      'not-a-slot-start',
    );
  }
  if (at <= now.getTime()) {
    throw new ConflictError(`The slot at ${local.localStartsAt} has already started.`, 'slot-started');
  }
  return { ...slot, localDate: local.localDate, capacity };
}

/** The opening and closing instants of a visit day, for display. */
export function dayInstants(date: string, opens: string, closes: string, timeZone: string) {
  return {
    opensAt: wallTimeToInstant(date, opens, timeZone).toISOString(),
    closesAt: wallTimeToInstant(date, closes, timeZone).toISOString(),
  };
}

/**
 * Offices (schedule, hours, capacities and all holidays) kept in memory per
 * consulate, dropped when the database announces a change of the consulate,
 * its schedule or its holidays (change feed). Booking reads it on every attempt.
 */
export class OfficeCache {
  private readonly cache: FeedCache<OfficePlace>;

  constructor(
    private readonly db: Db,
    feed: ChangeFeed,
  ) {
    this.cache = new FeedCache(feed, { maxEntries: 1_000, ttlMs: 60 * 60_000 });
    feed.onChange((key) => {
      if (key.startsWith('consulate:')) this.cache.delete(key.slice('consulate:'.length));
    });
  }

  /** The office of a consulate; 404 when the consulate does not exist. */
  async get(consulateId: string): Promise<OfficePlace> {
    const office = await this.cache.fill(consulateId, async () => {
      try {
        return await loadOffice(this.db, consulateId, '0001-01-01', '9999-12-31');
      } catch (err) {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      }
    });
    if (!office) throw new NotFoundError('Consulate');
    return office;
  }
}
