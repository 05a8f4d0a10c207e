import type { Db } from '../../db/client.ts';
import type { Prisma } from '../../generated/prisma/client.ts';

export const personSelect = {
  id: true,
  consulateId: true,
  givenNames: true,
  firstSurname: true,
  secondSurname: true,
  dateOfBirth: true,
  birthCountry: true,
  birthSubdivision: true,
  curp: true,
  genderMarker: true,
  email: true,
  phone: true,
  addressLine1: true,
  addressLine2: true,
  addressCity: true,
  addressState: true,
  addressPostalCode: true,
  outsideJurisdiction: true,
  anonymisedAt: true,
  version: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.PersonSelect;

export type PersonRow = Prisma.PersonGetPayload<{ select: typeof personSelect }>;

export function findPerson(db: Db, where: Prisma.PersonWhereInput): Promise<PersonRow | null> {
  return db.person.findFirst({ where, select: personSelect });
}

export function listPersons(db: Db, where: Prisma.PersonWhereInput, take: number): Promise<PersonRow[]> {
  return db.person.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take, select: personSelect });
}

export function insertPerson(db: Db, data: Prisma.PersonUncheckedCreateInput): Promise<PersonRow> {
  return db.person.create({ data, select: personSelect });
}

export async function updatePersonAtVersion(
  db: Db,
  id: string,
  version: number,
  data: Prisma.PersonUncheckedUpdateManyInput,
): Promise<PersonRow | null> {
  const { count } = await db.person.updateMany({
    where: { id, version },
    data: { ...data, version: { increment: 1 } },
  });
  return count === 1 ? findPerson(db, { id }) : null;
}
