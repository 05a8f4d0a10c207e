import type { Db } from '../../db/client.ts';
import { assertCan, type RequestContext } from '../../lib/access.ts';
import { NotFoundError } from '../../lib/errors.ts';
import { afterCursor, createdDesc, toPage } from '../../lib/pagination.ts';
import { listAuditEvents, type AuditEventRow } from './audit.repository.ts';

export interface AuditListInput {
  limit: number;
  cursor?: string;
  consulateId?: string;
  entityType?: string;
  entityId?: string;
  actorId?: string;
  action?: string;
  from?: string;
  to?: string;
}

export function toAuditJson(row: AuditEventRow) {
  return {
    ...row,
    occurredAt: row.occurredAt.toISOString(),
    details: (row.details ?? null) as Record<string, unknown> | null,
  };
}

/**
 * A protection case keeps one unbroken audit trail across transfers: the
 * consulate that holds it now sees the events recorded at the consulates that
 * held it before, when it asks for that case's trail.
 */
async function holdsWholeTrail(db: Db, own: string | null, input: AuditListInput): Promise<boolean> {
  if (own === null || input.entityType !== 'protection_case' || !input.entityId) return false;
  const held = await db.protectionCase.findFirst({
    where: { id: input.entityId, consulateId: own },
    select: { id: true },
  });
  return held !== null;
}

export async function listAudit(db: Db, ctx: RequestContext, input: AuditListInput) {
  assertCan(ctx.actor, 'audit:read');
  const own = ctx.actor.consulateId;
  // A supervisor asking for another consulate's events sees none of them.
  if (own !== null && input.consulateId !== undefined && input.consulateId !== own) {
    throw new NotFoundError('Consulate');
  }
  const rows = await listAuditEvents(
    db,
    {
      consulateId: (await holdsWholeTrail(db, own, input)) ? undefined : (own ?? input.consulateId),
      entityType: input.entityType,
      entityId: input.entityId,
      actorId: input.actorId,
      action: input.action,
      from: input.from ? new Date(input.from) : undefined,
      to: input.to ? new Date(input.to) : undefined,
      after: afterCursor(input.cursor, createdDesc('occurredAt')),
    },
    input.limit + 1,
  );
  return toPage(rows, input.limit, (r) => [r.occurredAt.toISOString(), r.id], toAuditJson);
}
