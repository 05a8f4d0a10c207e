import type { PrismaClient } from '../../db/client.ts';
import { created, writeTransaction, type Answer } from '../../db/transaction.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import {
  assertCan,
  consulateScope,
  NETWORK_ROLES,
  type RequestContext,
  type Role,
  type StaffActor,
} from '../../lib/access.ts';
import { etagOf } from '../../lib/etag.ts';
import { BadRequestError, ForbiddenError, NotFoundError, PreconditionFailedError } from '../../lib/errors.ts';
import { afterCreatedDesc, decodeCursor, toPage } from '../../lib/pagination.ts';
import { hashPassword } from '../../lib/passwords.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import {
  findStaff,
  insertStaff,
  listStaff,
  revokeSessionsOf,
  updateStaffAtVersion,
  type StaffRow,
} from './staff.repository.ts';

/** Roles a supervisor may give and manage: the officers of its consulate. */
const SUPERVISOR_MANAGES: readonly Role[] = ['documentation_officer', 'protection_officer'];

export function toStaffJson(row: StaffRow) {
  return {
    ...row,
    lastLoginAt: row.lastLoginAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export type StaffJson = ReturnType<typeof toStaffJson>;

export interface CreateStaffInput {
  email: string;
  fullName: string;
  role: Role;
  consulateId?: string | null;
  password: string;
}

export interface UpdateStaffInput {
  fullName?: string;
  role?: Role;
  consulateId?: string | null;
  password?: string;
}

export interface StaffListInput {
  limit: number;
  cursor?: string;
  consulateId?: string;
  role?: Role;
  active?: boolean;
  q?: string;
}

export class StaffService {
  constructor(private readonly prisma: PrismaClient) {}

  async list(ctx: RequestContext, input: StaffListInput) {
    assertCan(ctx.actor, 'staff:read');
    const cursor = decodeCursor(input.cursor, ['string', 'string']);
    const scope = consulateScope(ctx.actor);
    if (scope.consulateId && input.consulateId && input.consulateId !== scope.consulateId) {
      return { data: [], nextCursor: null };
    }
    const where: Prisma.StaffMemberWhereInput = {
      AND: [
        scope,
        input.consulateId ? { consulateId: input.consulateId } : {},
        input.role ? { role: input.role } : {},
        input.active !== undefined ? { active: input.active } : {},
        input.q
          ? {
              OR: [
                { fullName: { contains: input.q, mode: 'insensitive' } },
                { email: { contains: input.q.toLowerCase() } },
              ],
            }
          : {},
        afterCreatedDesc(cursor),
      ],
    };
    const rows = await listStaff(this.prisma, where, input.limit + 1);
    return toPage(rows, input.limit, (r) => [r.createdAt.toISOString(), r.id], toStaffJson);
  }

  async get(ctx: RequestContext, id: string): Promise<StaffJson> {
    assertCan(ctx.actor, 'staff:read');
    return toStaffJson(await this.visible(ctx.actor, id));
  }

  async create(ctx: RequestContext, input: CreateStaffInput): Promise<Answer<StaffJson>> {
    assertCan(ctx.actor, 'staff:write');
    const consulateId = await this.placement(ctx.actor, input.role, input.consulateId);
    const passwordHash = await hashPassword(input.password);
    return writeTransaction(this.prisma, ctx, async (tx) => {
      const row = await insertStaff(tx, {
        email: input.email,
        fullName: input.fullName,
        role: input.role,
        consulateId,
        passwordHash,
      });
      await recordAudit(tx, ctx, {
        action: 'staff.create',
        entityType: 'staff',
        entityId: row.id,
        consulateId: row.consulateId,
        changedFields: ['email', 'fullName', 'role', 'consulateId', 'password'],
      });
      return created(toStaffJson(row), { etag: etagOf(row.version), location: `/v1/staff/${row.id}` });
    });
  }

  async update(ctx: RequestContext, id: string, version: number, input: UpdateStaffInput): Promise<StaffJson> {
    assertCan(ctx.actor, 'staff:write');
    const current = await this.manageable(ctx.actor, id);
    if (input.role !== undefined && input.role !== current.role && id === ctx.actor.id) {
      throw new ForbiddenError('Nobody changes their own role.');
    }
    const role = input.role ?? current.role;
    const consulateChanged = input.consulateId !== undefined && input.consulateId !== current.consulateId;
    if (consulateChanged && ctx.actor.role !== 'admin') {
      throw new ForbiddenError('Only admins move staff between consulates.');
    }
    let consulateId = current.consulateId;
    if (input.role !== undefined || consulateChanged) {
      consulateId = await this.placement(
        ctx.actor,
        role,
        input.consulateId !== undefined ? input.consulateId : NETWORK_ROLES.includes(role) ? null : current.consulateId,
      );
    }
    const data: Prisma.StaffMemberUncheckedUpdateManyInput = {};
    const changed: string[] = [];
    if (input.fullName !== undefined && input.fullName !== current.fullName) {
      data.fullName = input.fullName;
      changed.push('fullName');
    }
    if (role !== current.role) {
      data.role = role;
      changed.push('role');
    }
    if (consulateId !== current.consulateId) {
      data.consulateId = consulateId;
      changed.push('consulateId');
    }
    if (input.password !== undefined) {
      data.passwordHash = await hashPassword(input.password);
      changed.push('password');
    }
    return this.prisma.$transaction(async (tx) => {
      const row = await updateStaffAtVersion(tx, id, version, data);
      if (!row) throw new PreconditionFailedError();
      // A new password or a new role ends the account's sessions.
      if (changed.includes('password') || changed.includes('role') || changed.includes('consulateId')) {
        await revokeSessionsOf(tx, id, 'account_changed');
      }
      await recordAudit(tx, ctx, {
        action: 'staff.update',
        entityType: 'staff',
        entityId: id,
        consulateId: row.consulateId,
        changedFields: changed,
      });
      return toStaffJson(row);
    });
  }

  async setActive(ctx: RequestContext, id: string, active: boolean): Promise<StaffJson> {
    assertCan(ctx.actor, 'staff:write');
    if (id === ctx.actor.id) throw new ForbiddenError('Nobody deactivates or reactivates their own account.');
    const current = await this.manageable(ctx.actor, id);
    if (current.active === active) return toStaffJson(current);
    return this.prisma.$transaction(async (tx) => {
      const row = await updateStaffAtVersion(tx, id, current.version, {
        active,
        ...(active ? { failedLoginCount: 0, lockedUntil: null } : {}),
      });
      if (!row) throw new PreconditionFailedError('The account changed while it was being updated: retry.');
      if (!active) await revokeSessionsOf(tx, id, 'deactivated');
      await recordAudit(tx, ctx, {
        action: active ? 'staff.reactivate' : 'staff.deactivate',
        entityType: 'staff',
        entityId: id,
        consulateId: row.consulateId,
        changedFields: ['active'],
      });
      return toStaffJson(row);
    });
  }

  /** A staff record the actor may read, or 404. */
  private async visible(actor: StaffActor, id: string): Promise<StaffRow> {
    const row = await findStaff(this.prisma, { id, ...consulateScope(actor) });
    if (!row) throw new NotFoundError('Staff member');
    return row;
  }

  /** A staff record the actor may change: supervisors only their consulate's officers. */
  private async manageable(actor: StaffActor, id: string): Promise<StaffRow> {
    const row = await this.visible(actor, id);
    if (actor.role !== 'admin' && !SUPERVISOR_MANAGES.includes(row.role)) {
      throw new ForbiddenError('Supervisors manage only the officers of their consulate.');
    }
    return row;
  }

  /**
   * Where an account with `role` belongs: null for network roles, else a
   * consulate that exists and that the actor may staff.
   */
  private async placement(actor: StaffActor, role: Role, requested: string | null | undefined): Promise<string | null> {
    if (actor.role !== 'admin' && !SUPERVISOR_MANAGES.includes(role)) {
      throw new ForbiddenError('Supervisors may only give the documentation_officer and protection_officer roles.');
    }
    if (NETWORK_ROLES.includes(role)) {
      if (requested) {
        throw new BadRequestError('admin and auditor accounts belong to no consulate.', [
          { path: 'body.consulateId', message: 'must be null or omitted for admin and auditor' },
        ]);
      }
      return null;
    }
    const consulateId = actor.consulateId ?? requested;
    if (!consulateId) {
      throw new BadRequestError('Consulate roles need a consulate.', [
        { path: 'body.consulateId', message: 'is required for this role' },
      ]);
    }
    if (actor.consulateId !== null && requested && requested !== actor.consulateId) {
      throw new NotFoundError('Consulate');
    }
    const exists = await this.prisma.consulate.findUnique({ where: { id: consulateId }, select: { id: true } });
    if (!exists) throw new NotFoundError('Consulate');
    return consulateId;
  }
}
