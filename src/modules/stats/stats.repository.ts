import { DateTime } from 'luxon';
import type { Db } from '../../db/client.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import { nextDate } from '../../lib/calendar.ts';
import { OPEN_STATES } from '../documentation-requests/documentation-requests.states.ts';
import { ACTIVE_STATES } from '../protection-cases/protection-cases.states.ts';

/** The consulates and the local days whose figures are read. */
export interface Scope {
  consulates: { id: string; today: string }[];
  /** First and last local day, both included (the same days at every consulate). */
  from: string;
  to: string;
  now: Date;
}

/** Raw aggregates per consulate — each row's first item is the consulate's position in the scope — read in one statement (one snapshot). */
export interface RawFigures {
  /** Documentation counts over the period: [consulate, event, type, rejected, withinDeadline, n]. */
  documentation: [number, string, string, boolean, boolean, number][];
  /** Turnaround histogram of requests issued in the period: [consulate, type, days, businessDays, n] (-1: not recorded). */
  turnaround: [number, string, number, number, number][];
  /**
   * Protection counts over the period: [consulate, event, category, priority, firstAction, n], by one of
   * category, priority or first action (the other two null).
   */
  protection: [number, string, string | null, string | null, string | null, number][];
  /** The backlog now: [consulate, state, n, age 0–3, 4–10, 11–30, over 30 days]. */
  backlog: [number, string, number, number, number, number, number][];
  /** Cases now: [consulate, open, first action overdue]. */
  casesNow: [number, number, number][];
  /** Appointments of the period's days: [consulate, state, n, slot over]. */
  appointments: [number, string, number, number][];
  /** Walk-in tickets of the period's days: [consulate, n]. */
  walkIns: [number, number][];
  /** Completed mobile visits with a day in the period: [consulate, n]. */
  visitsHeld: [number, number][];
  /** People served at mobile visits on the period's days: [consulate, service, sum]. */
  attendance: [number, string, number][];
}

const literals = (values: readonly string[]) => Prisma.raw(values.map((v) => `'${v}'`).join(', '));

const day = (date: string) => DateTime.fromISO(date, { zone: 'UTC' });

/**
 * The whole calendar months within [from, to] (their first days), and the
 * days before and after them: the rollups are kept per month, the other days
 * of a period are counted from the requests and cases themselves.
 */
export function monthsAndEdges(from: string, to: string): { months: string[]; edges: [string, string][] } {
  const months: string[] = [];
  let month = day(from).startOf('month');
  if (month.toISODate() !== from) month = month.plus({ months: 1 });
  while (month.endOf('month').toISODate()! <= to) {
    months.push(month.toISODate()!);
    month = month.plus({ months: 1 });
  }
  if (months.length === 0) return { months, edges: [[from, to]] };
  const edges: [string, string][] = [];
  if (from < months[0]!) edges.push([from, nextDate(months[0]!, -1)]);
  const after = month.toISODate()!;
  if (after <= to) edges.push([after, to]);
  return { months, edges };
}

/**
 * Every aggregate the statistics need, for all the consulates of `scope`, in
 * one statement — one snapshot, so the figures of one response agree with
 * each other, and one round trip. What counts by a period reads the monthly
 * rollups for its whole months (a few rows per consulate and month, whatever
 * the history) and the `*_by_day` views for its other days (the requests and
 * cases of those days, through indexes on the local dates); what is "now"
 * (backlog, open and overdue cases) and the front office's figures read the
 * live rows through indexes that lead with the consulate, so their cost is
 * the work in hand or the period's rows, not the network's history.
 */
export async function readFigures(db: Db, scope: Scope): Promise<RawFigures> {
  const [row] = await db.$queryRaw<[{ figures: string }]>(figuresQuery(scope));
  return JSON.parse(row.figures) as RawFigures;
}

