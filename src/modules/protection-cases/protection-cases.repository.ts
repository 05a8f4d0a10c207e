import type { Db } from '../../db/client.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import type { RequestContext } from '../../lib/access.ts';
import type { ProtectionState } from './protection-cases.states.ts';

export const caseSelect = {
  id: true,
  reference: true,
  consulateId: true,
  originConsulateId: true,
  personId: true,
  category: true,
  priority: true,
  confidential: true,
  summary: true,
  consentGiven: true,
  consentGivenBy: true,
  consentRecordedAt: true,
  consentChannel: true,
  state: true,
  assignedToId: true,
  escalated: true,
  escalatedAt: true,
  openedAt: true,
  firstActionDueAt: true,
  firstActionAt: true,
  resolvedAt: true,
  closedAt: true,
  version: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.ProtectionCaseSelect;

export type CaseRow = Prisma.ProtectionCaseGetPayload<{ select: typeof caseSelect }>;

export function findCase(db: Db, where: Prisma.ProtectionCaseWhereInput): Promise<CaseRow | null> {
  return db.protectionCase.findFirst({ where, select: caseSelect });
}

export function listCases(
  db: Db,
  where: Prisma.ProtectionCaseWhereInput,
  orderBy: Prisma.ProtectionCaseOrderByWithRelationInput[],
  take: number,
): Promise<CaseRow[]> {
  return db.protectionCase.findMany({ where, orderBy, take, select: caseSelect });
}

/** Updates only at `version` (and bumps it); null when someone changed it first. */
export async function updateCaseAtVersion(
  db: Db,
  id: string,
  version: number,
  data: Prisma.ProtectionCaseUncheckedUpdateManyInput,
): Promise<CaseRow | null> {
  const { count } = await db.protectionCase.updateMany({
    where: { id, version },
    data: { ...data, version: { increment: 1 } },
  });
  return count === 1 ? findCase(db, { id }) : null;
}

export interface CaseEventInput {
  caseId: string;
  consulateId: string;
  kind: 'transition' | 'transfer' | 'escalation' | 'confidentiality' | 'assignment';
  at: Date;
  fromState?: ProtectionState;
  toState?: ProtectionState;
  fromConsulateId?: string;
  toConsulateId?: string;
  reason?: string | null;
  details?: Record<string, string | number | boolean | null>;
}

export async function appendCaseEvent(db: Db, ctx: RequestContext, event: CaseEventInput): Promise<void> {
  await db.protectionCaseEvent.create({
    data: {
      caseId: event.caseId,
      consulateId: event.consulateId,
      kind: event.kind,
      fromState: event.fromState ?? null,
      toState: event.toState ?? null,
      fromConsulateId: event.fromConsulateId ?? null,
      toConsulateId: event.toConsulateId ?? null,
      reason: event.reason ?? null,
      actorId: ctx.actor.id,
      actorRole: ctx.actor.role,
      at: event.at,
      ...(event.details ? { details: event.details } : {}),
    },
  });
}

export function historyOf(db: Db, caseId: string) {
  return db.protectionCaseEvent.findMany({
    where: { caseId },
    orderBy: [{ at: 'asc' }, { seq: 'asc' }],
    select: {
      id: true,
      kind: true,
      fromState: true,
      toState: true,
      fromConsulateId: true,
      toConsulateId: true,
      consulateId: true,
      reason: true,
      actorId: true,
      actorRole: true,
      details: true,
      at: true,
    },
  });
}

export const noteSelect = {
  id: true,
  caseId: true,
  kind: true,
  body: true,
  correctsNoteId: true,
  authorId: true,
  authorRole: true,
  createdAt: true,
} satisfies Prisma.ProtectionNoteSelect;

export const referralSelect = {
  id: true,
  caseId: true,
  organization: true,
  kind: true,
  contact: true,
  notes: true,
  status: true,
  createdById: true,
  version: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.ProtectionReferralSelect;

export type ReferralRow = Prisma.ProtectionReferralGetPayload<{ select: typeof referralSelect }>;
