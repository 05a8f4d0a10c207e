import { DateTime } from 'luxon';

/**
 * Business days on a consulate's calendar: Monday to Friday, except the
 * consulate's holidays. Dates are calendar dates (`YYYY-MM-DD`) in the
 * consulate's time zone; instants are converted with that zone, so days on
 * which daylight saving starts or ends are 23 or 25 hours long as they really are.
 *
 * Day arithmetic works on day numbers (days since 1970-01-01) in closed form:
 * counting or adding business days costs a binary search over the holidays,
 * not a walk over the days (a deadline is derived on every read).
 */
export interface BusinessCalendar {
  readonly timeZone: string;
  /** Holiday dates, `YYYY-MM-DD`. */
  readonly holidays: ReadonlySet<string>;
}

const DAY_MS = 86_400_000;
/** A multiple of 7 that keeps day numbers of any plausible date positive (weekday pattern unchanged). */
const SHIFT = 7 * 200_000;
/** Weekdays among the first r days of a week that starts on a Thursday (1970-01-01 was one). */
const WEEKDAYS_BEFORE = [0, 1, 2, 2, 2, 3, 4, 5];
/** Offsets of the five weekdays in such a week: Thu, Fri, Mon, Tue, Wed. */
const WEEKDAY_OFFSETS = [0, 1, 4, 5, 6];

/** Days since 1970-01-01 of a `YYYY-MM-DD`. */
export function dayNumber(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
}

/** The `YYYY-MM-DD` of a day number. */
export function dateOfDayNumber(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** ISO weekday (1 Monday … 7 Sunday) of a day number. */
const weekdayOf = (n: number) => ((n + SHIFT + 3) % 7) + 1;

/** Weekdays among day numbers [−SHIFT, n). */
function weekdaysBefore(n: number): number {
  const m = n + SHIFT;
  return 5 * Math.floor(m / 7) + WEEKDAYS_BEFORE[m % 7]!;
}

/** The day number of the t-th weekday (1-based) counted from −SHIFT. */
function nthWeekday(t: number): number {
  return 7 * Math.floor((t - 1) / 5) + WEEKDAY_OFFSETS[(t - 1) % 5]! - SHIFT;
}

/** A calendar's holidays that fall on weekdays, as sorted day numbers (computed once per set). */
const weekdayHolidays = new WeakMap<ReadonlySet<string>, number[]>();
function holidayNumbers(calendar: BusinessCalendar): number[] {
  let numbers = weekdayHolidays.get(calendar.holidays);
  if (!numbers) {
    numbers = [...calendar.holidays]
      .map(dayNumber)
      .filter((n) => weekdayOf(n) <= 5)
      .sort((a, b) => a - b);
    weekdayHolidays.set(calendar.holidays, numbers);
  }
  return numbers;
}

/** Index of the first element > n. */
function upperBound(sorted: readonly number[], n: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= n) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Weekday holidays with after < day <= through. */
function holidaysBetween(holidays: readonly number[], after: number, through: number): number {
  return through <= after ? 0 : upperBound(holidays, through) - upperBound(holidays, after);
}

/** The `YYYY-MM-DD` of a DATE column's value (Prisma reads it as UTC midnight). */
export const dateOf = (value: Date): string => value.toISOString().slice(0, 10);

/** A `YYYY-MM-DD` as the value Prisma writes to a DATE column. */
export const dateValue = (date: string): Date => new Date(`${date}T00:00:00Z`);

export function isBusinessDay(date: string, calendar: BusinessCalendar): boolean {
  return weekdayOf(dayNumber(date)) <= 5 && !calendar.holidays.has(date);
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
/**
 * Recently seen local days per zone, as [first instant, last instant, date]:
 * most reads ask for the same few days (today, the submission day), and a
 * comparison is far cheaper than formatting with Intl. The spans come from
 * the same zone rules (startOfLocalDay / endOfLocalDay), DST days included.
 */
const recentDays = new Map<string, [number, number, string][]>();
const RECENT_DAYS = 32;

/** The calendar date of an instant in `timeZone`. */
export function localDate(instant: Date, timeZone: string): string {
  const t = instant.getTime();
  const spans = recentDays.get(timeZone);
  if (spans) for (const [first, last, date] of spans) if (t >= first && t <= last) return date;
  let format = dateFormats.get(timeZone);
  if (!format) {
    // en-CA writes dates as YYYY-MM-DD.
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormats.set(timeZone, format);
  }
  const date = format.format(instant);
  const span: [number, number, string] = [
    startOfLocalDay(date, timeZone).getTime(),
    endOfLocalDay(date, timeZone).getTime(),
    date,
  ];
  // Only a span that holds the instant is kept (a zone rule luxon and Intl read differently never caches).
  if (t >= span[0] && t <= span[1]) {
    if (!spans) {
      if (recentDays.size >= 1_000) recentDays.clear();
      recentDays.set(timeZone, [span]);
    } else {
      spans.unshift(span);
      if (spans.length > RECENT_DAYS) spans.pop();
    }
  }
  return date;
}

export function nextDate(date: string, days = 1): string {
  return dateOfDayNumber(dayNumber(date) + days);
}

/** The `n`-th business day after `date` (`date` itself not counted); `date` when n = 0. */
export function addBusinessDays(date: string, n: number, calendar: BusinessCalendar): string {
  if (n <= 0) return date;
  const holidays = holidayNumbers(calendar);
  let after = dayNumber(date);
  let left = n;
  // Take `left` weekdays; each holiday among them costs one more weekday.
  for (;;) {
    const through = nthWeekday(weekdaysBefore(after + 1) + left);
    left = holidaysBetween(holidays, after, through);
    if (left === 0) return dateOfDayNumber(through);
    after = through;
  }
}

/** Business days `d` with `after < d <= through` (0 when through <= after). */
export function businessDaysBetween(after: string, through: string, calendar: BusinessCalendar): number {
  const a = dayNumber(after);
  const t = dayNumber(through);
  if (t <= a) return 0;
  return weekdaysBefore(t + 1) - weekdaysBefore(a + 1) - holidaysBetween(holidayNumbers(calendar), a, t);
}

/** Local day boundaries are pure functions of (zone, date): kept in a bounded memo. */
const boundaries = new Map<string, Date>();
function boundary(kind: 'start' | 'end', date: string, timeZone: string): Date {
  const key = `${kind}|${timeZone}|${date}`;
  let value = boundaries.get(key);
  if (!value) {
    const day = DateTime.fromISO(date, { zone: timeZone });
    value = (kind === 'start' ? day.startOf('day') : day.endOf('day')).toJSDate();
    if (boundaries.size >= 50_000) boundaries.clear();
    boundaries.set(key, value);
  }
  return new Date(value.getTime());
}

/** The last instant of a local calendar date (23:59:59.999 there), as a UTC Date. */
export function endOfLocalDay(date: string, timeZone: string): Date {
  return boundary('end', date, timeZone);
}

/** The first instant of a local calendar date, as a UTC Date. */
export function startOfLocalDay(date: string, timeZone: string): Date {
  return boundary('start', date, timeZone);
}
