import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../../src/db/client.ts';
import type { Prisma } from '../../src/generated/prisma/client.ts';

export function uniqueCode(prefix = 'T'): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
  const bytes = randomBytes(7);
  let code = prefix;
  for (let i = 0; code.length < 8; i++) code += alphabet[bytes[i]! % alphabet.length];
  return code;
}

export async function createConsulate(
  prisma: PrismaClient,
  overrides: Partial<Prisma.ConsulateUncheckedCreateInput> = {},
) {
  const code = overrides.code ?? uniqueCode();
  return prisma.consulate.create({
    data: {
      code,
      name: `Consulate of Mexico in Test ${code}`,
      kind: 'consulate',
      city: 'Los Angeles',
      state: 'CA',
      timeZone: 'America/Los_Angeles',
      status: 'active',
      services: ['passport', 'consular_id', 'birth_registration', 'gender_identity_recognition', 'protection'],
      ...overrides,
    },
  });
}
