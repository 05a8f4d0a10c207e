import { DateTime } from 'luxon';

/**
 * Business days on a consulate's calendar: Monday to Friday, except the
 * consulate's holidays. Dates are calendar dates (`YYYY-MM-DD`) in the
 * consulate's time zone; instants are converted with that zone, so days on
 * which daylight saving starts or ends are 23 or 25 hours long as they really are.
 */
export interface BusinessCalendar {
  readonly timeZone: string;
  /** Holiday dates, `YYYY-MM-DD`. */
  readonly holidays: ReadonlySet<string>;
}

const day = (date: string) => DateTime.fromISO(date, { zone: 'UTC' });

/** The `YYYY-MM-DD` of a DATE column's value (Prisma reads it as UTC midnight). */
export const dateOf = (value: Date): string => value.toISOString().slice(0, 10);

/** A `YYYY-MM-DD` as the value Prisma writes to a DATE column. */
export const dateValue = (date: string): Date => new Date(`${date}T00:00:00Z`);

export function isBusinessDay(date: string, calendar: BusinessCalendar): boolean {
  return day(date).weekday <= 5 && !calendar.holidays.has(date);
}

/** The calendar date of an instant in `timeZone`. */
export function localDate(instant: Date, timeZone: string): string {
  return DateTime.fromJSDate(instant, { zone: timeZone }).toISODate()!;
}

export function nextDate(date: string, days = 1): string {
  return day(date).plus({ days }).toISODate()!;
}

/** The `n`-th business day after `date` (`date` itself not counted); `date` when n = 0. */
export function addBusinessDays(date: string, n: number, calendar: BusinessCalendar): string {
  let current = date;
  let left = n;
  while (left > 0) {
    current = nextDate(current);
    if (isBusinessDay(current, calendar)) left--;
  }
  return current;
}

/** Business days `d` with `after < d <= through` (0 when through <= after). */
export function businessDaysBetween(after: string, through: string, calendar: BusinessCalendar): number {
  let count = 0;
  for (let d = nextDate(after); d <= through; d = nextDate(d)) if (isBusinessDay(d, calendar)) count++;
  return count;
}

/** The last instant of a local calendar date (23:59:59.999 there), as a UTC Date. */
export function endOfLocalDay(date: string, timeZone: string): Date {
  return DateTime.fromISO(date, { zone: timeZone }).endOf('day').toJSDate();
}

/** The first instant of a local calendar date, as a UTC Date. */
export function startOfLocalDay(date: string, timeZone: string): Date {
  return DateTime.fromISO(date, { zone: timeZone }).startOf('day').toJSDate();
}
