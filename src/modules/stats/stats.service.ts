import { DateTime } from 'luxon';
import type { PrismaClient } from '../../db/client.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { assertCan, assertInScope, type RequestContext } from '../../lib/access.ts';
import { localDate, nextDate, startOfLocalDay } from '../../lib/calendar.ts';
import type { Clock } from '../../lib/clock.ts';
import { BadRequestError, ForbiddenError, NotFoundError } from '../../lib/errors.ts';
import { DOCUMENTATION_TYPES } from '../documentation-requests/documentation-requests.details.ts';
import {
  documentationWhere,
  filterQuery,
  type DocumentationFilter,
} from '../documentation-requests/documentation-requests.filters.ts';
import { caseWhere, type CaseFilter } from '../protection-cases/protection-cases.filters.ts';
import { PROTECTION_CATEGORIES, PROTECTION_PRIORITIES } from '../protection-cases/protection-cases.states.ts';
import { ticketWhere, type TicketFilter } from '../queue/queue.filters.ts';
import { appointmentWhere, type AppointmentFilter } from '../appointments/appointments.filters.ts';
import { SERVICES } from '../consulates/consulates.schemas.ts';
import { mobileVisitWhere, type MobileVisitFilter } from '../mobile-visits/mobile-visits.filters.ts';
import type { figuresSchema } from './stats.schemas.ts';
import type { z } from 'zod';

type FiguresJson = z.output<typeof figuresSchema>;

/** One consulate and its period, as instants in its own time zone. */
export interface Slice {
  id: string;
  code: string;
  name: string;
  timeZone: string;
  from: string;
  to: string;
  /** Start of `from` and start of the day after `to`, local time. */
  start: Date;
  end: Date;
  today: string;
}

export interface Count {
  value: number;
  drillDown: string | string[];
}

type Counts = Record<string, Count>;

const BACKLOG_STATES = ['submitted', 'under_review', 'needs_information', 'approved', 'issued'] as const;
const MAX_DAYS = 366;

const iso = (d: Date) => d.toISOString();
const docPath = (f: DocumentationFilter) => `/v1/documentation-requests?${filterQuery(f)}`;
const casePath = (f: CaseFilter) => `/v1/protection-cases?${filterQuery(f)}`;
const ticketPath = (f: TicketFilter) => `/v1/queue/tickets?${filterQuery(f)}`;
const appointmentPath = (f: AppointmentFilter) => `/v1/appointments?${filterQuery(f)}`;
const visitPath = (f: MobileVisitFilter) => `/v1/mobile-visits?${filterQuery(f)}`;

const share = (numerator: number, denominator: number) =>
  denominator === 0 ? null : Math.round((numerator / denominator) * 10_000) / 10_000;

/**
 * Statistics per consulate and period. Every count is made with the `where`
 * builder of the list endpoint its drill-down points to, from the same filter
 * object, so figures cannot disagree with the records behind them. Each query
 * is a range scan of one consulate's (or each consulate's) period on an index
 * that leads with the consulate — its cost does not grow with other
 * consulates or other years (see bench/stats.ts).
 */
export class StatsService {
  constructor(
    private readonly db: PrismaClient,
    private readonly clock: Clock,
  ) {}

  async consulate(ctx: RequestContext, consulateId: string, query: { from?: string; to?: string }) {
    assertCan(ctx.actor, 'stats:read');
    assertInScope(ctx.actor, consulateId, 'Consulate');
    const consulate = await this.db.consulate.findUnique({
      where: { id: consulateId },
      select: { id: true, code: true, name: true, timeZone: true },
    });
    if (!consulate) throw new NotFoundError('Consulate');
    const [slice] = this.slices([consulate], query);
    const figures = await this.figures([slice!]);
    return {
      consulate,
      period: { from: slice!.from, to: slice!.to, start: iso(slice!.start), end: iso(slice!.end) },
      generatedAt: iso(this.clock.now()),
      // The response schema checks the shape on the way out.
      figures: figures.perConsulate.get(consulate.id)! as unknown as FiguresJson,
    };
  }

