/**
 * The load generator, run as its own process so that its CPU is never the
 * measured server's: `node --import tsx bench/load-worker.ts <spec.json>`.
 * Drives one target with autocannon and prints one JSON line of results.
 * Requests rotate through `requests` (one global counter across connections).
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface LoadSpec {
  url: string;
  connections: number;
  /** Seconds; or `amount` requests in all. */
  duration?: number;
  amount?: number;
  requests: { method: string; path: string; headers?: Record<string, string>; body?: string }[];
}

export interface LoadResult {
  requestsPerSecond: number;
  total: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
  seconds: number;
}

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadSpec;
let next = 0;
const statuses: Record<string, number> = {};

const instance = autocannon(
  {
    url: spec.url,
    connections: spec.connections,
    ...(spec.amount ? { amount: spec.amount } : { duration: spec.duration ?? 5 }),
    requests: [
      {
        setupRequest: (request) => {
          const r = spec.requests[next++ % spec.requests.length]!;
          return {
            ...request,
            method: r.method as autocannon.Request['method'],
            path: r.path,
            headers: r.headers ?? {},
            body: r.body,
          };
        },
      },
    ],
  },
  (err, result) => {
    if (err) throw err;
    done(result);
  },
);
instance.on('response', (_client: unknown, statusCode: number) => {
  statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
});
function done(result: autocannon.Result) {
  const out: LoadResult = {
    requestsPerSecond: result.requests.total / (result.duration || 1),
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
    seconds: result.duration,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
