import { createHmac } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import { beforeAll, describe, expect, it } from 'vitest';
import { KIOSK_AUDIENCE, STAFF_AUDIENCE, TOKEN_ISSUER, TOKEN_TYPE } from '../src/plugins/auth.ts';
import { expectProblem } from './helpers/assertions.ts';
import { TEST_JWT_SECRET, useTestApp } from './helpers/build-test-app.ts';
import { registerKiosk, type KioskDevice } from './helpers/kiosk.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { createConsulate } from './factories/consulates.ts';

const t = useTestApp();

const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT signed by hand with the test secret: any header, any claims, HS256 or HS512. */
function handSigned(header: Record<string, unknown>, claims: Record<string, unknown>, hash = 'sha256'): string {
  const input = `${encode(header)}.${encode(claims)}`;
  return `${input}.${createHmac(hash, TEST_JWT_SECRET).update(input).digest('base64url')}`;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const me = (token: string) => t.app.inject({ url: '/v1/auth/me', headers: bearer(token) });
const board = (token: string) => t.app.inject({ url: '/v1/kiosk/queue', headers: bearer(token) });

let officer: LoggedIn;
let kiosk: KioskDevice;
let staffClaims: Record<string, unknown>;
let kioskClaims: Record<string, unknown>;

beforeAll(async () => {
  const consulate = await createConsulate(t.prisma);
  officer = await loginAs(t.app, t.prisma, 'documentation_officer', consulate.id);
  const supervisor = await loginAs(t.app, t.prisma, 'supervisor', consulate.id);
  kiosk = await registerKiosk(t.app, supervisor);
  staffClaims = decode(officer.token.split('.')[1]!);
  kioskClaims = decode(kiosk.token.split('.')[1]!);
});

describe('tokens follow RFC 8725', () => {
  it('are HS256 with an explicit at+jwt type, the issuer and an audience per kind', () => {
    expect(decode(officer.token.split('.')[0]!)).toEqual({ alg: 'HS256', typ: TOKEN_TYPE });
    expect(decode(kiosk.token.split('.')[0]!)).toEqual({ alg: 'HS256', typ: TOKEN_TYPE });
    expect(staffClaims).toMatchObject({ iss: TOKEN_ISSUER, aud: STAFF_AUDIENCE, kind: 'staff' });
    expect(kioskClaims).toMatchObject({ iss: TOKEN_ISSUER, aud: KIOSK_AUDIENCE, kind: 'kiosk' });
  });

  it('a hand-signed copy of a valid token is accepted (the refusals below are about what was changed)', async () => {
    expect((await me(handSigned({ alg: 'HS256', typ: TOKEN_TYPE }, staffClaims))).statusCode).toBe(200);
    expect((await board(handSigned({ alg: 'HS256', typ: TOKEN_TYPE }, kioskClaims))).statusCode).toBe(200);
  });

  it('refuses a token without typ, or with another typ, with 401', async () => {
    for (const header of [{ alg: 'HS256' }, { alg: 'HS256', typ: 'JWT' }, { alg: 'HS256', typ: 'refresh+jwt' }]) {
      expectProblem(await me(handSigned(header, staffClaims)), 401);
      expectProblem(await board(handSigned(header, kioskClaims)), 401);
    }
  });

  it('refuses a token without aud, with an unknown aud, or with several, with 401', async () => {
    const { aud: _drop, ...withoutAud } = staffClaims;
    for (const claims of [
      withoutAud,
      { ...staffClaims, aud: 'someone-else' },
      { ...staffClaims, aud: [STAFF_AUDIENCE, KIOSK_AUDIENCE] },
    ]) {
      expectProblem(await me(handSigned({ alg: 'HS256', typ: TOKEN_TYPE }, claims)), 401);
    }
  });

  it('never takes one kind for the other: an audience that does not fit the kind is 401', async () => {
    // A staff claim set addressed to kiosks, and a kiosk claim set addressed to staff.
    const staffForKiosks = handSigned({ alg: 'HS256', typ: TOKEN_TYPE }, { ...staffClaims, aud: KIOSK_AUDIENCE });
    const kioskForStaff = handSigned({ alg: 'HS256', typ: TOKEN_TYPE }, { ...kioskClaims, aud: STAFF_AUDIENCE });
    expectProblem(await me(staffForKiosks), 401);
    expectProblem(await board(staffForKiosks), 401);
    expectProblem(await me(kioskForStaff), 401);
    expectProblem(await board(kioskForStaff), 401);
    // Genuine tokens on the other kind's endpoints stay 403, as before.
    expectProblem(await me(kiosk.token), 403);
    expectProblem(await board(officer.token), 403);
  });

  it('refuses another algorithm — none, HS512 with the same secret — with 401', async () => {
    const none = `${encode({ alg: 'none', typ: TOKEN_TYPE })}.${encode(staffClaims)}.`;
    const hs512 = handSigned({ alg: 'HS512', typ: TOKEN_TYPE }, staffClaims, 'sha512');
    const hs512ByLibrary = createSigner({
      key: TEST_JWT_SECRET,
      algorithm: 'HS512',
      header: { alg: 'HS512', typ: TOKEN_TYPE },
    })(staffClaims);
    for (const token of [none, hs512, hs512ByLibrary]) expectProblem(await me(token), 401);
  });

  it('refuses a token of another issuer, or without one, with 401', async () => {
    const { iss: _drop, ...withoutIss } = staffClaims;
    for (const claims of [withoutIss, { ...staffClaims, iss: 'elsewhere' }]) {
      expectProblem(await me(handSigned({ alg: 'HS256', typ: TOKEN_TYPE }, claims)), 401);
    }
  });
});