  async network(ctx: RequestContext, query: { from?: string; to?: string }) {
    assertCan(ctx.actor, 'stats:read');
    if (ctx.actor.consulateId !== null) {
      throw new ForbiddenError('Network statistics are for headquarters (admins and auditors).');
    }
    const consulates = await this.db.consulate.findMany({
      orderBy: { code: 'asc' },
      select: { id: true, code: true, name: true, timeZone: true },
    });
    const slices = this.slices(consulates, query);
    const figures = await this.figures(slices);
    return {
      period: { from: slices[0]?.from ?? query.from ?? '', to: slices[0]?.to ?? query.to ?? '' },
      generatedAt: iso(this.clock.now()),
      consulates: consulates.map((c) => ({
        consulate: c,
        figures: figures.perConsulate.get(c.id)! as unknown as FiguresJson,
      })),
      totals: figures.totals as unknown as FiguresJson,
    };
  }

  /** Each consulate's period in its own calendar; by default the current month. */
  private slices(
    consulates: { id: string; code: string; name: string; timeZone: string }[],
    query: { from?: string; to?: string },
  ): Slice[] {
    const now = this.clock.now();
    return consulates.map((c) => {
      const today = localDate(now, c.timeZone);
      const month = DateTime.fromISO(today, { zone: 'UTC' });
      const from = query.from ?? month.startOf('month').toISODate()!;
      const to = query.to ?? month.endOf('month').toISODate()!;
      if (Date.parse(to) - Date.parse(from) > MAX_DAYS * 86_400_000) {
        throw new BadRequestError(`A period is at most ${MAX_DAYS} days.`, [
          { path: 'querystring.to', message: `must be within ${MAX_DAYS} days of from` },
        ]);
      }
      return {
        ...c,
        from,
        to,
        start: startOfLocalDay(from, c.timeZone),
        end: startOfLocalDay(nextDate(to), c.timeZone),
        today,
      };
    });
  }

  private async figures(slices: Slice[]) {
    const now = this.clock.now();
    const turnaround = await this.turnaround(slices);
    const docs = await this.documentation(slices, now, turnaround);
    const protection = await this.protection(slices, now);
    const service = await this.service(slices, now);
    const perConsulate = new Map(
      slices.map((s) => [
        s.id,
        { documentation: docs.get(s.id)!, protection: protection.get(s.id)!, service: service.get(s.id)! },
      ]),
    );
    return { perConsulate, totals: this.totals(slices, perConsulate, turnaround) };
  }

  // --- documentation ------------------------------------------------------

  /** Counts of `filterOf(slice)` per consulate, grouped by `by`: one query for all slices. */
  private async countDocs(
    slices: Slice[],
    now: Date,
    filterOf: (s: Slice) => DocumentationFilter,
    by: 'type' | 'state' | null,
    keys: readonly string[],
  ): Promise<Map<string, Counts>> {
    const where: Prisma.DocumentationRequestWhereInput = {
      OR: slices.map((s) => documentationWhere(this.db, filterOf(s), now)),
    };
    const rows = await this.db.documentationRequest.groupBy({
      by: by ? ['consulateId', by] : ['consulateId'],
      where,
      _count: { _all: true },
    });
    return this.assemble(slices, rows, by, keys, (s, key) =>
      docPath({ ...filterOf(s), ...(by && key !== 'total' ? { [by]: key } : {}) }),
    );
  }

