import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../../src/db/client.ts';
import type { Role } from '../../src/lib/access.ts';
import { hashPassword } from '../../src/lib/passwords.ts';

export const DEFAULT_PASSWORD = 'correct horse battery staple';

let hashed: Promise<string> | undefined;

export interface StaffOptions {
  role: Role;
  consulateId?: string | null;
  email?: string;
  fullName?: string;
  password?: string;
  active?: boolean;
  /** When the account was created (default: now, in PostgreSQL's millisecond precision). */
  createdAt?: Date;
}

export async function createStaff(prisma: PrismaClient, options: StaffOptions) {
  const network = options.role === 'admin' || options.role === 'auditor';
  if (!network && !options.consulateId) throw new Error(`a ${options.role} needs a consulateId`);
  // Real argon2id hashes; the default password is hashed once per file.
  const passwordHash = options.password
    ? await hashPassword(options.password)
    : await (hashed ??= hashPassword(DEFAULT_PASSWORD));
  return prisma.staffMember.create({
    data: {
      email: (options.email ?? `${options.role}.${randomBytes(5).toString('hex')}@consular.test`).toLowerCase(),
      fullName: options.fullName ?? `Test ${options.role}`,
      role: options.role,
      consulateId: network ? null : options.consulateId!,
      passwordHash,
      active: options.active ?? true,
      ...(options.createdAt ? { createdAt: options.createdAt } : {}),
    },
  });
}
