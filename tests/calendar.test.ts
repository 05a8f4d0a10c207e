import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  addBusinessDays,
  businessDaysBetween,
  endOfLocalDay,
  isBusinessDay,
  localDate,
  nextDate,
  startOfLocalDay,
  type BusinessCalendar,
} from '../src/lib/calendar.ts';

/**
 * The closed-form business-day arithmetic against the definition it replaces:
 * walking the calendar one day at a time.
 */
const walkNext = (d: string) => DateTime.fromISO(d, { zone: 'UTC' }).plus({ days: 1 }).toISODate()!;
const walkIsBusiness = (d: string, c: BusinessCalendar) =>
  DateTime.fromISO(d, { zone: 'UTC' }).weekday <= 5 && !c.holidays.has(d);
function walkAdd(date: string, n: number, c: BusinessCalendar) {
  let current = date;
  for (let left = n; left > 0;) {
    current = walkNext(current);
    if (walkIsBusiness(current, c)) left--;
  }
  return current;
}
function walkBetween(after: string, through: string, c: BusinessCalendar) {
  let count = 0;
  for (let d = walkNext(after); d <= through; d = walkNext(d)) if (walkIsBusiness(d, c)) count++;
  return count;
}

/** A small seeded generator, so a failure names the case that produced it. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

const day = (base: string, offset: number) =>
  DateTime.fromISO(base, { zone: 'UTC' }).plus({ days: offset }).toISODate()!;

describe('business-day arithmetic', () => {
  it('equals walking the calendar day by day, for random calendars, dates and counts', () => {
    const next = random(20_261_201);
    for (let c = 0; c < 60; c++) {
      const holidays = new Set<string>();
      // Dense clusters of holidays (runs of consecutive days, weekends included) and scattered ones.
      for (let h = 0; h < 40; h++) {
        const start = day('2025-06-01', Math.floor(next() * 900));
        const run = next() < 0.3 ? 1 + Math.floor(next() * 6) : 1;
        for (let i = 0; i < run; i++) holidays.add(day(start, i));
      }
      const calendar = { timeZone: 'America/Chicago', holidays };
      for (let k = 0; k < 40; k++) {
        const from = day('2025-05-20', Math.floor(next() * 900));
        const n = Math.floor(next() * 45);
        const through = day(from, Math.floor(next() * 80) - 10);
        expect(addBusinessDays(from, n, calendar), `add ${n} to ${from}`).toBe(walkAdd(from, n, calendar));
        expect(businessDaysBetween(from, through, calendar), `between ${from} and ${through}`).toBe(
          walkBetween(from, through, calendar),
        );
        expect(isBusinessDay(from, calendar)).toBe(walkIsBusiness(from, calendar));
      }
    }
  });

  it('counts across year ends, leap days and dates before 1970', () => {
    const none = { timeZone: 'UTC', holidays: new Set<string>() };
    for (const [from, n] of [
      ['2024-12-27', 5],
      ['2028-02-25', 3],
      ['1965-03-05', 12],
      ['1969-12-31', 1],
    ] as const) {
      expect(addBusinessDays(from, n, none)).toBe(walkAdd(from, n, none));
      expect(businessDaysBetween(from, nextDate(from, 30), none)).toBe(walkBetween(from, nextDate(from, 30), none));
    }
    expect(addBusinessDays('2026-12-04', 0, none)).toBe('2026-12-04');
    expect(nextDate('2028-02-28')).toBe('2028-02-29');
    expect(nextDate('2026-03-01', -1)).toBe('2026-02-28');
  });
});

describe('local dates and day boundaries', () => {
  it('agree with luxon for instants around daylight-saving changes in several zones', () => {
    const next = random(7);
    const zones = ['America/Los_Angeles', 'America/Chicago', 'America/New_York', 'America/Phoenix', 'UTC'];
    const base = Date.parse('2026-03-01T00:00:00Z');
    for (let i = 0; i < 3000; i++) {
      const instant = new Date(base + Math.floor(next() * 280 * 86_400_000));
      const zone = zones[i % zones.length]!;
      expect(localDate(instant, zone)).toBe(DateTime.fromJSDate(instant, { zone }).toISODate());
    }
    for (const [date, zone, start, end] of [
      ['2026-03-08', 'America/Los_Angeles', '2026-03-08T08:00:00.000Z', '2026-03-09T06:59:59.999Z'],
      ['2026-11-01', 'America/Chicago', '2026-11-01T05:00:00.000Z', '2026-11-02T05:59:59.999Z'],
    ] as const) {
      expect(startOfLocalDay(date, zone).toISOString()).toBe(start);
      expect(endOfLocalDay(date, zone).toISOString()).toBe(end);
    }
  });
});

describe('localDate', () => {
  it('agrees with the zone rules for every instant, around DST changes too (its cache of recent days included)', () => {
    const zones = ['America/Los_Angeles', 'America/Chicago', 'America/New_York', 'Asia/Kathmandu', 'Pacific/Chatham'];
    const formats = zones.map(
      (timeZone) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }),
    );
    // Instants every 7 minutes across the March and November changes of 2026, twice
    // (the second pass answers from the recent days), then random ones.
    const starts = [Date.UTC(2026, 2, 7), Date.UTC(2026, 9, 31), Date.UTC(2026, 3, 4)];
    const instants: number[] = [];
    for (const start of starts) for (let t = start; t < start + 3 * 86_400_000; t += 7 * 60_000) instants.push(t);
    for (let i = 0; i < 500; i++)
      instants.push(Date.UTC(2020, 0, 1) + Math.floor(Math.random() * 10 * 365 * 86_400_000));
    for (const pass of [1, 2]) {
      for (const t of instants) {
        zones.forEach((zone, z) => {
          expect(localDate(new Date(t), zone), `${zone} ${new Date(t).toISOString()} pass ${pass}`).toBe(
            formats[z]!.format(new Date(t)),
          );
        });
      }
    }
  });
});