  private async documentation(slices: Slice[], now: Date, turnaround: Map<string, Percentiles>) {
    const period = (field: 'submitted' | 'issued' | 'resolved' | 'cancelled') => (s: Slice) => ({
      consulateId: s.id,
      [`${field}From`]: iso(s.start),
      [`${field}To`]: iso(s.end),
    });
    const types = DOCUMENTATION_TYPES;
    const received = await this.countDocs(slices, now, period('submitted'), 'type', types);
    const issued = await this.countDocs(slices, now, period('issued'), 'type', types);
    const rejected = await this.countDocs(
      slices,
      now,
      (s) => ({ ...period('resolved')(s), state: 'rejected' }),
      'type',
      types,
    );
    const cancelled = await this.countDocs(
      slices,
      now,
      (s) => ({ ...period('cancelled')(s), state: 'cancelled' }),
      'type',
      types,
    );
    const backlogByState = await this.countDocs(
      slices,
      now,
      (s) => ({ consulateId: s.id, open: true }),
      'state',
      BACKLOG_STATES,
    );

    // Age of the backlog in calendar days since the local submission day.
    const ageBuckets: [string, number | null, number | null][] = [
      ['0-3', 3, null],
      ['4-10', 10, 3],
      ['11-30', 30, 10],
      ['over30', null, 30],
    ];
    const byAge = new Map<string, Counts>(slices.map((s) => [s.id, {}]));
    for (const [bucket, oldest, youngest] of ageBuckets) {
      const filterOf = (s: Slice): DocumentationFilter => ({
        consulateId: s.id,
        open: true,
        // Submitted on or after the local day `oldest` days ago, and before the day `youngest` days ago + 1.
        ...(oldest !== null ? { submittedFrom: iso(startOfLocalDay(nextDate(s.today, -oldest), s.timeZone)) } : {}),
        ...(youngest !== null ? { submittedTo: iso(startOfLocalDay(nextDate(s.today, -youngest), s.timeZone)) } : {}),
      });
      const counted = await this.countDocs(slices, now, filterOf, null, []);
      for (const s of slices) byAge.get(s.id)![bucket] = counted.get(s.id)!.total!;
    }

    const resolved = await this.countDocs(slices, now, period('resolved'), null, []);
    const within = await this.countDocs(
      slices,
      now,
      (s) => ({ ...period('resolved')(s), resolvedWithinDeadline: true }),
      null,
      [],
    );

    return new Map(
      slices.map((s) => {
        const issuedHere = issued.get(s.id)!;
        return [
          s.id,
          {
            received: received.get(s.id)!,
            issued: issuedHere,
            rejected: rejected.get(s.id)!,
            cancelled: cancelled.get(s.id)!,
            backlog: {
              byState: Object.fromEntries(BACKLOG_STATES.map((k) => [k, backlogByState.get(s.id)![k]!])),
              byAge: byAge.get(s.id)!,
              total: backlogByState.get(s.id)!.total!,
            },
            turnaround: Object.fromEntries(
              types.map((t) => [
                t,
                { population: issuedHere[t]!, ...(turnaround.get(`${s.id}:${t}`) ?? EMPTY_PERCENTILES) },
              ]),
            ),
            deadlineCompliance: {
              numerator: within.get(s.id)!.total!,
              denominator: resolved.get(s.id)!.total!,
              share: share(within.get(s.id)!.total!.value, resolved.get(s.id)!.total!.value),
            },
            civilRegistration: {
              birthRegistrationsIssued: issuedHere.birth_registration!,
              genderIdentityRecognitionsIssued: issuedHere.gender_identity_recognition!,
              total: {
                value: issuedHere.birth_registration!.value + issuedHere.gender_identity_recognition!.value,
                drillDown: [
                  issuedHere.birth_registration!.drillDown as string,
                  issuedHere.gender_identity_recognition!.drillDown as string,
                ],
              },
            },
          },
        ];
      }),
    );
  }

