import type { Db } from '../../db/client.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import type { RequestContext } from '../../lib/access.ts';
import type { TimelineTransition } from './documentation-requests.deadlines.ts';
import type { DocumentationState } from './documentation-requests.states.ts';

export const requestSelect = {
  id: true,
  reference: true,
  consulateId: true,
  personId: true,
  type: true,
  details: true,
  state: true,
  potentialDuplicate: true,
  feePending: true,
  emergency: true,
  feeCents: true,
  paidCents: true,
  assignedToId: true,
  submittedAt: true,
  resolvedAt: true,
  issuedAt: true,
  cancelledAt: true,
  turnaroundDays: true,
  turnaroundBusinessDays: true,
  dueAt: true,
  deadlineDays: true,
  infoDeadlineDays: true,
  version: true,
  createdAt: true,
  updatedAt: true,
  person: {
    select: {
      id: true,
      givenNames: true,
      firstSurname: true,
      secondSurname: true,
      dateOfBirth: true,
      outsideJurisdiction: true,
    },
  },
} satisfies Prisma.DocumentationRequestSelect;

export type RequestRow = Prisma.DocumentationRequestGetPayload<{ select: typeof requestSelect }>;

export function findRequest(db: Db, where: Prisma.DocumentationRequestWhereInput): Promise<RequestRow | null> {
  return db.documentationRequest.findFirst({ where, select: requestSelect });
}

export function listRequests(
  db: Db,
  where: Prisma.DocumentationRequestWhereInput,
  take: number,
): Promise<RequestRow[]> {
  return db.documentationRequest.findMany({
    where,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take,
    select: requestSelect,
  });
}

/** Updates only at `version` (and bumps it); null when someone else changed it first. */
export async function updateRequestAtVersion(
  db: Db,
  id: string,
  version: number,
  data: Prisma.DocumentationRequestUncheckedUpdateManyInput,
): Promise<RequestRow | null> {
  const { count } = await db.documentationRequest.updateMany({
    where: { id, version },
    data: { ...data, version: { increment: 1 } },
  });
  return count === 1 ? findRequest(db, { id }) : null;
}

/** State transitions of requests, in time order, by request id. */
export async function transitionsOf(db: Db, requestIds: readonly string[]): Promise<Map<string, TimelineTransition[]>> {
  const rows = await db.documentationRequestEvent.findMany({
    where: { requestId: { in: [...requestIds] }, kind: 'transition' },
    orderBy: [{ at: 'asc' }, { seq: 'asc' }],
    select: { requestId: true, fromState: true, toState: true, at: true },
  });
  const map = new Map<string, TimelineTransition[]>(requestIds.map((id) => [id, []]));
  for (const r of rows) map.get(r.requestId)!.push(r);
  return map;
}

export interface EventInput {
  requestId: string;
  consulateId: string;
  kind: 'transition' | 'flag_cleared' | 'payment' | 'assignment' | 'details_updated';
  fromState?: DocumentationState | null;
  toState?: DocumentationState | null;
  reason?: string | null;
  details?: Record<string, string | number | boolean | null | string[]>;
  at?: Date;
}

export async function appendEvent(db: Db, ctx: RequestContext, event: EventInput): Promise<void> {
  await db.documentationRequestEvent.create({
    data: {
      requestId: event.requestId,
      consulateId: event.consulateId,
      kind: event.kind,
      fromState: event.fromState ?? null,
      toState: event.toState ?? null,
      reason: event.reason ?? null,
      actorId: ctx.actor.id,
      actorRole: ctx.actor.role,
      ...(event.details ? { details: event.details } : {}),
      ...(event.at ? { at: event.at } : {}),
    },
  });
}

export function timelineOf(db: Db, requestId: string) {
  return db.documentationRequestEvent.findMany({
    where: { requestId },
    orderBy: [{ at: 'asc' }, { seq: 'asc' }],
    select: {
      id: true,
      kind: true,
      fromState: true,
      toState: true,
      reason: true,
      actorId: true,
      actorRole: true,
      details: true,
      at: true,
    },
  });
}
