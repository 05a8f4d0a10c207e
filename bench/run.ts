/**
 * `npm run bench [-- name ...]`: runs the benchmarks and prints their figures.
 * They measure; they never pass or fail on a timing.
 */
import { benchAuth } from './auth.ts';
import { benchBooking } from './booking.ts';

const benches: Record<string, () => Promise<void>> = {
  auth: () => benchAuth(),
  booking: () => benchBooking(),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const name of wanted.length ? wanted : Object.keys(benches)) {
  const bench = benches[name];
  if (!bench) {
    console.error(`unknown benchmark ${name}; known: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  console.log(`\n## ${name}`);
  await bench();
}
