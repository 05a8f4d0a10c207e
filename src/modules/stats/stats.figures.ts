import type { z } from 'zod';
import { filterQuery } from '../../lib/filters.ts';
import { SERVICES } from '../consulates/consulates.schemas.ts';
import { DOCUMENTATION_TYPES } from '../documentation-requests/documentation-requests.details.ts';
import type { DocumentationFilter } from '../documentation-requests/documentation-requests.filters.ts';
import type { CaseFilter } from '../protection-cases/protection-cases.filters.ts';
import { PROTECTION_CATEGORIES, PROTECTION_PRIORITIES } from '../protection-cases/protection-cases.states.ts';
import type { AppointmentFilter } from '../appointments/appointments.filters.ts';
import type { MobileVisitFilter } from '../mobile-visits/mobile-visits.filters.ts';
import type { TicketFilter } from '../queue/queue.filters.ts';
import type { RawFigures } from './stats.repository.ts';
import type { figuresSchema } from './stats.schemas.ts';

export type FiguresJson = z.output<typeof figuresSchema>;

type Tally = Record<string, number>;

/** The backlog's age buckets: calendar days since the local submission day, today at the consulate. */
export const AGE_BUCKETS = [
  ['0-3', undefined, 3],
  ['4-10', 4, 10],
  ['11-30', 11, 30],
  ['over30', 31, undefined],
] as const;

/** What a figure tree is made of, for one consulate or summed over the network. */
export interface Aggregates {
  received: Tally;
  issued: Tally;
  rejected: Tally;
  cancelled: Tally;
  resolved: number;
  resolvedWithinDeadline: number;
  backlogByState: Tally;
  backlogByAge: Tally;
  backlog: number;
  /** Per type: calendar days → requests, business days → requests. */
  turnaroundDays: Map<string, Map<number, number>>;
  turnaroundBusinessDays: Map<string, Map<number, number>>;
  openedByCategory: Tally;
  openedByPriority: Tally;
  opened: number;
  firstActionTaken: number;
  firstActionOnTime: number;
  closedByCategory: Tally;
  closedByPriority: Tally;
  closed: number;
  openNow: number;
  overdueNow: number;
  /** Appointments by state, and those not cancelled whose slot is over. */
  appointments: Tally;
  appointmentsEnded: number;
  walkIns: number;
  visitsHeld: number;
  peopleServed: Tally;
}

function emptyAggregates(): Aggregates {
  return {
    received: {},
    issued: {},
    rejected: {},
    cancelled: {},
    resolved: 0,
    resolvedWithinDeadline: 0,
    backlogByState: {},
    backlogByAge: {},
    backlog: 0,
    turnaroundDays: new Map(),
    turnaroundBusinessDays: new Map(),
    openedByCategory: {},
    openedByPriority: {},
    opened: 0,
    firstActionTaken: 0,
    firstActionOnTime: 0,
    closedByCategory: {},
    closedByPriority: {},
    closed: 0,
    openNow: 0,
    overdueNow: 0,
    appointments: {},
    appointmentsEnded: 0,
    walkIns: 0,
    visitsHeld: 0,
    peopleServed: {},
  };
}

const add = (tally: Tally, key: string, n: number) => {
  tally[key] = (tally[key] ?? 0) + n;
};

const addTo = (histograms: Map<string, Map<number, number>>, type: string, value: number, n: number) => {
  if (value < 0) return; // not recorded: outside the population of percentiles, as NULL is for percentile_cont
  let histogram = histograms.get(type);
  if (!histogram) histograms.set(type, (histogram = new Map<number, number>()));
  histogram.set(value, (histogram.get(value) ?? 0) + n);
};

/**
 * The raw aggregates folded per consulate (by id), and into `network`
 * (every consulate's added together: the network totals and their histograms).
 */
