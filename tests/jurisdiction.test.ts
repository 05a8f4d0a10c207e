import { randomInt } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { seed, seedJurisdiction } from '../prisma/seed.ts';
import {
  lockForJurisdictionChange,
  replaceCounties as replaceCountyRows,
} from '../src/modules/jurisdiction/jurisdiction.repository.ts';
import { expectProblem } from './helpers/assertions.ts';
import { useTestApp } from './helpers/build-test-app.ts';
import { fileRequest } from './helpers/documentation.ts';
import { registerKiosk } from './helpers/kiosk.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';
import { personPayload } from './factories/persons.ts';

const t = useTestApp();
let admin: LoggedIn;
const ids = new Map<string, string>();
const consulateId = (code: string) => ids.get(code)!;

beforeAll(async () => {
  await seed(t.prisma);
  await seedJurisdiction(t.prisma, t.db.url);
  for (const c of await t.prisma.consulate.findMany({ select: { id: true, code: true } })) ids.set(c.code, c.id);
  admin = await loginAs(t.app, t.prisma, 'admin');
});

const lookup = (zip: string, headers: Record<string, string>, base = '/v1/jurisdiction') =>
  t.app.inject({ url: `${base}?zip=${encodeURIComponent(zip)}`, headers });

const readJurisdiction = (id: string, headers = admin.headers) =>
  t.app.inject({ url: `/v1/consulates/${id}/jurisdiction`, headers });

const putJurisdiction = (id: string, counties: unknown, ifMatch?: string, headers = admin.headers) =>
  t.app.inject({
    method: 'PUT',
    url: `/v1/consulates/${id}/jurisdiction`,
    headers: { ...headers, ...(ifMatch !== undefined ? { 'if-match': ifMatch } : {}) },
    payload: { counties },
  });

/** Reads the consulate's counties and replaces them, with the ETag just read. */
async function replaceCounties(id: string, counties: string[]) {
  const read = await readJurisdiction(id);
  expect(read.statusCode, read.body).toBe(200);
  const res = await putJurisdiction(id, counties, read.headers.etag);
  expect(res.statusCode, res.body).toBe(200);
  return res;
}

/** A surname no other test uses, so name searches and filters see only this test's persons. */
const uniqueSurname = () => `Jurisdicción${'abcdefghijklmnopqrstuvwxyz'[randomInt(26)]}${randomInt(1e9)}`;

async function register(officer: LoggedIn, address: object | null, firstSurname = 'Núñez', extra: object = {}) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/persons',
    headers: officer.headers,
    payload: personPayload({ address, firstSurname, ...extra }),
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const address = (postalCode: string, state = 'CA', city = 'Somewhere') => ({
  line1: '1 Main St',
  city,
  state,
  postalCode,
});