/** The statement of `readFigures`. */
export function figuresQuery(scope: Scope): Prisma.Sql {
  const ids = scope.consulates.map((c) => c.id);
  const todays = scope.consulates.map((c) => c.today);
  const { months, edges } = monthsAndEdges(scope.from, scope.to);
  const [e1, e2] = [edges[0] ?? [null, null], edges[1] ?? [null, null]];
  return Prisma.sql`
    WITH p AS (SELECT id, today, i - 1 AS i FROM unnest(${ids}::uuid[], ${todays}::date[]) WITH ORDINALITY AS p(id, today, i)),
    documentation AS (
      SELECT consulate_id, event, type, rejected, within_deadline, sum(n)::int AS n FROM (
        SELECT consulate_id, event, type, rejected, within_deadline, n FROM documentation_monthly_counts
        WHERE consulate_id = ANY(${ids}::uuid[]) AND month = ANY(${months}::date[])
        UNION ALL
        SELECT consulate_id, event, type, rejected, within_deadline, n FROM documentation_counts_by_day
        WHERE consulate_id = ANY(${ids}::uuid[])
          AND (day BETWEEN ${e1[0]}::date AND ${e1[1]}::date OR day BETWEEN ${e2[0]}::date AND ${e2[1]}::date)
      ) t GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0),
    turnaround AS (
      SELECT consulate_id, type, days, business_days, sum(n)::int AS n FROM (
        SELECT consulate_id, type, days, business_days, n FROM documentation_turnaround_counts
        WHERE consulate_id = ANY(${ids}::uuid[]) AND month = ANY(${months}::date[])
        UNION ALL
        SELECT consulate_id, type, days, business_days, n FROM documentation_turnaround_by_day
        WHERE consulate_id = ANY(${ids}::uuid[])
          AND (day BETWEEN ${e1[0]}::date AND ${e1[1]}::date OR day BETWEEN ${e2[0]}::date AND ${e2[1]}::date)
      ) t GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0),
    protection AS (
      SELECT consulate_id, event, category, priority, first_action, sum(n)::int AS n FROM (
        SELECT consulate_id, event, category, priority, first_action, n FROM protection_monthly_counts
        WHERE consulate_id = ANY(${ids}::uuid[]) AND month = ANY(${months}::date[])
        UNION ALL
        SELECT consulate_id, event, category, priority, first_action, n FROM protection_counts_by_day
        WHERE consulate_id = ANY(${ids}::uuid[])
          AND (day BETWEEN ${e1[0]}::date AND ${e1[1]}::date OR day BETWEEN ${e2[0]}::date AND ${e2[1]}::date)
      ) t GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0),
    backlog AS (
      SELECT p.id AS consulate_id, r.state, count(*)::int AS n,
        count(*) FILTER (WHERE r.submitted_date >= p.today - 3)::int AS a0,
        count(*) FILTER (WHERE r.submitted_date BETWEEN p.today - 10 AND p.today - 4)::int AS a4,
        count(*) FILTER (WHERE r.submitted_date BETWEEN p.today - 30 AND p.today - 11)::int AS a11,
        count(*) FILTER (WHERE r.submitted_date <= p.today - 31)::int AS a31
      FROM p
      -- LATERAL: each consulate's open requests through (consulate_id, state, …); a join may scan them all.
      CROSS JOIN LATERAL (
        SELECT state, submitted_date FROM documentation_requests
        WHERE consulate_id = p.id AND state IN (${literals(OPEN_STATES)})
        OFFSET 0) r
      GROUP BY 1, 2),
    cases_now AS (
      SELECT p.id AS consulate_id,
        (SELECT count(*) FROM protection_cases c
         WHERE c.consulate_id = p.id AND c.state IN (${literals(ACTIVE_STATES)}))::int AS open,
        (SELECT count(*) FROM protection_cases c
         WHERE c.consulate_id = p.id AND c.first_action_at IS NULL AND c.first_action_due_at < ${scope.now})::int AS overdue
      FROM p),
    appointments AS (
      SELECT consulate_id, state, count(*)::int AS n, count(*) FILTER (WHERE ends_at <= ${scope.now})::int AS ended
      FROM appointments
      WHERE consulate_id = ANY(${ids}::uuid[]) AND local_date BETWEEN ${scope.from}::date AND ${scope.to}::date
      GROUP BY 1, 2),
    walk_ins AS (
      SELECT consulate_id, count(*)::int AS n FROM queue_tickets
      WHERE consulate_id = ANY(${ids}::uuid[]) AND local_date BETWEEN ${scope.from}::date AND ${scope.to}::date
        AND source = 'walk_in'
      GROUP BY 1),
    visits_held AS (
      SELECT consulate_id, count(*)::int AS n FROM mobile_visits
      WHERE consulate_id = ANY(${ids}::uuid[]) AND state = 'completed'
        AND last_day >= ${scope.from}::date AND first_day <= ${scope.to}::date
      GROUP BY 1),
    attendance AS (
      SELECT v.consulate_id, a.service, sum(a.people_served)::int AS served
      FROM mobile_visits v
      JOIN mobile_visit_attendance a ON a.visit_id = v.id AND a.date BETWEEN ${scope.from}::date AND ${scope.to}::date
      WHERE v.consulate_id = ANY(${ids}::uuid[]) AND v.last_day >= ${scope.from}::date AND v.first_day <= ${scope.to}::date
      GROUP BY 1, 2)
    -- Each consulate by its position in the scope (p.i) rather than its id: half the bytes to send and parse.
    SELECT json_build_object(
      'documentation', (SELECT coalesce(json_agg(json_build_array(p.i, event, type, rejected, within_deadline, n)), '[]')
                        FROM documentation JOIN p ON p.id = consulate_id),
      'turnaround', (SELECT coalesce(json_agg(json_build_array(p.i, type, days, business_days, n)), '[]')
                     FROM turnaround JOIN p ON p.id = consulate_id),
      'protection', (SELECT coalesce(json_agg(json_build_array(p.i, event, category, priority, first_action, n)), '[]')
                     FROM protection JOIN p ON p.id = consulate_id),
      'backlog', (SELECT coalesce(json_agg(json_build_array(p.i, state, n, a0, a4, a11, a31)), '[]')
                  FROM backlog JOIN p ON p.id = consulate_id),
      'casesNow', (SELECT coalesce(json_agg(json_build_array(p.i, open, overdue)), '[]') FROM cases_now JOIN p ON p.id = consulate_id),
      'appointments', (SELECT coalesce(json_agg(json_build_array(p.i, state, n, ended)), '[]')
                       FROM appointments JOIN p ON p.id = consulate_id),
      'walkIns', (SELECT coalesce(json_agg(json_build_array(p.i, n)), '[]') FROM walk_ins JOIN p ON p.id = consulate_id),
      'visitsHeld', (SELECT coalesce(json_agg(json_build_array(p.i, n)), '[]') FROM visits_held JOIN p ON p.id = consulate_id),
      'attendance', (SELECT coalesce(json_agg(json_build_array(p.i, service, served)), '[]')
                     FROM attendance JOIN p ON p.id = consulate_id)
    )::text AS figures`;
}
