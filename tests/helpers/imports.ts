import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';

export type Job = {
  id: string;
  state: string;
  dryRun: boolean;
  linesTotal: number | null;
  linesRead: number;
  created: number;
  skipped: number;
  rejected: number;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
};

export const ndjson = (lines: readonly unknown[]) =>
  lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';

/** POSTs a file; the 202's job. */
export async function postImport(
  app: FastifyInstance,
  headers: Record<string, string>,
  body: string,
  query = '',
): Promise<Job> {
  const res = await app.inject({
    method: 'POST',
    url: `/v1/imports${query}`,
    headers: { ...headers, 'content-type': 'application/x-ndjson' },
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(202);
  const job = res.json<Job>();
  expect(res.headers.location).toBe(`/v1/imports/${job.id}`);
  return job;
}

/** Polls the job until it is finished (deadline: `seconds`). */
export async function finished(
  app: FastifyInstance,
  headers: Record<string, string>,
  id: string,
  seconds = 120,
): Promise<Job> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const res = await app.inject({ url: `/v1/imports/${id}`, headers });
    expect(res.statusCode, res.body).toBe(200);
    const job = res.json<Job>();
    if (job.state === 'succeeded' || job.state === 'failed') return job;
    if (Date.now() > deadline) throw new Error(`import ${id} still ${job.state} after ${seconds}s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function importFile(
  app: FastifyInstance,
  headers: Record<string, string>,
  body: string,
  query = '',
): Promise<Job> {
  const job = await postImport(app, headers, body, query);
  return finished(app, headers, job.id);
}

export async function rejectionsOf(app: FastifyInstance, headers: Record<string, string>, id: string) {
  const all: { line: number; reason: string }[] = [];
  let cursor: string | null = null;
  do {
    const res: { statusCode: number; body: string; json<T>(): T } = await app.inject({
      url: `/v1/imports/${id}/rejections?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json<{ data: { line: number; reason: string }[]; nextCursor: string | null }>();
    all.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}