const flagOf = async (officer: LoggedIn, personId: string) => {
  const res = await t.app.inject({ url: `/v1/persons/${personId}`, headers: officer.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().outsideJurisdiction as boolean;
};

const SERVING_KEYS = ['address', 'city', 'code', 'email', 'id', 'name', 'phone', 'state'];

describe('GET /v1/jurisdiction', () => {
  it('answers a single-county ZIP code with the serving consulate’s public contact data and the county', async () => {
    const officer = await loginAs(t.app, t.prisma, 'documentation_officer', consulateId('SFO'));
    const res = await lookup('90057', officer.headers);
    expect(res.statusCode, res.body).toBe(200);
    const lax = {
      id: consulateId('LAX'),
      code: 'LAX',
      name: 'Consulate General of Mexico in Los Angeles',
      address: null,
      city: 'Los Angeles',
      state: 'CA',
      phone: null,
      email: null,
    };
    expect(res.json()).toEqual({
      zip: '90057',
      city: 'Los Angeles',
      state: 'CA',
      consulate: lax,
      candidates: [{ county: { fips: '06037', name: 'Los Angeles', state: 'CA' }, sharePercent: 100, consulate: lax }],
    });
    // ZIP+4 is read by its first five digits.
    const plus4 = await lookup('90057-1234', officer.headers);
    expect(plus4.json()).toEqual(res.json());
    // Contact data the supervisor sets is what the lookup shows.
    const etag = (await t.app.inject({ url: `/v1/consulates/${lax.id}`, headers: admin.headers })).headers
      .etag as string;
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/v1/consulates/${lax.id}`,
      headers: { ...admin.headers, 'if-match': etag },
      payload: { address: '2401 W 6th St, Los Angeles, CA 90057', phone: '+1 213 351 6800' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const after = (await lookup('90057', officer.headers)).json();
    expect(after.consulate).toMatchObject({
      address: '2401 W 6th St, Los Angeles, CA 90057',
      phone: '+1 213 351 6800',
    });
  });

  it('answers each candidate county of a ZIP code that spans counties, most residents first', async () => {
    const officer = await loginAs(t.app, t.prisma, 'protection_officer', consulateId('LAX'));
    // 90631 (La Habra Heights): Orange County (Santa Ana) and Los Angeles County.
    const res = await lookup('90631', officer.headers);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.consulate).toBeNull();
    expect(body.candidates.map((c: any) => [c.county.fips, c.county.name, c.consulate.code])).toEqual([
      ['06059', 'Orange', 'SNA'],
      ['06037', 'Los Angeles', 'LAX'],
    ]);
    const shares = body.candidates.map((c: any) => c.sharePercent);
    expect(shares[0]).toBeGreaterThan(shares[1]);
    expect(shares[0] + shares[1]).toBeCloseTo(100, 0);

    // Two counties served by the same consulate: that consulate is the answer.
    const [same] = await t.prisma.$queryRaw<{ zip: string; code: string }[]>`
      SELECT zc.zip::text AS zip, min(k.code) AS code FROM zip_counties zc
      JOIN consulate_counties j ON j.county_fips = zc.county_fips JOIN consulates k ON k.id = j.consulate_id
      JOIN zip_codes z ON z.zip = zc.zip WHERE z.state = 'TX'
      GROUP BY zc.zip HAVING count(*) > 1 AND count(DISTINCT k.code) = 1 ORDER BY zc.zip LIMIT 1`;
    const both = (await lookup(same!.zip, officer.headers)).json();
    expect(both.candidates.length).toBeGreaterThan(1);
    expect(both.consulate.code).toBe(same!.code);
  });

  it('answers 404 for a ZIP code the dataset does not hold, 400 for one that is not a ZIP code', async () => {
    const officer = await loginAs(t.app, t.prisma, 'documentation_officer', consulateId('LAX'));
    const unknown = expectProblem(await lookup('00000', officer.headers), 404);
    expect(unknown.detail).toMatch(/00000 is not in the ZIP dataset/);
    for (const zip of ['9005', 'abcde', '900571', '90057-12']) {
      const bad = expectProblem(await lookup(zip, officer.headers), 400);
      expect(bad.errors.map((e: any) => e.path)).toEqual(['querystring.zip']);
    }
    const missing = expectProblem(await t.app.inject({ url: '/v1/jurisdiction', headers: officer.headers }), 400);
    expect(missing.errors.map((e: any) => e.path)).toEqual(['querystring.zip']);
  });

  it('serves staff tokens and kiosk tokens; others get 401, staff on the kiosk path 403', async () => {
    const supervisor = await loginAs(t.app, t.prisma, 'supervisor', consulateId('LAX'));
    const kiosk = await registerKiosk(t.app, supervisor);
    const staffAnswer = await lookup('90057', supervisor.headers);
    expect(staffAnswer.statusCode).toBe(200);
    for (const role of ['admin', 'auditor', 'documentation_officer', 'protection_officer'] as const) {
      const someone = await loginAs(
        t.app,
        t.prisma,
        role,
        role === 'admin' || role === 'auditor' ? null : consulateId('LAX'),
      );
      expect((await lookup('90057', someone.headers)).statusCode, role).toBe(200);
    }
    for (const base of ['/v1/jurisdiction', '/v1/kiosk/jurisdiction']) {
      const res = await lookup('90057', kiosk.headers, base);
      expect(res.statusCode, `${base}: ${res.body}`).toBe(200);
      expect(res.json()).toEqual(staffAnswer.json());
      // Exactly what a national may be told.
      expect(Object.keys(res.json()).sort()).toEqual(['candidates', 'city', 'consulate', 'state', 'zip']);
      expect(Object.keys(res.json().consulate).sort()).toEqual(SERVING_KEYS);
      for (const c of res.json().candidates) {
        expect(Object.keys(c).sort()).toEqual(['consulate', 'county', 'sharePercent']);
        expect(Object.keys(c.county).sort()).toEqual(['fips', 'name', 'state']);
      }
      expectProblem(await lookup('90057', {}, base), 401);
      expectProblem(await lookup('90057', { authorization: 'Bearer not-a-token' }, base), 401);
    }
    expectProblem(await lookup('90057', supervisor.headers, '/v1/kiosk/jurisdiction'), 403);
    // A forged kiosk token (another secret) and a disabled kiosk are refused.
    const [head, , sig] = kiosk.token.split('.');
    const forged = `${head}.${Buffer.from(JSON.stringify({ kind: 'kiosk', sub: kiosk.kioskId, cid: consulateId('LAX'), sv: 1 })).toString('base64url')}.${sig}`;
    expectProblem(await lookup('90057', { authorization: `Bearer ${forged}` }), 401);
    await t.app.inject({ method: 'POST', url: `/v1/kiosks/${kiosk.kioskId}/disable`, headers: supervisor.headers });
    expectProblem(await lookup('90057', kiosk.headers), 401);
    expectProblem(await lookup('90057', kiosk.headers, '/v1/kiosk/jurisdiction'), 401);
  });
});

describe('a consulate’s counties', () => {
  it('lists them for every staff role, with an ETag; kiosks and unknown consulates are refused', async () => {
    const officer = await loginAs(t.app, t.prisma, 'documentation_officer', consulateId('SAN'));
    const res = await readJurisdiction(consulateId('LAX'), officer.headers);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      consulateId: consulateId('LAX'),
      designated: false,
      counties: expect.arrayContaining([{ fips: '06037', name: 'Los Angeles', state: 'CA' }]),
    });
    expect(res.headers.etag).toMatch(/^"[\w-]{22}"$/);
    const supervisor = await loginAs(t.app, t.prisma, 'supervisor', consulateId('LAX'));
    const kiosk = await registerKiosk(t.app, supervisor);
    expectProblem(await readJurisdiction(consulateId('LAX'), kiosk.headers), 403);
    expectProblem(await readJurisdiction('6f1c1b1e-3c1d-4c1e-9f1a-1b1c1d1e1f1a'), 404);
  });

  it('PUT needs an admin, If-Match (428, 412), valid, known, distinct FIPS codes (400) and a consulate that is not closed (409)', async () => {
    const wyoming = await createConsulate(t.prisma, { city: 'Cheyenne', state: 'WY', timeZone: 'America/Denver' });
    const read = await readJurisdiction(wyoming.id);
    expect(read.json()).toEqual({ consulateId: wyoming.id, designated: false, counties: [] });
    const etag = read.headers.etag as string;

    const supervisor = await loginAs(t.app, t.prisma, 'supervisor', wyoming.id);
    expectProblem(await putJurisdiction(wyoming.id, ['56021'], etag, supervisor.headers), 403);
    expectProblem(await putJurisdiction(wyoming.id, ['56021']), 428);
    expectProblem(await putJurisdiction(wyoming.id, ['56021'], '"stale-etag-of-another-list"'), 412);
    expectProblem(await putJurisdiction('6f1c1b1e-3c1d-4c1e-9f1a-1b1c1d1e1f1a', ['56021'], etag), 404);

    const cases: [unknown, string[], RegExp][] = [
      [['5602'], ['body.counties.0'], /5-digit county FIPS/],
      [['56021', 'WY021'], ['body.counties.1'], /5-digit county FIPS/],
      [['56021', '56001', '56021'], ['body.counties.2'], /listed twice/],
      [['56021', '99999', '00000'], ['body.counties.1', 'body.counties.2'], /not a county of the ZIP dataset/],
      ['56021', ['body.counties'], /./],
      [Array.from({ length: 3501 }, (_, i) => String(10000 + i)), ['body.counties'], /./],
    ];
    for (const [counties, paths, message] of cases) {
      const body = expectProblem(await putJurisdiction(wyoming.id, counties, etag), 400);
      expect(
        body.errors.map((e: any) => e.path),
        JSON.stringify(body.errors),
      ).toEqual(paths);
      expect(body.errors[0].message).toMatch(message);
    }
    expect((await readJurisdiction(wyoming.id)).json().counties).toEqual([]);

    // Two admins replace the list at once with the same ETag: one wins, the other is told it changed.
    const [a, b] = await Promise.all([
      putJurisdiction(wyoming.id, ['56021'], etag),
      putJurisdiction(wyoming.id, ['56001'], etag),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 412]);
    const winner = a.statusCode === 200 ? a : b;
    expect((await readJurisdiction(wyoming.id)).headers.etag).toBe(winner.headers.etag);

    const closed = await createConsulate(t.prisma, { status: 'closed', city: 'Casper', state: 'WY' });
    const closedRead = await readJurisdiction(closed.id);
    const refused = expectProblem(await putJurisdiction(closed.id, ['56025'], closedRead.headers.etag), 409);
    expect(refused.type).toMatch(/consulate-closed$/);
  });

  it('PUT moves each county from the consulate that had it, audits both, and recomputes the flags there', async () => {
    const billings = await createConsulate(t.prisma, { city: 'Billings', state: 'MT', timeZone: 'America/Denver' });
    const slc = consulateId('SLC');
    const billingsOfficer = await loginAs(t.app, t.prisma, 'documentation_officer', billings.id);
    const slcOfficer = await loginAs(t.app, t.prisma, 'documentation_officer', slc);
    // 59101 (Billings) lies in Yellowstone (30111) and Big Horn (30003) counties, which the seed gave Salt Lake City.
    const before = (await lookup('59101', billingsOfficer.headers)).json();
    expect(before.candidates.map((c: any) => [c.county.fips, c.consulate.code])).toEqual([
      ['30111', 'SLC'],
      ['30003', 'SLC'],
    ]);
    const atBillings = await register(billingsOfficer, address('59101', 'MT', 'Billings'));
    const atSlc = await register(slcOfficer, address('59101', 'MT', 'Billings'));
    expect(atBillings.outsideJurisdiction).toBe(true);
    expect(atSlc.outsideJurisdiction).toBe(false);

    const res = await replaceCounties(billings.id, ['30111', '30003']);
    expect(res.json()).toEqual({
      consulateId: billings.id,
      designated: false,
      counties: [
        { fips: '30003', name: 'Big Horn', state: 'MT' },
        { fips: '30111', name: 'Yellowstone', state: 'MT' },
      ],
      changes: {
        added: 2,
        removed: 0,
        takenFrom: [{ consulateId: slc, code: 'SLC', counties: 2 }],
        personsReflagged: 2,
      },
    });
    expect(res.headers.etag).toBe((await readJurisdiction(billings.id)).headers.etag);
    expect((await readJurisdiction(slc)).json().counties.map((c: any) => c.fips)).not.toContain('30111');
    expect((await lookup('59101', billingsOfficer.headers)).json().consulate.id).toBe(billings.id);
    expect(await flagOf(billingsOfficer, atBillings.id)).toBe(false);
    expect(await flagOf(slcOfficer, atSlc.id)).toBe(true);
    // Recomputing a flag is not an edit of the person.
    const reread = (await t.app.inject({ url: `/v1/persons/${atSlc.id}`, headers: slcOfficer.headers })).json();
    expect(reread).toMatchObject({ version: 1, updatedAt: atSlc.updatedAt });

    const gained = await t.prisma.auditEvent.findMany({
      where: { entityId: billings.id, action: { startsWith: 'consulate.jurisdiction' } },
    });
    expect(gained).toHaveLength(1);
    expect(gained[0]).toMatchObject({
      action: 'consulate.jurisdiction_replace',
      entityType: 'consulate',
      consulateId: billings.id,
      actorId: admin.staff.id,
      actorRole: 'admin',
      changedFields: ['counties'],
      details: { counties: 2, added: 2, removed: 0, takenFromConsulates: 1, personsReflagged: 2 },
    });
    const ceded = await t.prisma.auditEvent.findMany({
      where: { entityId: slc, action: 'consulate.jurisdiction_ceded' },
    });
    expect(ceded.map((e) => e.details)).toEqual([{ counties: 2, toConsulateId: billings.id }]);
    expect(ceded[0]!.consulateId).toBe(slc);

    // Dropping Big Horn leaves it to nobody: 59101 then depends on the county.
    const dropped = await replaceCounties(billings.id, ['30111']);
    expect(dropped.json().changes).toEqual({ added: 0, removed: 1, takenFrom: [], personsReflagged: 0 });
    const split = (await lookup('59101', billingsOfficer.headers)).json();
    expect(split.consulate).toBeNull();
    expect(split.candidates.map((c: any) => [c.county.fips, c.consulate?.code ?? null])).toEqual([
      ['30111', billings.code],
      ['30003', null],
    ]);
    // Inside when any candidate county is the consulate’s.
    expect(await flagOf(billingsOfficer, atBillings.id)).toBe(false);
  });
});

describe('the outsideJurisdiction flag', () => {
  it('is computed when a person is registered or their address changes, and never refuses them', async () => {
    const officer = await loginAs(t.app, t.prisma, 'documentation_officer', consulateId('LAX'));
    const inside = await register(officer, address('90057'));
    const outside = await register(officer, address('94103', 'CA', 'San Francisco'));
    const noAddress = await register(officer, null);
    const unknownZip = await register(officer, address('00000'));
    const plus4 = await register(officer, address('90057-1234'));
    expect([inside, outside, noAddress, unknownZip, plus4].map((p) => p.outsideJurisdiction)).toEqual([
      false,
      true,
      false,
      false,
      false,
    ]);
    const patch = async (person: any, payload: object) => {
      const current = await t.app.inject({ url: `/v1/persons/${person.id}`, headers: officer.headers });
      const res = await t.app.inject({
        method: 'PATCH',
        url: `/v1/persons/${person.id}`,
        headers: { ...officer.headers, 'if-match': current.headers.etag as string },
        payload,
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    expect((await patch(outside, { address: address('90012') })).outsideJurisdiction).toBe(false);
    expect((await patch(outside, { address: address('94103') })).outsideJurisdiction).toBe(true);
    expect((await patch(outside, { phone: '+1 213 555 0199' })).outsideJurisdiction).toBe(true);
    expect((await patch(outside, { address: null })).outsideJurisdiction).toBe(false);
    expect((await patch(inside, { address: address('94103') })).outsideJurisdiction).toBe(true);
    // The audit events name the changed fields, never the flag's inputs' values.
    const events = await t.prisma.auditEvent.findMany({
      where: { entityId: inside.id },
      orderBy: { occurredAt: 'asc' },
    });
    expect(JSON.stringify(events)).not.toContain('94103');
  });

  it('counts a ZIP code that spans counties as inside when any of its counties is the consulate’s, within the address’s state', async () => {
    const lax = await loginAs(t.app, t.prisma, 'documentation_officer', consulateId('LAX'));
    const sna = await loginAs(t.app, t.prisma, 'documentation_officer', consulateId('SNA'));
    const sfo = await loginAs(t.app, t.prisma, 'documentation_officer', consulateId('SFO'));
    // 90631: Orange (Santa Ana) and Los Angeles counties.
    expect((await register(lax, address('90631'))).outsideJurisdiction).toBe(false);
    expect((await register(sna, address('90631'))).outsideJurisdiction).toBe(false);
    expect((await register(sfo, address('90631'))).outsideJurisdiction).toBe(true);
    // 79837 (Dell City, TX) lies mostly in Otero County, NM (Albuquerque) and partly in Hudspeth County, TX (El Paso):
    // the address's state picks among them.
    const candidates = (await lookup('79837', lax.headers)).json().candidates;
    expect(candidates.map((c: any) => [c.county.state, c.consulate.code])).toEqual([
      ['NM', 'ALB'],
      ['TX', 'ELP'],
    ]);
    const elp = await loginAs(t.app, t.prisma, 'documentation_officer', consulateId('ELP'));
    expect((await register(elp, address('79837', 'TX', 'Dell City'))).outsideJurisdiction).toBe(false);
    expect((await register(elp, address('79837', 'NM', 'Dell City'))).outsideJurisdiction).toBe(true);
    // A state none of the ZIP code's counties lies in: all of them are candidates.
    expect((await register(elp, address('79837', 'AZ', 'Dell City'))).outsideJurisdiction).toBe(false);
  });

  it('is computed against the new counties for a person registered while a jurisdiction change commits', async () => {
    const missoula = await createConsulate(t.prisma, { city: 'Missoula', state: 'MT', timeZone: 'America/Denver' });
    const officer = await loginAs(t.app, t.prisma, 'documentation_officer', missoula.id);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    // A jurisdiction change (as PUT makes it) giving Missoula County to the new office, held open.
    const change = t.prisma.$transaction(async (tx) => {
      await lockForJurisdictionChange(tx);
      await replaceCountyRows(tx, 'consulate_counties', missoula.id, ['30063']);
      locked();
      await gate;
    });
    await lockTaken;
    const registering = register(officer, address('59801', 'MT', 'Missoula'));
    // Wait until the registration is blocked behind the change (a condition, not a time).
    for (let i = 0; i < 600; i++) {
      const [waiting] = await t.prisma.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%insert%persons%'`;
      if (waiting!.n > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    release();
    await change;
    const person = await registering;
    expect(person.outsideJurisdiction).toBe(false);
  });

  it('shows in the request JSON and filters persons and documentation requests', async () => {
    const officer = await loginAs(t.app, t.prisma, 'documentation_officer', consulateId('LAX'));
    const surname = uniqueSurname();
    const inside = await register(officer, address('90057'), surname);
    const outside = await register(officer, address('94103', 'CA', 'San Francisco'), surname);
    const insideRequest = await fileRequest(t.app, officer.headers, inside.id);
    const outsideRequest = await fileRequest(t.app, officer.headers, outside.id);
    expect(insideRequest.person.outsideJurisdiction).toBe(false);
    expect(outsideRequest.person).toEqual({
      id: outside.id,
      givenNames: outside.givenNames,
      firstSurname: surname,
      secondSurname: outside.secondSurname,
      outsideJurisdiction: true,
    });
    const read = await t.app.inject({
      url: `/v1/documentation-requests/${outsideRequest.id}`,
      headers: officer.headers,
    });
    expect(read.json().person.outsideJurisdiction).toBe(true);

    const name = encodeURIComponent(surname);
    const persons = async (flag: string) =>
      (await t.app.inject({ url: `/v1/persons?name=${name}&outsideJurisdiction=${flag}`, headers: officer.headers }))
        .json()
        .data.map((p: any) => p.id);
    expect(await persons('true')).toEqual([outside.id]);
    expect(await persons('false')).toEqual([inside.id]);
    const requests = async (flag: string) => {
      const res = await t.app.inject({
        url: `/v1/documentation-requests?personName=${name}&outsideJurisdiction=${flag}`,
        headers: officer.headers,
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().data.map((r: any) => [r.id, r.person.outsideJurisdiction]);
    };
    expect(await requests('true')).toEqual([[outsideRequest.id, true]]);
    expect(await requests('false')).toEqual([[insideRequest.id, false]]);
    expectProblem(await t.app.inject({ url: '/v1/persons?outsideJurisdiction=maybe', headers: officer.headers }), 400);
  });
});

describe('a planned consulate becoming active', () => {
  it('takes over its designated counties in the same transaction, audited, and the flags follow', async () => {
    const okc = consulateId('OKC');
    const dal = consulateId('DAL');
    const designation = await readJurisdiction(okc);
    expect(designation.json().designated).toBe(true);
    const designated = designation.json().counties.map((c: any) => c.fips);
    expect(designated).toContain('40109'); // Oklahoma County
    const dalOfficer = await loginAs(t.app, t.prisma, 'documentation_officer', dal);
    const okcOfficer = await loginAs(t.app, t.prisma, 'documentation_officer', okc);
    // Until it opens, Dallas serves Oklahoma City (and the lookup never names a planned office).
    expect((await lookup('73102', dalOfficer.headers)).json().consulate.code).toBe('DAL');
    const atDallas = await register(dalOfficer, address('73102', 'OK', 'Oklahoma City'));
    const atOkc = await register(okcOfficer, address('73102', 'OK', 'Oklahoma City'));
    expect([atDallas.outsideJurisdiction, atOkc.outsideJurisdiction]).toEqual([false, true]);
    const owners = await t.prisma.consulateCounty.findMany({ where: { countyFips: { in: designated } } });
    const losers = new Set(owners.map((o) => o.consulateId));

    const etag = (await t.app.inject({ url: `/v1/consulates/${okc}`, headers: admin.headers })).headers.etag as string;
    const opened = await t.app.inject({
      method: 'PATCH',
      url: `/v1/consulates/${okc}`,
      headers: { ...admin.headers, 'if-match': etag },
      payload: { status: 'active', openingDate: '2026-12-01' },
    });
    expect(opened.statusCode, opened.body).toBe(200);
    expect(opened.json().status).toBe('active');

    const served = (await readJurisdiction(okc)).json();
    expect(served.designated).toBe(false);
    expect(served.counties.map((c: any) => c.fips)).toEqual(designated);
    expect(await t.prisma.consulateDesignatedCounty.count({ where: { consulateId: okc } })).toBe(0);
    expect((await lookup('73102', okcOfficer.headers)).json().consulate).toMatchObject({ code: 'OKC', id: okc });
    expect(await flagOf(dalOfficer, atDallas.id)).toBe(true);
    expect(await flagOf(okcOfficer, atOkc.id)).toBe(false);

    const activated = await t.prisma.auditEvent.findMany({
      where: { entityId: okc, action: 'consulate.jurisdiction_activate' },
    });
    expect(activated).toHaveLength(1);
    expect(activated[0]).toMatchObject({
      actorId: admin.staff.id,
      consulateId: okc,
      changedFields: ['counties'],
      details: {
        counties: designated.length,
        added: designated.length,
        takenFromConsulates: losers.size,
        personsReflagged: 2,
      },
    });
    const ceded = (await t.prisma.auditEvent.findMany({ where: { action: 'consulate.jurisdiction_ceded' } })).filter(
      (e) => (e.details as { toConsulateId: string }).toConsulateId === okc,
    );
    expect(new Set(ceded.map((e) => e.entityId))).toEqual(losers);
    expect(ceded.reduce((sum, e) => sum + (e.details as { counties: number }).counties, 0)).toBe(designated.length);
    // In the same transaction as the status change: the request id of the PATCH is on every event.
    const update = await t.prisma.auditEvent.findFirstOrThrow({ where: { entityId: okc, action: 'consulate.update' } });
    expect(activated[0]!.requestId).toBe(update.requestId);

    // A later update of the active consulate moves nothing.
    const again = await t.app.inject({
      method: 'PATCH',
      url: `/v1/consulates/${okc}`,
      headers: { ...admin.headers, 'if-match': opened.headers.etag as string },
      payload: { phone: '+1 405 555 0100' },
    });
    expect(again.statusCode, again.body).toBe(200);
    expect(
      await t.prisma.auditEvent.count({ where: { entityId: okc, action: 'consulate.jurisdiction_activate' } }),
    ).toBe(1);
  });

  it('PUT on a planned consulate replaces its designation and leaves today’s counties where they are', async () => {
    const nbw = consulateId('NBW');
    const before = await readJurisdiction(nbw);
    expect(before.json().designated).toBe(true);
    const officer = await loginAs(t.app, t.prisma, 'documentation_officer', consulateId('NYC'));
    const servedBefore = (await lookup('08901', officer.headers)).json().consulate.code;
    const res = await putJurisdiction(nbw, ['34023', '34035'], before.headers.etag);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      designated: true,
      counties: [
        { fips: '34023', name: 'Middlesex', state: 'NJ' },
        { fips: '34035', name: 'Somerset', state: 'NJ' },
      ],
      changes: { added: 0, personsReflagged: 0, takenFrom: [] },
    });
    expect(res.json().changes.removed).toBe(before.json().counties.length - 2);
    expect((await lookup('08901', officer.headers)).json().consulate.code).toBe(servedBefore);
    const events = await t.prisma.auditEvent.findMany({
      where: { entityId: nbw, action: 'consulate.jurisdiction_designation_replace' },
    });
    expect(events.map((e) => e.changedFields)).toEqual([['designatedCounties']]);
  });
});
