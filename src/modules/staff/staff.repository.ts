import type { Db } from '../../db/client.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { BadRequestError, NotFoundError } from '../../lib/errors.ts';

export const staffSelect = {
  id: true,
  email: true,
  fullName: true,
  role: true,
  consulateId: true,
  active: true,
  lastLoginAt: true,
  version: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.StaffMemberSelect;

export type StaffRow = Prisma.StaffMemberGetPayload<{ select: typeof staffSelect }>;

export function findStaff(db: Db, where: Prisma.StaffMemberWhereInput): Promise<StaffRow | null> {
  return db.staffMember.findFirst({ where, select: staffSelect });
}

export function listStaff(db: Db, where: Prisma.StaffMemberWhereInput, take: number): Promise<StaffRow[]> {
  return db.staffMember.findMany({
    where,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take,
    select: staffSelect,
  });
}

export function insertStaff(db: Db, data: Prisma.StaffMemberUncheckedCreateInput): Promise<StaffRow> {
  return db.staffMember.create({ data, select: staffSelect });
}

/** Updates only when the row is still at `version`; returns null when it is not. */
export async function updateStaffAtVersion(
  db: Db,
  id: string,
  version: number,
  data: Prisma.StaffMemberUncheckedUpdateManyInput,
): Promise<StaffRow | null> {
  const { count } = await db.staffMember.updateMany({
    where: { id, version },
    data: { ...data, version: { increment: 1 } },
  });
  return count === 1 ? findStaff(db, { id }) : null;
}

export async function revokeSessionsOf(db: Db, staffId: string, reason: string): Promise<void> {
  await db.authSession.updateMany({
    where: { staffId, revokedAt: null },
    data: { revokedAt: new Date(), revokedReason: reason },
  });
}

/**
 * Checks that work of a consulate can be assigned to `staffId`: an active
 * member of that consulate (404 otherwise — other consulates' staff are not
 * disclosed) whose role is one of `roles` (400 otherwise).
 */
export async function assertAssignee(
  db: Db,
  input: { consulateId: string; staffId: string; roles: readonly StaffRow['role'][]; work: string; roleNames: string },
): Promise<void> {
  const staff = await db.staffMember.findFirst({
    where: { id: input.staffId, consulateId: input.consulateId, active: true },
    select: { role: true },
  });
  if (!staff) throw new NotFoundError('Staff member', 'No active staff member with this id at the consulate.');
  if (!input.roles.includes(staff.role)) {
    throw new BadRequestError(`${input.work} are assigned to ${input.roleNames}.`, [
      { path: 'body.staffId', message: `must be one of the consulate’s ${input.roleNames}` },
    ]);
  }
}
