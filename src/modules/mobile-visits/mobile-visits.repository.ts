import type { Db } from '../../db/client.ts';
import { dateValue } from '../../lib/calendar.ts';
import type { Prisma } from '../../generated/prisma/client.ts';

export const visitSelect = {
  id: true,
  consulateId: true,
  hostCity: true,
  hostState: true,
  venue: true,
  address: true,
  timeZone: true,
  services: true,
  slotMinutes: true,
  capacityPerSlot: true,
  state: true,
  firstDay: true,
  lastDay: true,
  cancelledAt: true,
  cancelledReason: true,
  completedAt: true,
  version: true,
  createdAt: true,
  updatedAt: true,
  days: { select: { date: true, opens: true, closes: true }, orderBy: { date: 'asc' } },
  attendance: {
    select: { date: true, service: true, peopleServed: true },
    orderBy: [{ date: 'asc' }, { service: 'asc' }],
  },
} satisfies Prisma.MobileVisitSelect;

export type VisitRow = Prisma.MobileVisitGetPayload<{ select: typeof visitSelect }>;

export function findVisit(db: Db, where: Prisma.MobileVisitWhereInput): Promise<VisitRow | null> {
  return db.mobileVisit.findFirst({ where, select: visitSelect });
}

export function listVisits(db: Db, where: Prisma.MobileVisitWhereInput, take: number): Promise<VisitRow[]> {
  return db.mobileVisit.findMany({ where, orderBy: [{ firstDay: 'asc' }, { id: 'asc' }], take, select: visitSelect });
}

/**
 * Takes the visit's row lock for the rest of the transaction: FOR SHARE for a
 * booking (bookings do not wait for each other), FOR UPDATE for a change of
 * the visit. A cancellation therefore never misses a booking made meanwhile,
 * and a booking never lands on a visit that was just cancelled.
 */
export async function lockVisit(db: Db, id: string, mode: 'share' | 'update'): Promise<boolean> {
  const rows =
    mode === 'share'
      ? await db.$queryRaw<unknown[]>`SELECT 1 FROM mobile_visits WHERE id = ${id}::uuid FOR SHARE`
      : await db.$queryRaw<unknown[]>`SELECT 1 FROM mobile_visits WHERE id = ${id}::uuid FOR UPDATE`;
  return rows.length === 1;
}

/** Updates only at `version` (and bumps it); false when someone else changed it first. */
export async function updateVisitAtVersion(
  db: Db,
  id: string,
  version: number,
  data: Prisma.MobileVisitUncheckedUpdateManyInput,
): Promise<boolean> {
  const { count } = await db.mobileVisit.updateMany({
    where: { id, version },
    data: { ...data, version: { increment: 1 } },
  });
  return count === 1;
}

export async function replaceVisitDays(
  db: Db,
  visitId: string,
  days: { date: string; opens: string; closes: string }[],
): Promise<void> {
  await db.mobileVisitDay.deleteMany({ where: { visitId } });
  await db.mobileVisitDay.createMany({
    data: days.map((d) => ({ visitId, date: dateValue(d.date), opens: d.opens, closes: d.closes })),
  });
}
