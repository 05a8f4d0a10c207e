import { randomInt } from 'node:crypto';
import type { PrismaClient } from '../../src/db/client.ts';
import type { Prisma } from '../../src/generated/prisma/client.ts';
import { curpCheckDigit } from '../../src/lib/curp.ts';
import { nameSearchKey } from '../../src/lib/text.ts';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const CONSONANTS = 'BCDFGHJKLMNPQRSTVWXYZ';
const pick = (alphabet: string) => alphabet[randomInt(alphabet.length)]!;

/** A CURP that passes format and check-digit validation, for a date of birth (YYYY-MM-DD). */
export function makeCurp(dateOfBirth = '1990-05-17', sex: 'H' | 'M' | 'X' = 'M', state = 'JC'): string {
  const [y, m, d] = dateOfBirth.split('-');
  const differentiator = Number(y) < 2000 ? String(randomInt(10)) : pick(LETTERS);
  const first17 =
    pick(LETTERS) +
    pick('AEIOU') +
    pick(LETTERS) +
    pick(LETTERS) +
    y!.slice(2) +
    m +
    d +
    sex +
    state +
    pick(CONSONANTS) +
    pick(CONSONANTS) +
    pick(CONSONANTS) +
    differentiator;
  return first17 + String(curpCheckDigit(first17));
}

/** A request body for POST /v1/persons. */
export function personPayload(overrides: Record<string, unknown> = {}) {
  const dateOfBirth = (overrides.dateOfBirth as string | undefined) ?? '1990-05-17';
  return {
    givenNames: 'María José',
    firstSurname: 'Núñez',
    secondSurname: 'García',
    dateOfBirth,
    placeOfBirth: { country: 'MX', subdivision: 'MX-JAL' },
    curp: makeCurp(dateOfBirth),
    genderMarker: 'F',
    email: 'maria.nunez@example.org',
    phone: '+1 213 555 0101',
    address: { line1: '2401 W 6th St', city: 'Los Angeles', state: 'CA', postalCode: '90057' },
    ...overrides,
  };
}

export async function createPerson(
  prisma: PrismaClient,
  consulateId: string,
  overrides: Partial<Prisma.PersonUncheckedCreateInput> = {},
) {
  const givenNames = overrides.givenNames ?? 'Juan Carlos';
  const firstSurname = overrides.firstSurname ?? 'Pérez';
  const secondSurname = overrides.secondSurname === undefined ? 'López' : overrides.secondSurname;
  const dateOfBirth = (overrides.dateOfBirth as Date | undefined) ?? new Date('1985-03-09T00:00:00Z');
  return prisma.person.create({
    data: {
      consulateId,
      givenNames,
      firstSurname,
      secondSurname,
      nameSearch: nameSearchKey({ givenNames, firstSurname, secondSurname }),
      dateOfBirth,
      birthCountry: 'MX',
      birthSubdivision: 'MX-MIC',
      curp: makeCurp(dateOfBirth.toISOString().slice(0, 10), 'H', 'MN'),
      genderMarker: 'M',
      ...overrides,
    },
  });
}
