import type { Db } from '../../db/client.ts';
import type { Prisma } from '../../generated/prisma/client.ts';

export const consulateSelect = {
  id: true,
  code: true,
  name: true,
  kind: true,
  city: true,
  state: true,
  address: true,
  timeZone: true,
  phone: true,
  email: true,
  status: true,
  openingDate: true,
  services: true,
  version: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.ConsulateSelect;

export type ConsulateRow = Prisma.ConsulateGetPayload<{ select: typeof consulateSelect }>;

export function findConsulate(db: Db, id: string): Promise<ConsulateRow | null> {
  return db.consulate.findUnique({ where: { id }, select: consulateSelect });
}

export function listConsulates(db: Db, where: Prisma.ConsulateWhereInput, take: number): Promise<ConsulateRow[]> {
  return db.consulate.findMany({ where, orderBy: { code: 'asc' }, take, select: consulateSelect });
}

export function insertConsulate(db: Db, data: Prisma.ConsulateUncheckedCreateInput): Promise<ConsulateRow> {
  return db.consulate.create({ data, select: consulateSelect });
}

export async function updateConsulateAtVersion(
  db: Db,
  id: string,
  version: number,
  data: Prisma.ConsulateUncheckedUpdateManyInput,
): Promise<ConsulateRow | null> {
  const { count } = await db.consulate.updateMany({
    where: { id, version },
    data: { ...data, version: { increment: 1 } },
  });
  return count === 1 ? findConsulate(db, id) : null;
}