  /**
   * Median and 90th percentile of the turnaround of requests issued in the
   * period, per consulate and type, and network-wide per type (key `*:type`).
   * Same population as the `issued` figures (consulate, issuedFrom/To, type).
   */
  private async turnaround(slices: Slice[]) {
    if (slices.length === 0) return new Map<string, Percentiles>();
    const rows = await this.db.$queryRaw<
      {
        consulate_id: string | null;
        type: string;
        median_days: number | null;
        p90_days: number | null;
        median_bd: number | null;
        p90_bd: number | null;
      }[]
    >`
      SELECT d.consulate_id, d.type::text AS type,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY d.turnaround_days) AS median_days,
        percentile_cont(0.9) WITHIN GROUP (ORDER BY d.turnaround_days) AS p90_days,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY d.turnaround_business_days) AS median_bd,
        percentile_cont(0.9) WITHIN GROUP (ORDER BY d.turnaround_business_days) AS p90_bd
      FROM unnest(${slices.map((s) => s.id)}::uuid[], ${slices.map((s) => s.start)}::timestamptz[], ${slices.map((s) => s.end)}::timestamptz[])
        AS p(consulate_id, period_start, period_end)
      -- LATERAL: one index range scan per consulate (a plain join hashes the whole table).
      CROSS JOIN LATERAL (
        SELECT r.consulate_id, r.type, r.turnaround_days, r.turnaround_business_days
        FROM documentation_requests r
        WHERE r.consulate_id = p.consulate_id AND r.issued_at >= p.period_start AND r.issued_at < p.period_end
        OFFSET 0 -- keeps the planner from flattening it back into that join
      ) d
      GROUP BY GROUPING SETS ((d.consulate_id, d.type), (d.type))`;
    const round = (v: number | null) => (v === null ? null : Math.round(Number(v) * 10) / 10);
    return new Map<string, Percentiles>(
      rows.map((r) => [
        `${r.consulate_id ?? '*'}:${r.type}`,
        {
          medianDays: round(r.median_days),
          p90Days: round(r.p90_days),
          medianBusinessDays: round(r.median_bd),
          p90BusinessDays: round(r.p90_bd),
        },
      ]),
    );
  }

  // --- protection ---------------------------------------------------------

  private async countCases(
    slices: Slice[],
    now: Date,
    filterOf: (s: Slice) => CaseFilter,
    by: 'category' | 'priority' | null,
    keys: readonly string[],
  ): Promise<Map<string, Counts>> {
    const where: Prisma.ProtectionCaseWhereInput = { OR: slices.map((s) => caseWhere(this.db, filterOf(s), now)) };
    const rows = await this.db.protectionCase.groupBy({
      by: by ? ['consulateId', by] : ['consulateId'],
      where,
      _count: { _all: true },
    });
    return this.assemble(slices, rows, by, keys, (s, key) =>
      casePath({ ...filterOf(s), ...(by && key !== 'total' ? { [by]: key } : {}) }),
    );
  }

  private async protection(slices: Slice[], now: Date) {
    const opened = (s: Slice): CaseFilter => ({ consulateId: s.id, openedFrom: iso(s.start), openedTo: iso(s.end) });
    const closed = (s: Slice): CaseFilter => ({ consulateId: s.id, closedFrom: iso(s.start), closedTo: iso(s.end) });
    const openedByCategory = await this.countCases(slices, now, opened, 'category', PROTECTION_CATEGORIES);
    const openedByPriority = await this.countCases(slices, now, opened, 'priority', PROTECTION_PRIORITIES);
    const closedByCategory = await this.countCases(slices, now, closed, 'category', PROTECTION_CATEGORIES);
    const closedByPriority = await this.countCases(slices, now, closed, 'priority', PROTECTION_PRIORITIES);
    const openNow = await this.countCases(slices, now, (s) => ({ consulateId: s.id, active: true }), null, []);
    const overdueNow = await this.countCases(slices, now, (s) => ({ consulateId: s.id, overdue: true }), null, []);
    const taken = await this.countCases(slices, now, (s) => ({ ...opened(s), firstActionTaken: true }), null, []);
    const onTime = await this.countCases(slices, now, (s) => ({ ...opened(s), firstActionOnTime: true }), null, []);
    return new Map(
      slices.map((s) => {
        const { total: openedTotal, ...openedCategories } = openedByCategory.get(s.id)!;
        const { total: _o, ...openedPriorities } = openedByPriority.get(s.id)!;
        const { total: closedTotal, ...closedCategories } = closedByCategory.get(s.id)!;
        const { total: _c, ...closedPriorities } = closedByPriority.get(s.id)!;
        return [
          s.id,
          {
            opened: { byCategory: openedCategories, byPriority: openedPriorities, total: openedTotal! },
            closed: { byCategory: closedCategories, byPriority: closedPriorities, total: closedTotal! },
            openNow: openNow.get(s.id)!.total!,
            overdueNow: overdueNow.get(s.id)!.total!,
            firstActionCompliance: {
              numerator: onTime.get(s.id)!.total!,
              denominator: taken.get(s.id)!.total!,
              share: share(onTime.get(s.id)!.total!.value, taken.get(s.id)!.total!.value),
            },
          },
        ];
      }),
    );
  }

