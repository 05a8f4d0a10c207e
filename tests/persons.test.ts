import { describe, expect, it } from 'vitest';
import { expectProblem } from './helpers/assertions.ts';
import { useTestApp } from './helpers/build-test-app.ts';
import { loginAs } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson, makeCurp, personPayload } from './factories/persons.ts';

const t = useTestApp();

const post = (headers: Record<string, string>, payload: object) =>
  t.app.inject({ method: 'POST', url: '/v1/persons', headers, payload });

describe('persons', () => {
  it('registers a person at the officer’s consulate, with all fields', async () => {
    const consulate = await createConsulate(t.prisma);
    const officer = await loginAs(t.app, t.prisma, 'documentation_officer', consulate.id);
    const payload = personPayload();
    const res = await post(officer.headers, payload);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      consulateId: consulate.id,
      givenNames: 'María José',
      firstSurname: 'Núñez',
      dateOfBirth: '1990-05-17',
      placeOfBirth: { country: 'MX', subdivision: 'MX-JAL' },
      curp: payload.curp,
      genderMarker: 'F',
      address: { line1: '2401 W 6th St', line2: null, city: 'Los Angeles', state: 'CA', postalCode: '90057' },
      version: 1,
    });
    expect(res.headers.etag).toBe('"1"');
    const read = await t.app.inject({ url: `/v1/persons/${res.json().id}`, headers: officer.headers });
    expect(read.json()).toEqual(res.json());
  });

  it('validates CURP format and check digit, dates, places and addresses, naming each field', async () => {
    const consulate = await createConsulate(t.prisma);
    const officer = await loginAs(t.app, t.prisma, 'protection_officer', consulate.id);
    const good = makeCurp('1990-05-17');
    const wrongDigit = good.slice(0, 17) + String((Number(good[17]) + 1) % 10);
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ curp: 'ABC' }, 'body.curp', /18 characters/],
      [{ curp: wrongDigit }, 'body.curp', /check digit/],
      [{ curp: 'HEGG560427MVZRRL04' }, 'body.curp', /does not match dateOfBirth/],
      [{ dateOfBirth: '2999-01-01', curp: null }, 'body.dateOfBirth', /future/],
      [{ dateOfBirth: '1990-02-30', curp: null }, 'body.dateOfBirth', /./],
      [{ placeOfBirth: { country: 'MX' } }, 'body.placeOfBirth.subdivision', /required for Mexico/],
      [{ placeOfBirth: { country: 'MX', subdivision: 'MX-XXX' } }, 'body.placeOfBirth.subdivision', /Mexican state/],
      [{ placeOfBirth: { country: 'QQ' } }, 'body.placeOfBirth.country', /country/],
      [{ genderMarker: 'Z' }, 'body.genderMarker', /./],
      [{ address: { line1: 'x', city: 'y', state: 'CA', postalCode: 'abc' } }, 'body.address.postalCode', /ZIP/],
    ];
    for (const [override, path, message] of cases) {
      const body = expectProblem(await post(officer.headers, personPayload(override)), 400);
      const error = body.errors.find((e: { path: string }) => e.path === path);
      expect(error, `${path} in ${JSON.stringify(body.errors)}`).toBeDefined();
      expect(error.message).toMatch(message);
    }
    // A valid foreign birth, no CURP.
    const abroad = await post(
      officer.headers,
      personPayload({ curp: null, placeOfBirth: { country: 'US', subdivision: 'US-CA' } }),
    );
    expect(abroad.statusCode).toBe(201);
  });

  it('keeps CURP unique per consulate; another consulate may register the same national', async () => {
    const a = await createConsulate(t.prisma);
    const b = await createConsulate(t.prisma);
    const officerA = await loginAs(t.app, t.prisma, 'documentation_officer', a.id);
    const officerB = await loginAs(t.app, t.prisma, 'documentation_officer', b.id);
    const payload = personPayload();
    expect((await post(officerA.headers, payload)).statusCode).toBe(201);
    const dup = expectProblem(await post(officerA.headers, { ...payload, curp: payload.curp.toLowerCase() }), 409);
    expect(dup.detail).toBe('A person with this CURP is already registered at this consulate.');
    const atB = await post(officerB.headers, payload);
    expect(atB.statusCode).toBe(201);
    // Each consulate sees its own record.
    const listA = await t.app.inject({ url: `/v1/persons?curp=${payload.curp}`, headers: officerA.headers });
    const listB = await t.app.inject({ url: `/v1/persons?curp=${payload.curp}`, headers: officerB.headers });
    expect(listA.json().data).toHaveLength(1);
    expect(listB.json().data).toHaveLength(1);
    expect(listA.json().data[0].id).not.toBe(listB.json().data[0].id);
  });

  it('searches by name ignoring case and accents, by CURP and by date of birth', async () => {
    const consulate = await createConsulate(t.prisma);
    const officer = await loginAs(t.app, t.prisma, 'documentation_officer', consulate.id);
    const upper = await createPerson(t.prisma, consulate.id, {
      givenNames: 'ROSA',
      firstSurname: 'NUÑEZ',
      secondSurname: 'SOTO',
    });
    const plain = await createPerson(t.prisma, consulate.id, {
      givenNames: 'Rosa Elena',
      firstSurname: 'Nunez',
      secondSurname: null,
    });
    const other = await createPerson(t.prisma, consulate.id, {
      givenNames: 'Pedro',
      firstSurname: 'Ramírez',
      dateOfBirth: new Date('1970-01-02T00:00:00Z'),
    });
    const search = async (q: string) =>
      (await t.app.inject({ url: `/v1/persons?${q}`, headers: officer.headers }))
        .json()
        .data.map((p: { id: string }) => p.id)
        .sort();
    expect(await search('name=Nu%C3%B1ez')).toEqual([upper.id, plain.id].sort());
    expect(await search('name=nunez')).toEqual([upper.id, plain.id].sort());
    expect(await search('name=ROSA%20n%C3%BA%C3%B1ez')).toEqual([upper.id, plain.id].sort());
    expect(await search('name=soto%20rosa')).toEqual([upper.id]);
    expect(await search(`curp=${other.curp!.toLowerCase()}`)).toEqual([other.id]);
    expect(await search('dateOfBirth=1970-01-02')).toEqual([other.id]);
    expect(await search('name=Ramirez&dateOfBirth=1985-03-09')).toEqual([]);
  });

  it('officers see only their consulate’s persons: 404 elsewhere, never listed', async () => {
    const a = await createConsulate(t.prisma);
    const b = await createConsulate(t.prisma);
    const inB = await createPerson(t.prisma, b.id, { givenNames: 'Escondida' });
    const officerA = await loginAs(t.app, t.prisma, 'documentation_officer', a.id);
    expectProblem(await t.app.inject({ url: `/v1/persons/${inB.id}`, headers: officerA.headers }), 404);
    expectProblem(
      await t.app.inject({
        method: 'PATCH',
        url: `/v1/persons/${inB.id}`,
        headers: { ...officerA.headers, 'if-match': '"1"' },
        payload: { phone: '+1 555 0100' },
      }),
      404,
    );
    const list = await t.app.inject({ url: '/v1/persons?name=escondida', headers: officerA.headers });
    expect(list.json().data).toEqual([]);
    const admin = await loginAs(t.app, t.prisma, 'admin');
    expect(
      (await t.app.inject({ url: '/v1/persons?name=escondida', headers: admin.headers })).json().data,
    ).toHaveLength(1);
  });

  it('auditors never see persons', async () => {
    const auditor = await loginAs(t.app, t.prisma, 'auditor');
    expectProblem(await t.app.inject({ url: '/v1/persons', headers: auditor.headers }), 403);
  });

  it('admins must name the consulate; PATCH uses If-Match and audits field names only', async () => {
    const consulate = await createConsulate(t.prisma);
    const admin = await loginAs(t.app, t.prisma, 'admin');
    expect(expectProblem(await post(admin.headers, personPayload()), 400).errors[0].path).toBe('body.consulateId');
    const created = await post(admin.headers, personPayload({ consulateId: consulate.id }));
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    const patch = (ifMatch: string | undefined, payload: object) =>
      t.app.inject({
        method: 'PATCH',
        url: `/v1/persons/${id}`,
        headers: { ...admin.headers, ...(ifMatch ? { 'if-match': ifMatch } : {}) },
        payload,
      });
    expectProblem(await patch(undefined, { phone: '+1 555 0199' }), 428);
    const ok = await patch('"1"', { phone: '+1 555 0199', firstSurname: 'Ibáñez' });
    expect(ok.json()).toMatchObject({ phone: '+1 555 0199', firstSurname: 'Ibáñez', version: 2 });
    expectProblem(await patch('"1"', { phone: '+1 555 0100' }), 412);
    expectProblem(await patch('"2"', { dateOfBirth: '1991-01-01' }), 400); // no longer matches the CURP
    const events = await t.prisma.auditEvent.findMany({ where: { entityId: id }, orderBy: { occurredAt: 'asc' } });
    expect(events.map((e) => e.action)).toEqual(['person.create', 'person.update']);
    expect(events[1]!.changedFields.sort()).toEqual(['firstSurname', 'phone']);
    const stored = JSON.stringify(events);
    for (const value of ['Ibáñez', '555 0199', 'María', 'Núñez', 'maria.nunez']) expect(stored).not.toContain(value);
    // The name search follows the change.
    const found = await t.app.inject({ url: `/v1/persons?name=ibanez`, headers: admin.headers });
    expect(found.json().data.map((p: { id: string }) => p.id)).toEqual([id]);
  });

  it('never logs the query string of a person search', async () => {
    const consulate = await createConsulate(t.prisma);
    const officer = await loginAs(t.app, t.prisma, 'documentation_officer', consulate.id);
    await t.app.inject({
      url: '/v1/persons?name=Guadalupe%20Zamora&dateOfBirth=1977-07-07',
      headers: { ...officer.headers, 'x-request-id': 'search-1' },
    });
    const line = t.logs.find((l) => l.reqId === 'search-1');
    expect(line).toMatchObject({ route: '/v1/persons', statusCode: 200 });
    const text = JSON.stringify(t.logs);
    for (const value of ['Guadalupe', 'Zamora', '1977-07-07']) expect(text).not.toContain(value);
  });
});