export function aggregate(ids: readonly string[], raw: RawFigures) {
  const mine = ids.map(() => emptyAggregates());
  const network = emptyAggregates();
  /** Rows name their consulate by its position in `ids`. */
  const both = (position: number, update: (a: Aggregates) => void) => {
    update(mine[position]!);
    update(network);
  };
  for (const [id, event, type, rejected, within, n] of raw.documentation) {
    both(id, (a) => {
      if (event === 'submitted') add(a.received, type, n);
      else if (event === 'issued') add(a.issued, type, n);
      else if (event === 'cancelled') add(a.cancelled, type, n);
      else {
        a.resolved += n;
        if (within) a.resolvedWithinDeadline += n;
        if (rejected) add(a.rejected, type, n);
      }
    });
  }
  for (const [id, type, days, businessDays, n] of raw.turnaround) {
    both(id, (a) => {
      addTo(a.turnaroundDays, type, days, n);
      addTo(a.turnaroundBusinessDays, type, businessDays, n);
    });
  }
  for (const [id, event, category, priority, firstAction, n] of raw.protection) {
    both(id, (a) => {
      const opened = event === 'opened';
      if (category !== null) {
        add(opened ? a.openedByCategory : a.closedByCategory, category, n);
        if (opened) a.opened += n;
        else a.closed += n;
      }
      if (priority !== null) add(opened ? a.openedByPriority : a.closedByPriority, priority, n);
      if (firstAction !== null && opened) {
        if (firstAction !== 'pending') a.firstActionTaken += n;
        if (firstAction === 'on_time') a.firstActionOnTime += n;
      }
    });
  }
  for (const [id, state, n, ...ages] of raw.backlog) {
    both(id, (a) => {
      add(a.backlogByState, state, n);
      a.backlog += n;
      AGE_BUCKETS.forEach(([bucket], i) => add(a.backlogByAge, bucket, ages[i]!));
    });
  }
  for (const [id, open, overdue] of raw.casesNow) {
    both(id, (a) => {
      a.openNow += open;
      a.overdueNow += overdue;
    });
  }
  for (const [id, state, n, ended] of raw.appointments) {
    both(id, (a) => {
      add(a.appointments, state, n);
      if (state !== 'cancelled') a.appointmentsEnded += ended;
    });
  }
  for (const [id, n] of raw.walkIns) both(id, (a) => (a.walkIns += n));
  for (const [id, n] of raw.visitsHeld) both(id, (a) => (a.visitsHeld += n));
  for (const [id, service, n] of raw.attendance) both(id, (a) => add(a.peopleServed, service, n));
  return { perConsulate: new Map(ids.map((id, i) => [id, mine[i]!])), network };
}

/**
 * `percentile_cont(p)` of a histogram (value → how many) for each p, exactly
 * as PostgreSQL computes it over the rows: linear interpolation between the
 * values at ranks floor and ceil of p·(N − 1). Nulls when it is empty.
 */
export function percentilesCont(histogram: Map<number, number> | undefined, ps: readonly number[]): (number | null)[] {
  if (!histogram || histogram.size === 0) return ps.map(() => null);
  const values = [...histogram].sort((a, b) => a[0] - b[0]);
  const total = values.reduce((n, [, count]) => n + count, 0);
  /** The value at 0-based rank `rank` of the sorted rows. */
  const at = (rank: number) => {
    let seen = 0;
    for (const [value, count] of values) {
      seen += count;
      if (rank < seen) return value;
    }
    return values[values.length - 1]![0];
  };
  return ps.map((p) => {
    const position = p * (total - 1);
    const lower = Math.floor(position);
    const low = at(lower);
    return low + (at(Math.ceil(position)) - low) * (position - lower);
  });
}

const tenth = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);

const share = (numerator: number, denominator: number) =>
  denominator === 0 ? null : Math.round((numerator / denominator) * 10_000) / 10_000;

const PATHS = {
  documentation: '/v1/documentation-requests?',
  cases: '/v1/protection-cases?',
  appointments: '/v1/appointments?',
  tickets: '/v1/queue/tickets?',
  visits: '/v1/mobile-visits?',
} as const;