  // --- front office -------------------------------------------------------

  private async service(slices: Slice[], now: Date) {
    // Appointments of the period's local days.
    const days = (s: Slice): AppointmentFilter => ({ consulateId: s.id, dateFrom: s.from, dateTo: s.to });
    const byState = await this.db.appointment.groupBy({
      by: ['consulateId', 'state'],
      where: { OR: slices.map((s) => appointmentWhere(days(s), now)) },
      _count: { _all: true },
    });
    const ended = await this.db.appointment.groupBy({
      by: ['consulateId'],
      where: { OR: slices.map((s) => appointmentWhere({ ...days(s), cancelled: false, ended: true }, now)) },
      _count: { _all: true },
    });
    const count = (consulateId: string, states: readonly string[]) =>
      byState
        .filter((r) => r.consulateId === consulateId && states.includes(r.state))
        .reduce((n, r) => n + r._count._all, 0);

    const tickets = (s: Slice): TicketFilter => ({
      consulateId: s.id,
      dateFrom: s.from,
      dateTo: s.to,
      source: 'walk_in',
    });
    const ticketRows = await this.db.queueTicket.groupBy({
      by: ['consulateId'],
      where: { OR: slices.map((s) => ticketWhere(tickets(s))) },
      _count: { _all: true },
    });
    const walkIns = this.assemble(slices, ticketRows, null, [], (s) => ticketPath(tickets(s)));

    // Mobile visits: completed ones with a day in the period, and the attendance of the period's days.
    const visits = (s: Slice): MobileVisitFilter => ({ consulateId: s.id, from: s.from, to: s.to });
    const held = await this.db.mobileVisit.groupBy({
      by: ['consulateId'],
      where: { OR: slices.map((s) => mobileVisitWhere({ ...visits(s), state: 'completed' })) },
      _count: { _all: true },
    });
    const attendance = slices.length
      ? await this.db.$queryRaw<{ consulate_id: string; service: string; served: number }[]>`
          SELECT v.consulate_id, a.service::text AS service, sum(a.people_served)::int AS served
          FROM unnest(${slices.map((s) => s.id)}::uuid[], ${slices.map((s) => s.from)}::date[], ${slices.map((s) => s.to)}::date[])
            AS p(consulate_id, first_day, last_day)
          JOIN mobile_visits v ON v.consulate_id = p.consulate_id AND v.last_day >= p.first_day AND v.first_day <= p.last_day
          JOIN mobile_visit_attendance a ON a.visit_id = v.id AND a.date BETWEEN p.first_day AND p.last_day
          GROUP BY v.consulate_id, a.service`
      : [];

    return new Map(
      slices.map((s) => {
        const list = (f: AppointmentFilter) => appointmentPath(f);
        const booked = {
          value: count(s.id, ['booked', 'checked_in', 'served', 'no_show']),
          drillDown: list({ ...days(s), cancelled: false }),
        };
        const noShow = { value: count(s.id, ['no_show']), drillDown: list({ ...days(s), state: 'no_show' }) };
        const past = {
          value: ended.find((r) => r.consulateId === s.id)?._count._all ?? 0,
          drillDown: list({ ...days(s), cancelled: false, ended: true }),
        };
        const visitList = visitPath(visits(s));
        const served = attendance.filter((r) => r.consulate_id === s.id);
        return [
          s.id,
          {
            appointments: {
              booked,
              served: { value: count(s.id, ['served']), drillDown: list({ ...days(s), state: 'served' }) },
              noShow,
              noShowRate: { numerator: noShow, denominator: past, share: share(noShow.value, past.value) },
            },
            walkInTickets: walkIns.get(s.id)!.total!,
            mobileVisits: {
              held: {
                value: held.find((r) => r.consulateId === s.id)?._count._all ?? 0,
                drillDown: visitPath({ ...visits(s), state: 'completed' }),
              },
              peopleServed: {
                ...Object.fromEntries(
                  SERVICES.map((svc) => [
                    svc,
                    { sum: served.find((r) => r.service === svc)?.served ?? 0, drillDown: visitList },
                  ]),
                ),
                total: { sum: served.reduce((n, r) => n + r.served, 0), drillDown: visitList },
              },
            },
          },
        ];
      }),
    );
  }

