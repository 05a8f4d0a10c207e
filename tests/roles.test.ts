import { beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../src/lib/access.ts';
import { useTestApp } from './helpers/build-test-app.ts';
import { loginAs, type LoggedIn } from './helpers/login-as.ts';
import { createConsulate, uniqueCode } from './factories/consulates.ts';

const t = useTestApp();

/**
 * SPEC §1 for consulates, staff and the audit log: the status each role gets
 * for each call, written out by hand (not derived from the code's table).
 */
type Call = {
  name: string;
  request: (ctx: Ctx) => {
    method: 'GET' | 'POST' | 'PATCH';
    url: string;
    payload?: object;
    headers?: Record<string, string>;
  };
};
type Ctx = { consulateId: string; n: number };

const calls: Call[] = [
  { name: 'list consulates', request: () => ({ method: 'GET', url: '/v1/consulates' }) },
  { name: 'read own consulate', request: (c) => ({ method: 'GET', url: `/v1/consulates/${c.consulateId}` }) },
  {
    name: 'create consulate',
    request: () => ({
      method: 'POST',
      url: '/v1/consulates',
      payload: {
        code: uniqueCode('R'),
        name: 'X',
        kind: 'consulate',
        city: 'X',
        state: 'TX',
        timeZone: 'America/Chicago',
      },
    }),
  },
  {
    name: 'update consulate contact',
    request: (c) => ({
      method: 'PATCH',
      url: `/v1/consulates/${c.consulateId}`,
      payload: { phone: '+1 555 0199' },
      headers: { 'if-match': '"999"' },
    }),
  },
  { name: 'list staff', request: () => ({ method: 'GET', url: '/v1/staff' }) },
  {
    name: 'create officer',
    request: (c) => ({
      method: 'POST',
      url: '/v1/staff',
      payload: {
        email: `m${c.n}.${Date.now()}@consular.test`,
        fullName: 'M',
        role: 'documentation_officer',
        consulateId: c.consulateId,
        password: 'long enough password',
      },
    }),
  },
  { name: 'list audit events', request: () => ({ method: 'GET', url: '/v1/audit-events' }) },
];

// 412 = allowed (the deliberately stale If-Match is what stops it).
const expected: Record<Role, number[]> = {
  //                     list  read  create  contact  staff  officer  audit
  admin: [200, 200, 201, 412, 200, 201, 200],
  auditor: [200, 200, 403, 403, 403, 403, 200],
  supervisor: [200, 200, 403, 412, 200, 201, 200],
  documentation_officer: [200, 200, 403, 403, 200, 403, 403],
  protection_officer: [200, 200, 403, 403, 200, 403, 403],
};

describe('role matrix: consulates, staff, audit log', () => {
  const users = {} as Record<Role, LoggedIn>;
  let consulateId = '';
  beforeAll(async () => {
    consulateId = (await createConsulate(t.prisma)).id;
    for (const role of Object.keys(expected) as Role[]) {
      users[role] = await loginAs(t.app, t.prisma, role, role === 'admin' || role === 'auditor' ? null : consulateId);
    }
  });

  for (const role of Object.keys(expected) as Role[]) {
    it(`${role}`, async () => {
      const got: number[] = [];
      let n = 0;
      for (const call of calls) {
        const req = call.request({ consulateId, n: n++ });
        const res = await t.app.inject({ ...req, headers: { ...users[role].headers, ...req.headers } });
        got.push(res.statusCode);
      }
      expect(Object.fromEntries(calls.map((c, i) => [c.name, got[i]]))).toEqual(
        Object.fromEntries(calls.map((c, i) => [c.name, expected[role][i]])),
      );
    });
  }

  it('no endpoint answers without a token', async () => {
    for (const call of calls) {
      const res = await t.app.inject(call.request({ consulateId, n: 0 }));
      expect(res.statusCode, call.name).toBe(401);
    }
  });
});
