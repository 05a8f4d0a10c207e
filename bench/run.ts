/**
 * `npm run bench [-- name ...]`: runs the benchmarks and prints their figures.
 * They measure; they never pass or fail on a timing.
 */
import { benchAccessLog } from './access-log.ts';
import { benchApi } from './api.ts';
import { benchAuth } from './auth.ts';
import { benchBooking } from './booking.ts';
import { benchImport } from './import.ts';
import { benchStats, benchStatsWrites } from './stats.ts';
import path from 'node:path';

/** `--name value` flags after the benchmark names. */
function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

const sizes = (flag('requests') ?? '100000,1000000').split(',').map(Number);

const benches: Record<string, () => Promise<void>> = {
  api: () =>
    benchApi({
      seconds: Number(flag('seconds') ?? 5),
      connections: Number(flag('connections') ?? 32),
      rounds: Number(flag('rounds') ?? 2),
      appDir: path.resolve(flag('app-dir') ?? '.'),
      pgbouncer: process.argv.includes('--pgbouncer'),
      only: flag('only'),
      profileDir: flag('profile') && path.resolve(flag('profile')!),
    }),
  'access-log': () => benchAccessLog(),
  auth: () => benchAuth(),
  import: () => benchImport(),
  booking: () => benchBooking(),
  stats: () => benchStats(sizes),
  'stats-writes': () => benchStatsWrites(),
};

const BOOLEAN_FLAGS = new Set(['--pgbouncer']);
const flagValues = new Set(
  process.argv.flatMap((a, i) => (a.startsWith('--') && !BOOLEAN_FLAGS.has(a) ? [process.argv[i + 1]] : [])),
);
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-') && !flagValues.has(a));
for (const name of wanted.length ? wanted : Object.keys(benches)) {
  const bench = benches[name];
  if (!bench) {
    console.error(`unknown benchmark ${name}; known: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  console.log(`\n## ${name}`);
  await bench();
}
