import type { FastifyInstance } from 'fastify';
import type { PrismaClient } from '../../src/db/client.ts';
import type { Role } from '../../src/lib/access.ts';
import { createStaff, DEFAULT_PASSWORD } from '../factories/staff.ts';

export interface LoggedIn {
  token: string;
  refreshToken: string;
  staff: { id: string; email: string; role: Role; consulateId: string | null };
  /** `{ authorization: 'Bearer …' }`, to spread into inject headers. */
  headers: { authorization: string };
}

export async function login(app: FastifyInstance, email: string, password = DEFAULT_PASSWORD) {
  return app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
}

/** Creates a staff member of `role` (in `consulateId` for scoped roles) and logs in through the API. */
export async function loginAs(
  app: FastifyInstance,
  prisma: PrismaClient,
  role: Role,
  consulateId?: string | null,
): Promise<LoggedIn> {
  const staff = await createStaff(prisma, { role, consulateId });
  const response = await login(app, staff.email);
  if (response.statusCode !== 200) throw new Error(`login as ${role} failed: ${response.statusCode} ${response.body}`);
  const body = response.json<{ accessToken: string; refreshToken: string }>();
  return {
    token: body.accessToken,
    refreshToken: body.refreshToken,
    staff: { id: staff.id, email: staff.email, role: staff.role, consulateId: staff.consulateId },
    headers: { authorization: `Bearer ${body.accessToken}` },
  };
}
