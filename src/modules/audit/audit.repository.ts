import type { Db } from '../../db/client.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import type { Actor } from '../../lib/access.ts';

/** Non-personal context of an event, e.g. a transition's from/to. */
export type AuditDetails = Record<string, string | number | boolean | null | string[]>;

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId?: string | null;
  /** The consulate the event belongs to; defaults to the actor's. */
  consulateId?: string | null;
  /** Names of changed fields — never their values. */
  changedFields?: string[];
  details?: AuditDetails;
}

/** Who an audit event is attributed to when no request carries it (seeding, jobs). */
export const SYSTEM_ACTOR = { kind: 'system' } as const;
export const SYSTEM_CONTEXT: AuditContext = { actor: SYSTEM_ACTOR };
export interface AuditContext {
  readonly actor: Actor | typeof SYSTEM_ACTOR;
  readonly requestId?: string | undefined;
  /** Collects `<entity type>:<id>` of each recorded event (see RequestContext). */
  readonly touched?: Set<string> | undefined;
}

const auditSelect = {
  id: true,
  occurredAt: true,
  actorType: true,
  actorId: true,
  actorRole: true,
  consulateId: true,
  action: true,
  entityType: true,
  entityId: true,
  changedFields: true,
  details: true,
  requestId: true,
} satisfies Prisma.AuditEventSelect;

export type AuditEventRow = Prisma.AuditEventGetPayload<{ select: typeof auditSelect }>;

function actorColumns(ctx: AuditContext) {
  const actor = ctx.actor;
  switch (actor.kind) {
    case 'system':
      return { actorType: 'system' as const, actorId: null, actorRole: null, consulateId: null };
    case 'kiosk':
      return { actorType: 'kiosk' as const, actorId: actor.id, actorRole: 'kiosk', consulateId: actor.consulateId };
    case 'staff':
      return { actorType: 'staff' as const, actorId: actor.id, actorRole: actor.role, consulateId: actor.consulateId };
  }
}

/** Records one event. Pass the transaction of the change it records. */
export async function recordAudit(db: Db, ctx: AuditContext, entry: AuditEntry): Promise<void> {
  await recordAuditMany(db, ctx, [entry]);
}

export async function recordAuditMany(db: Db, ctx: AuditContext, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  for (const entry of entries) if (entry.entityId) ctx.touched?.add(`${entry.entityType}:${entry.entityId}`);
  const actor = actorColumns(ctx);
  await db.auditEvent.createMany({
    data: entries.map((entry) => ({
      ...actor,
      consulateId: entry.consulateId === undefined ? actor.consulateId : entry.consulateId,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId ?? null,
      changedFields: entry.changedFields ?? [],
      ...(entry.details ? { details: entry.details } : {}),
      requestId: ctx.requestId ?? null,
    })),
  });
}

export interface AuditFilter {
  consulateId?: string;
  entityType?: string;
  entityId?: string;
  actorId?: string;
  action?: string;
  from?: Date;
  to?: Date;
  /** Keyset `where` after the cursor (see lib/pagination). */
  after?: Record<string, unknown>;
}

export async function listAuditEvents(db: Db, filter: AuditFilter, take: number): Promise<AuditEventRow[]> {
  const where: Prisma.AuditEventWhereInput = {
    ...(filter.consulateId ? { consulateId: filter.consulateId } : {}),
    ...(filter.entityType ? { entityType: filter.entityType } : {}),
    ...(filter.entityId ? { entityId: filter.entityId } : {}),
    ...(filter.actorId ? { actorId: filter.actorId } : {}),
    ...(filter.action ? { action: filter.action } : {}),
    ...(filter.from || filter.to
      ? { occurredAt: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) } }
      : {}),
  };
  return db.auditEvent.findMany({
    where: filter.after ? { AND: [where, filter.after] } : where,
    orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }],
    take,
    select: auditSelect,
  });
}
