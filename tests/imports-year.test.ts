import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { seed } from '../prisma/seed.ts';
import { CONSULATES } from '../prisma/consulates.ts';
import { apportion, sizeOf, YEAR_GENDER_IDENTITY, YEAR_TOTAL, yearChunks } from '../scripts/year-file.ts';
import { useTestApp } from './helpers/build-test-app.ts';
import { finished } from './helpers/imports.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { rollupDrift } from './helpers/stats.ts';

/**
 * The demo year file (npm run demo:year -- --year 2025), whole — 146,076
 * lines, streamed — into a freshly seeded database: the network statistics
 * of 2025 then show its 73,038 civil registrations and 504 gender-identity
 * recognitions exactly, each consulate its share, and a second import of the
 * same file creates nothing.
 */
const t = useTestApp();
let admin: LoggedIn;

beforeAll(async () => {
  await seed(t.prisma);
  admin = await loginAs(t.app, t.prisma, 'admin');
});

const yearFile = (): Readable => Readable.from(yearChunks({ year: 2025 }));

async function importYear() {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/imports',
    headers: { ...admin.headers, 'content-type': 'application/x-ndjson' },
    payload: yearFile(),
  });
  expect(res.statusCode, res.body).toBe(202);
  return finished(t.app, admin.headers, res.json<{ id: string }>().id, 900);
}

type Figure = { value: number };
type Civil = { birthRegistrationsIssued: Figure; genderIdentityRecognitionsIssued: Figure; total: Figure };

describe('the demo year', () => {
  it('imports 73,038 civil registrations that the 2025 network statistics report exactly; a re-import creates nothing', async () => {
    const job = await importYear();
    expect(job).toMatchObject({
      state: 'succeeded',
      linesTotal: 2 * YEAR_TOTAL,
      linesRead: 2 * YEAR_TOTAL,
      created: 2 * YEAR_TOTAL,
      skipped: 0,
      rejected: 0,
    });

    const res = await t.app.inject({ url: '/v1/stats/network?from=2025-01-01&to=2025-12-31', headers: admin.headers });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{
      totals: { documentation: { civilRegistration: Civil } };
      consulates: { consulate: { code: string }; figures: { documentation: { civilRegistration: Civil } } }[];
    }>();
    const civil = body.totals.documentation.civilRegistration;
    expect([
      civil.total.value,
      civil.genderIdentityRecognitionsIssued.value,
      civil.birthRegistrationsIssued.value,
    ]).toEqual([73_038, 504, 73_038 - 504]);
    // Each consulate's row, and their sums.
    const sum = (f: (c: Civil) => Figure) =>
      body.consulates.reduce((s, c) => s + f(c.figures.documentation.civilRegistration).value, 0);
    expect(sum((c) => c.total)).toBe(73_038);
    expect(sum((c) => c.genderIdentityRecognitionsIssued)).toBe(504);
    expect(sum((c) => c.birthRegistrationsIssued)).toBe(73_038 - 504);
    // In proportion to the offices' size (a consulate general 3, others 1).
    const offices = CONSULATES.filter((c) => c.status !== 'planned').sort((x, y) => x.code.localeCompare(y.code));
    const shares = apportion(YEAR_TOTAL, offices.map(sizeOf));
    const gender = apportion(YEAR_GENDER_IDENTITY, offices.map(sizeOf));
    const byCode = new Map(body.consulates.map((c) => [c.consulate.code, c.figures.documentation.civilRegistration]));
    offices.forEach((o, i) => {
      expect(byCode.get(o.code)!.total.value, o.code).toBe(shares[i]);
      expect(byCode.get(o.code)!.genderIdentityRecognitionsIssued.value, o.code).toBe(gender[i]);
    });
    // Nothing of it falls outside the year.
    const outside = await t.app.inject({
      url: '/v1/stats/network?from=2024-01-01&to=2024-12-31',
      headers: admin.headers,
    });
    expect(outside.json().totals.documentation.civilRegistration.total.value).toBe(0);
    // The monthly rollups the figures read hold the imported rows by their historical months, as counted afresh.
    expect(await rollupDrift(t.prisma)).toEqual([]);
    // Gap-free series per consulate and year.
    const gaps = await t.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM (
        SELECT consulate_id, count(*) AS c, max(split_part(reference, '-', 3)::int) AS m
        FROM documentation_requests GROUP BY consulate_id) s WHERE c <> m`;
    expect(Number(gaps[0]!.n)).toBe(0);

    const again = await importYear();
    expect(again).toMatchObject({ state: 'succeeded', created: 0, skipped: 2 * YEAR_TOTAL, rejected: 0 });
    expect(await t.prisma.documentationRequest.count()).toBe(YEAR_TOTAL);
    expect(await t.prisma.person.count()).toBe(YEAR_TOTAL);
  }, 1_800_000);
});
