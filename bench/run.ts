/**
 * `npm run bench [-- name ...]`: runs the benchmarks and prints their figures.
 * They measure; they never pass or fail on a timing.
 */
import { benchAuth } from './auth.ts';
import { benchBooking } from './booking.ts';
import { benchStats, benchStatsWrites } from './stats.ts';

/** `--name value` flags after the benchmark names. */
function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

const sizes = (flag('requests') ?? '100000,1000000').split(',').map(Number);

const benches: Record<string, () => Promise<void>> = {
  auth: () => benchAuth(),
  booking: () => benchBooking(),
  stats: () => benchStats(sizes),
  'stats-writes': () => benchStatsWrites(),
};

const flagValues = new Set(process.argv.flatMap((a, i) => (a.startsWith('--') ? [process.argv[i + 1]] : [])));
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