/**
 * A drill-down: a list path, the query of a filter, and more parameters of
 * the same filter already written out (`&type=passport`) — a network response
 * has some nine thousand of them, so each filter's query is built once.
 */
const link = (path: keyof typeof PATHS, query: string, more = '') => `${PATHS[path]}${query}${more}`;

/**
 * The figure tree of one consulate (`consulateId`) or of the whole network
 * (`consulateId` undefined), each count with the one list request that
 * returns exactly its records — the same local-date filters in both cases.
 */
export function figureTree(
  a: Aggregates,
  consulateId: string | undefined,
  period: { from: string; to: string },
): FiguresJson {
  const { from, to } = period;
  const scope = consulateId ? { consulateId } : {};
  const count = (value: number, drillDown: string) => ({ value, drillDown });
  const perType = (tally: Tally, query: string) =>
    ({
      ...(Object.fromEntries(
        DOCUMENTATION_TYPES.map((t) => [t, count(tally[t] ?? 0, link('documentation', query, `&type=${t}`))]),
      ) as Record<(typeof DOCUMENTATION_TYPES)[number], { value: number; drillDown: string }>),
      total: count(
        DOCUMENTATION_TYPES.reduce((n, t) => n + (tally[t] ?? 0), 0),
        link('documentation', query),
      ),
    }) as const;
  const docs = (f: DocumentationFilter) => filterQuery(f);
  const cases = (f: CaseFilter) => filterQuery(f);

  const issuedIn = docs({ ...scope, issuedDateFrom: from, issuedDateTo: to });
  const resolvedIn = docs({ ...scope, resolvedDateFrom: from, resolvedDateTo: to });
  const issued = perType(a.issued, issuedIn);
  const turnaround = (type: (typeof DOCUMENTATION_TYPES)[number]) => {
    const [medianDays, p90Days] = percentilesCont(a.turnaroundDays.get(type), [0.5, 0.9]);
    const [medianBusinessDays, p90BusinessDays] = percentilesCont(a.turnaroundBusinessDays.get(type), [0.5, 0.9]);
    return {
      population: issued[type],
      medianDays: tenth(medianDays!),
      p90Days: tenth(p90Days!),
      medianBusinessDays: tenth(medianBusinessDays!),
      p90BusinessDays: tenth(p90BusinessDays!),
    };
  };
  const backlog = docs({ ...scope, open: true });
  const backlogIn = (state: string) =>
    count(a.backlogByState[state] ?? 0, link('documentation', backlog, `&state=${state}`));
  const ratio = (
    numerator: { value: number; drillDown: string },
    denominator: { value: number; drillDown: string },
  ) => ({
    numerator,
    denominator,
    share: share(numerator.value, denominator.value),
  });

  const opened = cases({ ...scope, openedDateFrom: from, openedDateTo: to });
  const closed = cases({ ...scope, closedDateFrom: from, closedDateTo: to });
  const byCategory = (tally: Tally, query: string) =>
    Object.fromEntries(
      PROTECTION_CATEGORIES.map((c) => [c, count(tally[c] ?? 0, link('cases', query, `&category=${c}`))]),
    ) as Record<(typeof PROTECTION_CATEGORIES)[number], { value: number; drillDown: string }>;
  const byPriority = (tally: Tally, query: string) =>
    Object.fromEntries(
      PROTECTION_PRIORITIES.map((p) => [p, count(tally[p] ?? 0, link('cases', query, `&priority=${p}`))]),
    ) as Record<(typeof PROTECTION_PRIORITIES)[number], { value: number; drillDown: string }>;

  const days = filterQuery({ ...scope, dateFrom: from, dateTo: to } satisfies AppointmentFilter & TicketFilter);
  const noShow = count(a.appointments.no_show ?? 0, link('appointments', days, '&state=no_show'));
  const notCancelled = Object.entries(a.appointments).reduce((n, [s, v]) => (s === 'cancelled' ? n : n + v), 0);
  const visits = filterQuery({ ...scope, from, to } satisfies MobileVisitFilter);
  const visitList = link('visits', visits);

  return {
    documentation: {
      received: perType(a.received, docs({ ...scope, submittedDateFrom: from, submittedDateTo: to })),
      issued,
      rejected: perType(a.rejected, `${resolvedIn}&state=rejected`),
      cancelled: perType(
        a.cancelled,
        docs({ ...scope, cancelledDateFrom: from, cancelledDateTo: to, state: ['cancelled'] }),
      ),
      backlog: {
        byState: {
          submitted: backlogIn('submitted'),
          under_review: backlogIn('under_review'),
          needs_information: backlogIn('needs_information'),
          approved: backlogIn('approved'),
          issued: backlogIn('issued'),
        },
        byAge: {
          '0-3': count(a.backlogByAge['0-3'] ?? 0, link('documentation', backlog, '&ageDaysMax=3')),
          '4-10': count(a.backlogByAge['4-10'] ?? 0, link('documentation', backlog, '&ageDaysMin=4&ageDaysMax=10')),
          '11-30': count(a.backlogByAge['11-30'] ?? 0, link('documentation', backlog, '&ageDaysMin=11&ageDaysMax=30')),
          over30: count(a.backlogByAge.over30 ?? 0, link('documentation', backlog, '&ageDaysMin=31')),
        },
        total: count(a.backlog, link('documentation', backlog)),
      },
      turnaround: Object.fromEntries(DOCUMENTATION_TYPES.map((t) => [t, turnaround(t)])) as Record<
        (typeof DOCUMENTATION_TYPES)[number],
        ReturnType<typeof turnaround>
      >,
      deadlineCompliance: ratio(
        count(a.resolvedWithinDeadline, link('documentation', resolvedIn, '&resolvedWithinDeadline=true')),
        count(a.resolved, link('documentation', resolvedIn)),
      ),
      civilRegistration: {
        birthRegistrationsIssued: issued.birth_registration,
        genderIdentityRecognitionsIssued: issued.gender_identity_recognition,
        total: count(
          (a.issued.birth_registration ?? 0) + (a.issued.gender_identity_recognition ?? 0),
          link('documentation', issuedIn, '&type=birth_registration,gender_identity_recognition'),
        ),
      },
    },
    protection: {
      opened: {
        byCategory: byCategory(a.openedByCategory, opened),
        byPriority: byPriority(a.openedByPriority, opened),
        total: count(a.opened, link('cases', opened)),
      },
      closed: {
        byCategory: byCategory(a.closedByCategory, closed),
        byPriority: byPriority(a.closedByPriority, closed),
        total: count(a.closed, link('cases', closed)),
      },
      openNow: count(a.openNow, link('cases', cases({ ...scope, active: true }))),
      overdueNow: count(a.overdueNow, link('cases', cases({ ...scope, overdue: true }))),
      firstActionCompliance: ratio(
        count(a.firstActionOnTime, link('cases', opened, '&firstActionOnTime=true')),
        count(a.firstActionTaken, link('cases', opened, '&firstActionTaken=true')),
      ),
    },
    service: {
      appointments: {
        booked: count(notCancelled, link('appointments', days, '&cancelled=false')),
        served: count(a.appointments.served ?? 0, link('appointments', days, '&state=served')),
        noShow,
        noShowRate: ratio(
          noShow,
          count(a.appointmentsEnded, link('appointments', days, '&cancelled=false&ended=true')),
        ),
      },
      walkInTickets: count(a.walkIns, link('tickets', days, '&source=walk_in')),
      mobileVisits: {
        held: count(a.visitsHeld, link('visits', visits, '&state=completed')),
        peopleServed: {
          ...(Object.fromEntries(
            SERVICES.map((s) => [s, { sum: a.peopleServed[s] ?? 0, drillDown: visitList }]),
          ) as Record<(typeof SERVICES)[number], { sum: number; drillDown: string }>),
          total: {
            sum: Object.values(a.peopleServed).reduce((n, v) => n + v, 0),
            drillDown: visitList,
          },
        },
      },
    },
  };
}