  // --- assembly -----------------------------------------------------------

  /** Per consulate: a Count per key (zero when absent) and the total. */
  private assemble(
    slices: Slice[],
    rows: Row[],
    by: string | null,
    keys: readonly string[],
    pathOf: (s: Slice, key: string) => string,
  ): Map<string, Counts> {
    const result = new Map<string, Counts>();
    for (const s of slices) {
      const mine = rows.filter((r) => r.consulateId === s.id);
      const counts: Counts = {};
      for (const key of keys) {
        const value = mine.filter((r) => by && r[by] === key).reduce((sum, r) => sum + r._count._all, 0);
        counts[key] = { value, drillDown: pathOf(s, key) };
      }
      counts.total = { value: mine.reduce((sum, r) => sum + r._count._all, 0), drillDown: pathOf(s, 'total') };
      result.set(s.id, counts);
    }
    return result;
  }

  /** Network totals: sums of the consulates' counts, drilling down to each consulate's list. */
  private totals(slices: Slice[], perConsulate: Map<string, Figures>, network: Map<string, Percentiles>): Figures {
    const sum = (pick: (f: Figures) => unknown): unknown => {
      const parts = slices.map((s) => pick(perConsulate.get(s.id)!));
      const first = parts[0];
      if (isSum(first)) {
        return {
          sum: (parts as Sum[]).reduce((acc, c) => acc + c.sum, 0),
          drillDown: (parts as Sum[])
            .flatMap((c) => (Array.isArray(c.drillDown) ? c.drillDown : [c.drillDown]))
            .slice(0, 100),
        };
      }
      if (isCount(first)) {
        return {
          value: (parts as Count[]).reduce((acc, c) => acc + c.value, 0),
          drillDown: (parts as Count[])
            .flatMap((c) => (Array.isArray(c.drillDown) ? c.drillDown : [c.drillDown]))
            .slice(0, 100),
        };
      }
      if (first && typeof first === 'object') {
        return Object.fromEntries(
          Object.keys(first).map((key) => [key, sum((f) => (pick(f) as Record<string, unknown>)[key])]),
        );
      }
      return null;
    };
    const totals = sum((f) => f) as Figures;
    // Ratios and percentiles are recomputed over the network population, not summed.
    for (const t of DOCUMENTATION_TYPES) {
      Object.assign(totals.documentation.turnaround[t]!, network.get(`*:${t}`) ?? EMPTY_PERCENTILES);
    }
    for (const ratio of [
      totals.documentation.deadlineCompliance,
      totals.protection.firstActionCompliance,
      totals.service.appointments.noShowRate,
    ]) {
      ratio.share = share(ratio.numerator.value, ratio.denominator.value);
    }
    return totals;
  }
}

interface Row {
  consulateId: string;
  _count: { _all: number };
  [key: string]: unknown;
}

interface Percentiles {
  medianDays: number | null;
  p90Days: number | null;
  medianBusinessDays: number | null;
  p90BusinessDays: number | null;
}

const EMPTY_PERCENTILES: Percentiles = {
  medianDays: null,
  p90Days: null,
  medianBusinessDays: null,
  p90BusinessDays: null,
};

interface Sum {
  sum: number;
  drillDown: string | string[];
}

const isSum = (v: unknown): v is Sum => !!v && typeof v === 'object' && 'sum' in v && 'drillDown' in v;

const isCount = (v: unknown): v is Count => !!v && typeof v === 'object' && 'value' in v && 'drillDown' in v;

type Figures = {
  documentation: {
    turnaround: Record<string, Percentiles & { population: Count }>;
    deadlineCompliance: { numerator: Count; denominator: Count; share: number | null };
    [k: string]: unknown;
  };
  protection: {
    firstActionCompliance: { numerator: Count; denominator: Count; share: number | null };
    [k: string]: unknown;
  };
  service: {
    appointments: { noShowRate: { numerator: Count; denominator: Count; share: number | null }; [k: string]: unknown };
    [k: string]: unknown;
  };
  [k: string]: unknown;
};
