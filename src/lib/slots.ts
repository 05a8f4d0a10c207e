import { DateTime } from 'luxon';

/**
 * Appointment slots in an office's IANA time zone.
 *
 * Opening and closing times are local wall times (`HH:MM`) of a calendar date.
 * Each becomes one instant, as RFC 5545 (§3.3.5) and ECMAScript Temporal's
 * "compatible" disambiguation read wall times:
 * - a time that occurs twice (the repeated hour when daylight saving ends) is
 *   its first occurrence;
 * - a time that does not exist (skipped when daylight saving starts) is read
 *   with the offset in force before the gap, i.e. it lands that far after it
 *   (02:30 on the spring-forward day is 03:30).
 * Slots then follow real elapsed time: one every `slotMinutes` from the
 * opening instant while a whole slot fits before the closing instant. So on
 * the spring-forward day 02:00–02:59 has no slots, and on the autumn day the
 * repeated hour has its slots twice, at different instants and UTC offsets;
 * no instant is listed twice.
 */
export interface SlotTime {
  startsAt: Date;
  endsAt: Date;
}

export interface LocalTime {
  /** `YYYY-MM-DD` in the zone. */
  localDate: string;
  /** `HH:MM` on the wall clock. */
  localTime: string;
  /** ISO 8601 with the offset in force, e.g. `2026-11-01T01:30:00-08:00`. */
  localStartsAt: string;
  /** `-08:00`. */
  utcOffset: string;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after midnight of `HH:MM`. */
export function minutesOf(time: string): number {
  const match = HH_MM.exec(time);
  if (!match) throw new Error(`not a HH:MM time: ${time}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

const offsetAt = (ms: number, zone: string): number => DateTime.fromMillis(ms, { zone }).offset;

/** The instant of a local wall time on a calendar date in `zone` (see the rules above). */
export function wallTimeToInstant(date: string, time: string, zone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const minutes = minutesOf(time);
  // The wall time read as if it were UTC; the real instant is this minus the offset.
  const wall = Date.UTC(y, m - 1, d, Math.floor(minutes / 60), minutes % 60);
  const before = offsetAt(wall - DAY, zone);
  const candidates = [...new Set([before, offsetAt(wall, zone), offsetAt(wall + DAY, zone)])]
    .map((offset) => wall - offset * MINUTE)
    .filter((instant) => {
      const local = DateTime.fromMillis(instant, { zone });
      return local.year === y && local.month === m && local.day === d && local.hour * 60 + local.minute === minutes;
    })
    .sort((a, b) => a - b);
  // Repeated: the first occurrence. Skipped: the offset before the gap.
  return new Date(candidates[0] ?? wall - before * MINUTE);
}

/** Slots from `opens` to `closes` (local) on `date`, stepping `slotMinutes` of real time. */
export function slotsOfInterval(
  date: string,
  opens: string,
  closes: string,
  zone: string,
  slotMinutes: number,
): SlotTime[] {
  const start = wallTimeToInstant(date, opens, zone).getTime();
  const end = wallTimeToInstant(date, closes, zone).getTime();
  const step = slotMinutes * MINUTE;
  const slots: SlotTime[] = [];
  for (let t = start; t + step <= end; t += step) slots.push({ startsAt: new Date(t), endsAt: new Date(t + step) });
  return slots;
}

/** How an instant reads on the wall clock of `zone`. */
export function localTimeOf(instant: Date, zone: string): LocalTime {
  const local = DateTime.fromJSDate(instant, { zone });
  return {
    localDate: local.toISODate()!,
    localTime: local.toFormat('HH:mm'),
    localStartsAt: local.toISO({ suppressMilliseconds: true })!,
    utcOffset: local.toFormat('ZZ'),
  };
}

/** ISO weekday (1 Monday … 7 Sunday) of a calendar date. */
export function weekdayOf(date: string): number {
  return DateTime.fromISO(date, { zone: 'UTC' }).weekday;
}

/** Calendar dates from `from` to `to`, both included. */
export function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let d = DateTime.fromISO(from, { zone: 'UTC' }); d.toISODate()! <= to; d = d.plus({ days: 1 })) {
    dates.push(d.toISODate()!);
  }
  return dates;
}

/** Whole calendar days from `from` to `to` (0 when equal). */
export function daysBetween(from: string, to: string): number {
  return Math.round(DateTime.fromISO(to, { zone: 'UTC' }).diff(DateTime.fromISO(from, { zone: 'UTC' }), 'days').days);
}
