/**
 * `npm run demo:year -- --year 2025 [--seed 20250101] > year.ndjson`: one year
 * of the seeded network's civil registrations, for POST /v1/imports (see
 * scripts/year-file.ts). Written as it is generated, never held in memory.
 */
import { once } from 'node:events';
import { yearChunks } from './year-file.ts';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

const year = Number(flag('year') ?? new Date().getUTCFullYear() - 1);
const seed = Number(flag('seed') ?? 20250101);
if (!Number.isInteger(year) || year < 1901 || year > 2099) {
  console.error('usage: npm run demo:year -- --year 2025 [--seed N] > year.ndjson');
  process.exit(2);
}
for (const chunk of yearChunks({ year, seed })) {
  if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
}
