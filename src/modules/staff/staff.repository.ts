import type { Db } from '../../db/client.ts';
import type { Prisma } from '../../generated/prisma/client.ts';

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
