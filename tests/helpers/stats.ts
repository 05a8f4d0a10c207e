import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { LoggedIn } from './login-as.ts';

/** Follows a drill-down (every page of every list it names) as `who`; returns how many records were listed. */
export async function follow(app: FastifyInstance, who: LoggedIn, drillDown: string | string[]): Promise<number> {
  let total = 0;
  for (const path of Array.isArray(drillDown) ? drillDown : [drillDown]) {
    let cursor: string | null = null;
    do {
      const url: string = `${path}&limit=200${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await app.inject({ url, headers: who.headers });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
      total += res.json().data.length;
      cursor = res.json().nextCursor;
    } while (cursor);
  }
  return total;
}

/** Every `{ value, drillDown }` in a figure tree, with its dotted name. */
export function counts(tree: unknown, prefix = ''): [string, { value: number; drillDown: string | string[] }][] {
  if (!tree || typeof tree !== 'object') return [];
  const node = tree as Record<string, unknown>;
  if ('value' in node && 'drillDown' in node)
    return [[prefix, node as { value: number; drillDown: string | string[] }]];
  return Object.entries(node).flatMap(([k, v]) => counts(v, prefix ? `${prefix}.${k}` : k));
}
