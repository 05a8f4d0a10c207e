import { describe, expect, it } from 'vitest';
import { seed } from '../prisma/seed.ts';
import { CONSULATES } from '../prisma/consulates.ts';
import { useTestApp } from './helpers/build-test-app.ts';
import { login } from './helpers/login-as.ts';

const t = useTestApp();

describe('seed', () => {
  it('creates the consulate network once even when several replicas seed an empty database at once', async () => {
    const results = await Promise.all([seed(t.prisma), seed(t.prisma), seed(t.prisma)]);
    expect(results.reduce((sum, r) => sum + r.consulatesCreated, 0)).toBe(CONSULATES.length);
    expect(await t.prisma.consulate.count()).toBe(CONSULATES.length);
    expect(CONSULATES.length).toBeGreaterThanOrEqual(50);

    const planned = await t.prisma.consulate.findMany({ where: { status: 'planned' }, orderBy: { code: 'asc' } });
    expect(planned.map((c) => [c.city, c.state])).toEqual([
      ['New Brunswick', 'NJ'],
      ['Oklahoma City', 'OK'],
    ]);
    const lax = await t.prisma.consulate.findUniqueOrThrow({ where: { code: 'LAX' } });
    expect(lax).toMatchObject({ kind: 'consulate_general', timeZone: 'America/Los_Angeles', state: 'CA' });
    const states = new Set((await t.prisma.consulate.findMany({ select: { state: true } })).map((c) => c.state));
    expect(states.size).toBeGreaterThanOrEqual(25);
  });

  it('creates the admin once and never overwrites an existing account', async () => {
    const first = await seed(t.prisma, { admin: { email: 'HQ@Example.org', password: 'first password 123' } });
    expect(first).toEqual({ consulatesCreated: 0, adminCreated: true });
    const second = await seed(t.prisma, { admin: { email: 'hq@example.org', password: 'another password 456' } });
    expect(second).toEqual({ consulatesCreated: 0, adminCreated: false });
    expect((await login(t.app, 'hq@example.org', 'first password 123')).statusCode).toBe(200);
    expect((await login(t.app, 'hq@example.org', 'another password 456')).statusCode).toBe(401);
    expect(await t.prisma.staffMember.count({ where: { role: 'admin' } })).toBe(1);
  });
});
