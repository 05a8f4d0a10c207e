import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { PrismaClient } from '../../src/db/client.ts';
import { consulateStatsSchema, networkStatsSchema } from '../../src/modules/stats/stats.schemas.ts';
import type { LoggedIn } from './login-as.ts';

/** Every page of a list request as `who`: its records. */
async function pages(app: FastifyInstance, who: LoggedIn, path: string): Promise<Record<string, any>[]> {
  const records: Record<string, any>[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `${path}&limit=200${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await app.inject({ url, headers: who.headers });
    expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
    records.push(...res.json().data);
    cursor = res.json().nextCursor;
  } while (cursor);
  return records;
}

/** Follows a drill-down (every page of the list it names) as `who`; returns how many records were listed. */
export async function follow(app: FastifyInstance, who: LoggedIn, drillDown: string): Promise<number> {
  expect(typeof drillDown, 'a drill-down is one list request').toBe('string');
  const records = await pages(app, who, drillDown);
  expect(new Set(records.map((r) => r.id)).size, `${drillDown}: no record twice`).toBe(records.length);
  return records.length;
}

/** The people served that the visits of a drill-down report for days of [from, to] (one service, or all). */
export async function followSum(
  app: FastifyInstance,
  who: LoggedIn,
  drillDown: string,
  period: { from: string; to: string },
  service?: string,
): Promise<number> {
  const visits = await pages(app, who, drillDown);
  return visits
    .flatMap((v) => v.attendance as { date: string; service: string; peopleServed: number }[])
    .filter((a) => a.date >= period.from && a.date <= period.to && (!service || a.service === service))
    .reduce((n, a) => n + a.peopleServed, 0);
}

/** Every `{ value, drillDown }` in a figure tree, with its dotted name. */
export function counts(tree: unknown, prefix = ''): [string, { value: number; drillDown: string }][] {
  if (!tree || typeof tree !== 'object') return [];
  const node = tree as Record<string, unknown>;
  if ('value' in node && 'drillDown' in node) return [[prefix, node as { value: number; drillDown: string }]];
  return Object.entries(node).flatMap(([k, v]) => counts(v, prefix ? `${prefix}.${k}` : k));
}

/** Every `{ sum, drillDown }` in a figure tree, with its dotted name. */
export function sums(tree: unknown, prefix = ''): [string, { sum: number; drillDown: string }][] {
  if (!tree || typeof tree !== 'object') return [];
  const node = tree as Record<string, unknown>;
  if ('sum' in node && 'drillDown' in node) return [[prefix, node as { sum: number; drillDown: string }]];
  return Object.entries(node).flatMap(([k, v]) => sums(v, prefix ? `${prefix}.${k}` : k));
}

/** GETs statistics as `who` and checks the answer against the route's own response schema. */
export async function statsOf(app: FastifyInstance, who: LoggedIn, url: string) {
  const res = await app.inject({ url, headers: who.headers });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json();
  (url.startsWith('/v1/stats/network') ? networkStatsSchema : consulateStatsSchema).parse(body);
  return body;
}

/**
 * Keys whose monthly rollup (kept by the triggers) differs from the same
 * count made afresh from the source tables (the `*_by_day` views, by month):
 * none, if the triggers followed every change.
 */
export async function rollupDrift(prisma: PrismaClient) {
  return prisma.$queryRaw<{ rollup: string; key: string; kept: number | null; counted: number | null }[]>`
    WITH kept AS (
      SELECT 'documentation' AS rollup, concat_ws('|', consulate_id, month, event, type, rejected, within_deadline) AS key,
             sum(n)::int AS n
      FROM documentation_monthly_counts GROUP BY 1, 2 HAVING sum(n) <> 0
      UNION ALL
      SELECT 'turnaround', concat_ws('|', consulate_id, month, type, days, business_days), sum(n)::int
      FROM documentation_turnaround_counts GROUP BY 1, 2 HAVING sum(n) <> 0
      UNION ALL
      SELECT 'protection', concat_ws('|', consulate_id, month, event, coalesce(category::text, '-'),
             coalesce(priority::text, '-'), coalesce(first_action::text, '-')), sum(n)::int
      FROM protection_monthly_counts GROUP BY 1, 2 HAVING sum(n) <> 0),
    counted AS (
      SELECT 'documentation' AS rollup,
             concat_ws('|', consulate_id, date_trunc('month', day)::date, event, type, rejected, within_deadline) AS key,
             sum(n)::int AS n
      FROM documentation_counts_by_day GROUP BY 1, 2
      UNION ALL
      SELECT 'turnaround', concat_ws('|', consulate_id, date_trunc('month', day)::date, type, days, business_days),
             sum(n)::int
      FROM documentation_turnaround_by_day GROUP BY 1, 2
      UNION ALL
      SELECT 'protection',
             concat_ws('|', consulate_id, date_trunc('month', day)::date, event, coalesce(category::text, '-'),
                       coalesce(priority::text, '-'), coalesce(first_action::text, '-')),
             sum(n)::int
      FROM protection_counts_by_day GROUP BY 1, 2)
    SELECT coalesce(k.rollup, c.rollup) AS rollup, coalesce(k.key, c.key) AS key, k.n AS kept, c.n AS counted
    FROM kept k FULL JOIN counted c ON c.rollup = k.rollup AND c.key = k.key
    WHERE k.n IS DISTINCT FROM c.n`;
}

/**
 * Turnaround medians and 90th percentiles of requests issued on [from, to],
 * computed by PostgreSQL's percentile_cont over the requests themselves, per
 * consulate and type (`<consulateId>:<type>`) and network-wide (`*:<type>`).
 */
export async function turnaroundBySql(prisma: PrismaClient, from: string, to: string) {
  const rows = await prisma.$queryRaw<
    {
      consulate_id: string | null;
      type: string;
      m: number | null;
      p: number | null;
      mb: number | null;
      pb: number | null;
    }[]
  >`
    SELECT consulate_id, type::text,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY turnaround_days) AS m,
      percentile_cont(0.9) WITHIN GROUP (ORDER BY turnaround_days) AS p,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY turnaround_business_days) AS mb,
      percentile_cont(0.9) WITHIN GROUP (ORDER BY turnaround_business_days) AS pb
    FROM documentation_requests WHERE issued_date BETWEEN ${from}::date AND ${to}::date
    GROUP BY GROUPING SETS ((consulate_id, type), (type))`;
  const tenth = (v: number | null) => (v === null ? null : Math.round(Number(v) * 10) / 10);
  return new Map(
    rows.map((r) => [
      `${r.consulate_id ?? '*'}:${r.type}`,
      { medianDays: tenth(r.m), p90Days: tenth(r.p), medianBusinessDays: tenth(r.mb), p90BusinessDays: tenth(r.pb) },
    ]),
  );
}
