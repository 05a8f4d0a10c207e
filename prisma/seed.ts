import { hashPassword } from '../src/lib/passwords.ts';
import type { PrismaClient } from '../src/db/client.ts';
import { recordAudit, SYSTEM_CONTEXT } from '../src/modules/audit/audit.repository.ts';
import { CONSULATES, DEFAULT_SERVICES } from './consulates.ts';

export interface SeedOptions {
  /** Created only if no account has this email yet; an existing one is never changed. */
  admin?: { email: string; password: string; fullName?: string };
}

export interface SeedResult {
  consulatesCreated: number;
  adminCreated: boolean;
}

/**
 * Seeds the consulate network and, optionally, one admin. Idempotent, and safe
 * when several replicas start at once: existing rows are left as they are.
 */
export async function seed(prisma: PrismaClient, options: SeedOptions = {}): Promise<SeedResult> {
  return prisma.$transaction(
    async (tx) => {
      const { count } = await tx.consulate.createMany({
        data: CONSULATES.map((c) => ({ ...c, services: [...DEFAULT_SERVICES] })),
        skipDuplicates: true,
      });
      if (count > 0) {
        await recordAudit(tx, SYSTEM_CONTEXT, {
          action: 'consulate.seed',
          entityType: 'consulate',
          details: { created: count },
        });
      }
      let adminCreated = false;
      if (options.admin) {
        const email = options.admin.email.toLowerCase();
        const passwordHash = await hashPassword(options.admin.password);
        const inserted = await tx.staffMember.createManyAndReturn({
          data: [{ email, fullName: options.admin.fullName ?? 'Network administrator', role: 'admin', passwordHash }],
          skipDuplicates: true,
          select: { id: true },
        });
        adminCreated = inserted.length === 1;
        if (adminCreated) {
          await recordAudit(tx, SYSTEM_CONTEXT, {
            action: 'staff.seed_admin',
            entityType: 'staff',
            entityId: inserted[0]!.id,
            changedFields: ['email', 'fullName', 'role', 'password'],
          });
        }
      }
      return { consulatesCreated: count, adminCreated };
    },
    { timeout: 30_000 },
  );
}
