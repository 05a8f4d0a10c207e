import type { z } from 'zod';
import type { AppConfig } from '../../config/env.ts';
import type { PrismaClient, Tx } from '../../db/client.ts';
import { created, writeTransaction, type Answer } from '../../db/transaction.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { assertCan, consulateScope, targetConsulate, type RequestContext } from '../../lib/access.ts';
import { localDate } from '../../lib/calendar.ts';
import { etagOf } from '../../lib/etag.ts';
import type { Clock } from '../../lib/clock.ts';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
} from '../../lib/errors.ts';
import { afterCursor, createdDesc, toPage } from '../../lib/pagination.ts';
import { caseWhere } from './protection-cases.filters.ts';
import { formatReference, nextInSeries } from '../../lib/references.ts';
import { recordAudit, recordAuditMany } from '../audit/audit.repository.ts';
import { logAccess, type AccessPurpose } from '../access-log/access-log.repository.ts';

import { emitEvent } from '../webhooks/webhooks.events.ts';
import { caseEvent } from '../webhooks/webhooks.payloads.ts';
import { assertAssignee } from '../staff/staff.repository.ts';
import {
  appendCaseEvent,
  caseSelect,
  findCase,
  historyOf,
  listCases,
  noteSelect,
  referralSelect,
  updateCaseAtVersion,
  type CaseRow,
  type ReferralRow,
} from './protection-cases.repository.ts';
import type {
  caseListQuery,
  createCaseBody,
  noteBody,
  referralBody,
  updateCaseBody,
} from './protection-cases.schemas.ts';
import {
  CASE_MACHINE,
  allowedCaseTargets,
  CONFIDENTIAL_BY_DEFAULT,
  REFERRAL_TRANSITIONS,
  type ProtectionState,
  type ReferralStatus,
} from './protection-cases.states.ts';

type CreateInput = z.output<typeof createCaseBody>;
type UpdateInput = z.output<typeof updateCaseBody>;
/** The access-log action of each kind of case read. */
const READ_ACTIONS = {
  get: 'read',
  list: 'list',
  notes: 'notes_read',
  referrals: 'referrals_read',
  history: 'history_read',
};

type ListInput = z.output<typeof caseListQuery>;
type NoteInput = z.output<typeof noteBody>;
type ReferralInput = z.output<typeof referralBody>;

const HOUR = 3_600_000;

export function toCaseJson(row: CaseRow, now: Date) {
  const overdue = row.firstActionAt === null && now > row.firstActionDueAt;
  return {
    id: row.id,
    reference: row.reference,
    consulateId: row.consulateId,
    originConsulateId: row.originConsulateId,
    personId: row.personId,
    category: row.category,
    priority: row.priority,
    confidential: row.confidential,
    summary: row.summary,
    consent: {
      given: row.consentGiven,
      givenBy: row.consentGivenBy,
      recordedAt: row.consentRecordedAt.toISOString(),
      channel: row.consentChannel,
    },
    state: row.state,
    assignedToId: row.assignedToId,
    escalated: row.escalated,
    escalatedAt: row.escalatedAt?.toISOString() ?? null,
    openedAt: row.openedAt.toISOString(),
    firstActionDueAt: row.firstActionDueAt.toISOString(),
    firstActionAt: row.firstActionAt?.toISOString() ?? null,
    overdue,
    minutesLate: overdue ? Math.floor((now.getTime() - row.firstActionDueAt.getTime()) / 60_000) : null,
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    closedAt: row.closedAt?.toISOString() ?? null,
    allowedTransitions: allowedCaseTargets(row.state),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export type CaseJson = ReturnType<typeof toCaseJson>;

function toReferralJson(row: ReferralRow) {
  return { ...row, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}

export class ProtectionCasesService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  private dueFrom(openedAt: Date, priority: CaseRow['priority']): Date {
    return new Date(openedAt.getTime() + this.config.protectionFirstActionHours[priority] * HOUR);
  }

  async create(ctx: RequestContext, input: CreateInput): Promise<Answer<CaseJson>> {
    assertCan(ctx.actor, 'protection:write');
    const consulateId = targetConsulate(ctx.actor, input.consulateId);
    const confidentialByDefault = CONFIDENTIAL_BY_DEFAULT.has(input.category);
    if (confidentialByDefault && input.confidential === false) {
      throw new BadRequestError(
        `${input.category} cases start confidential; a supervisor may lift it later, with a reason.`,
        [{ path: 'body.confidential', message: `cannot be false for ${input.category} at intake` }],
      );
    }
    const now = this.clock.now();
    return writeTransaction(this.prisma, ctx, async (tx) => {
      const consulate = await tx.consulate.findUnique({
        where: { id: consulateId },
        select: { code: true, timeZone: true },
      });
      if (!consulate) throw new NotFoundError('Consulate');
      if (input.personId) {
        const person = await tx.person.findFirst({
          where: { id: input.personId, consulateId, anonymisedAt: null },
          select: { id: true },
        });
        if (!person) throw new NotFoundError('Person');
      }
      const year = Number(localDate(now, consulate.timeZone).slice(0, 4));
      const sequence = await nextInSeries(tx, consulateId, 'P', year);
      const opened = await tx.protectionCase.create({
        data: {
          reference: formatReference(consulate.code, year, sequence, 'P'),
          consulateId,
          originConsulateId: consulateId,
          personId: input.personId ?? null,
          category: input.category,
          priority: input.priority,
          confidential: input.confidential ?? confidentialByDefault,
          summary: input.summary,
          consentGiven: input.consent.given,
          consentGivenBy: input.consent.givenBy,
          consentRecordedAt: new Date(input.consent.recordedAt),
          consentChannel: input.consent.channel,
          openedAt: now,
          firstActionDueAt: this.dueFrom(now, input.priority),
        },
        select: caseSelect,
      });
      await appendCaseEvent(tx, ctx, { caseId: opened.id, consulateId, kind: 'transition', toState: 'open', at: now });
      await recordAudit(tx, ctx, {
        action: 'protection_case.create',
        entityType: 'protection_case',
        entityId: opened.id,
        consulateId,
        changedFields: Object.keys(input).filter((k) => k !== 'consulateId'),
        details: { category: opened.category, priority: opened.priority, confidential: opened.confidential },
      });
      return created(toCaseJson(opened, now), {
        etag: etagOf(opened.version),
        location: `/v1/protection-cases/${opened.id}`,
      });
    });
  }

  async get(ctx: RequestContext, id: string, purpose?: AccessPurpose): Promise<CaseJson> {
    assertCan(ctx.actor, 'protection:read');
    return this.prisma.$transaction(async (tx) => {
      const row = await this.visible(tx, ctx, id);
      await this.recordReads(tx, ctx, [row], 'get', purpose);
      return toCaseJson(row, this.clock.now());
    });
  }

  /**
   * Keyset-paginated list. `overdue=true` sorts by how late the first action
   * is (most late first); otherwise newest first. Every confidential case
   * returned is an audit event.
   */
  async list(ctx: RequestContext, input: ListInput) {
    assertCan(ctx.actor, 'protection:read');
    const scope = consulateScope(ctx.actor);
    if (scope.consulateId && input.consulateId && input.consulateId !== scope.consulateId) {
      return { data: [], nextCursor: null };
    }
    const now = this.clock.now();
    const byLateness = input.overdue === true;
    const after = afterCursor(
      input.cursor,
      byLateness
        ? [
            { field: 'firstActionDueAt', order: 'asc', kind: 'instant' },
            { field: 'id', order: 'asc', kind: 'uuid' },
          ]
        : createdDesc('openedAt'),
    );
    const { limit: _limit, cursor: _cursor, purpose, ...filter } = input;
    const where: Prisma.ProtectionCaseWhereInput = { AND: [scope, caseWhere(this.prisma, filter, now), after] };
    const orderBy: Prisma.ProtectionCaseOrderByWithRelationInput[] = byLateness
      ? [{ firstActionDueAt: 'asc' }, { id: 'asc' }]
      : [{ openedAt: 'desc' }, { id: 'desc' }];
    return this.prisma.$transaction(async (tx) => {
      const rows = await listCases(tx, where, orderBy, input.limit + 1);
      await this.recordReads(tx, ctx, rows.slice(0, input.limit), 'list', purpose);
      return toPage(
        rows,
        input.limit,
        (r) => (byLateness ? [r.firstActionDueAt.toISOString(), r.id] : [r.openedAt.toISOString(), r.id]),
        (r) => toCaseJson(r, now),
      );
    });
  }

  /** Summary, category, priority, and linking the person of an anonymous first contact. */
  async update(ctx: RequestContext, id: string, version: number, input: UpdateInput): Promise<CaseJson> {
    assertCan(ctx.actor, 'protection:write');
    const now = this.clock.now();
    return this.prisma.$transaction(async (tx) => {
      const current = await this.visible(tx, ctx, id);
      if (current.version !== version) throw new PreconditionFailedError();
      const data: Prisma.ProtectionCaseUncheckedUpdateManyInput = {};
      if (input.summary !== undefined) data.summary = input.summary;
      if (input.personId !== undefined) {
        const person = await tx.person.findFirst({
          where: { id: input.personId, consulateId: current.consulateId, anonymisedAt: null },
          select: { id: true },
        });
        if (!person) throw new NotFoundError('Person');
        data.personId = input.personId;
      }
      if (input.priority !== undefined && input.priority !== current.priority) {
        data.priority = input.priority;
        // Until the first action is taken, its due time follows the priority.
        if (current.firstActionAt === null) data.firstActionDueAt = this.dueFrom(current.openedAt, input.priority);
      }
      const becomesConfidential =
        input.category !== undefined && CONFIDENTIAL_BY_DEFAULT.has(input.category) && !current.confidential;
      if (input.category !== undefined) data.category = input.category;
      if (becomesConfidential) data.confidential = true;
      const row = await updateCaseAtVersion(tx, id, version, data);
      if (!row) throw new PreconditionFailedError();
      if (becomesConfidential) {
        await appendCaseEvent(tx, ctx, {
          caseId: id,
          consulateId: row.consulateId,
          kind: 'confidentiality',
          at: now,
          details: { confidential: true },
        });
      }
      await recordAudit(tx, ctx, {
        action: 'protection_case.update',
        entityType: 'protection_case',
        entityId: id,
        consulateId: row.consulateId,
        changedFields: Object.keys(data),
      });
      return toCaseJson(row, now);
    });
  }

  async assign(ctx: RequestContext, id: string, staffId: string | null): Promise<CaseJson> {
    assertCan(ctx.actor, 'protection:write');
    const now = this.clock.now();
    return this.prisma.$transaction(async (tx) => {
      const current = await this.visible(tx, ctx, id);
      if (staffId !== null) {
        await assertAssignee(tx, {
          consulateId: current.consulateId,
          staffId,
          roles: ['protection_officer', 'supervisor'],
          work: 'Protection cases',
          roleNames: 'protection officers or supervisors',
        });
      }
      const row = await updateCaseAtVersion(tx, id, current.version, { assignedToId: staffId });
      if (!row) throw new PreconditionFailedError('The case changed while it was being assigned: retry.');
      await appendCaseEvent(tx, ctx, {
        caseId: id,
        consulateId: row.consulateId,
        kind: 'assignment',
        at: now,
        details: { assignedToId: staffId },
      });
      await recordAudit(tx, ctx, {
        action: 'protection_case.assign',
        entityType: 'protection_case',
        entityId: id,
        consulateId: row.consulateId,
        changedFields: ['assignedToId'],
      });
      return toCaseJson(row, now);
    });
  }

  /** Order of refusals as for documentation requests: reason (400), If-Match (412), not a move (409), role (403). */
  async transition(
    ctx: RequestContext,
    id: string,
    version: number,
    to: ProtectionState,
    reason: string | undefined,
  ): Promise<CaseJson> {
    assertCan(ctx.actor, 'protection:write');
    CASE_MACHINE.assertReason(to, reason);
    const now = this.clock.now();
    return this.prisma.$transaction(async (tx) => {
      const current = await this.visible(tx, ctx, id);
      if (current.version !== version) throw new PreconditionFailedError();
      CASE_MACHINE.authorize(current.state, to, ctx.actor.role);
      const data: Prisma.ProtectionCaseUncheckedUpdateManyInput = { state: to };
      if (current.state === 'open' && current.firstActionAt === null) data.firstActionAt = now;
      if (to === 'resolved') data.resolvedAt = now;
      if (to === 'closed') data.closedAt = now;
      if (to === 'reopened') {
        data.resolvedAt = null;
        data.closedAt = null;
      }
      const row = await updateCaseAtVersion(tx, id, version, data);
      if (!row) throw new PreconditionFailedError();
      await appendCaseEvent(tx, ctx, {
        caseId: id,
        consulateId: row.consulateId,
        kind: 'transition',
        fromState: current.state,
        toState: to,
        reason: reason ?? null,
        at: now,
      });
      await recordAudit(tx, ctx, {
        action: 'protection_case.transition',
        entityType: 'protection_case',
        entityId: id,
        consulateId: row.consulateId,
        changedFields: Object.keys(data),
        details: { from: current.state, to },
      });
      return toCaseJson(row, now);
    });
  }

  /** Anyone on the team makes a case confidential; only supervisors and admins lift it, with a reason. */
  async setConfidentiality(
    ctx: RequestContext,
    id: string,
    confidential: boolean,
    reason: string | undefined,
  ): Promise<CaseJson> {
    assertCan(ctx.actor, 'protection:write');
    if (!confidential && ctx.actor.role !== 'supervisor' && ctx.actor.role !== 'admin') {
      throw new ForbiddenError('Only a supervisor or an admin lifts confidentiality.');
    }
    if (!confidential && !reason) {
      throw new BadRequestError('A reason is required to lift confidentiality.', [
        { path: 'body.reason', message: 'is required to lift confidentiality' },
      ]);
    }
    const now = this.clock.now();
    return this.prisma.$transaction(async (tx) => {
      const current = await this.visible(tx, ctx, id);
      if (current.confidential === confidential) return toCaseJson(current, now);
      const row = await updateCaseAtVersion(tx, id, current.version, { confidential });
      if (!row) throw new PreconditionFailedError('The case changed meanwhile: retry.');
      await appendCaseEvent(tx, ctx, {
        caseId: id,
        consulateId: row.consulateId,
        kind: 'confidentiality',
        reason: reason ?? null,
        at: now,
        details: { confidential },
      });
      await recordAudit(tx, ctx, {
        action: confidential ? 'protection_case.make_confidential' : 'protection_case.lift_confidentiality',
        entityType: 'protection_case',
        entityId: id,
        consulateId: row.consulateId,
        changedFields: ['confidential'],
      });
      return toCaseJson(row, now);
    });
  }

  /** To another consulate, with its whole history; the old consulate loses access. */
  async transfer(ctx: RequestContext, id: string, consulateId: string, reason: string): Promise<CaseJson> {
    assertCan(ctx.actor, 'protection:write');
    if (ctx.actor.role !== 'supervisor' && ctx.actor.role !== 'admin') {
      throw new ForbiddenError('Only the consulate’s supervisor (or an admin) transfers a case.');
    }
    const now = this.clock.now();
    return this.prisma.$transaction(async (tx) => {
      const current = await this.visible(tx, ctx, id);
      if (current.consulateId === consulateId)
        throw new ConflictError('The case is already at this consulate.', 'same-consulate');
      const target = await tx.consulate.findUnique({ where: { id: consulateId }, select: { status: true } });
      if (!target) throw new NotFoundError('Consulate');
      if (target.status === 'closed')
        throw new ConflictError('The consulate is closed and takes no cases.', 'consulate-closed');
      // The assignee belongs to the old consulate.
      const row = await updateCaseAtVersion(tx, id, current.version, { consulateId, assignedToId: null });
      if (!row) throw new PreconditionFailedError('The case changed meanwhile: retry.');
      await appendCaseEvent(tx, ctx, {
        caseId: id,
        consulateId: current.consulateId,
        kind: 'transfer',
        fromConsulateId: current.consulateId,
        toConsulateId: consulateId,
        reason,
        at: now,
      });
      await recordAudit(tx, ctx, {
        action: 'protection_case.transfer',
        entityType: 'protection_case',
        entityId: id,
        consulateId: current.consulateId,
        changedFields: ['consulateId', 'assignedToId'],
        details: { fromConsulateId: current.consulateId, toConsulateId: consulateId },
      });
      await emitEvent(
        tx,
        caseEvent('protection_case.transferred', row, now, {
          fromConsulateId: current.consulateId,
          toConsulateId: consulateId,
        }),
      );
      return toCaseJson(row, now);
    });
  }

  async escalate(ctx: RequestContext, id: string, reason: string): Promise<CaseJson> {
    assertCan(ctx.actor, 'protection:write');
    const now = this.clock.now();
    return this.prisma.$transaction(async (tx) => {
      const current = await this.visible(tx, ctx, id);
      if (current.escalated)
        throw new ConflictError('The case is already escalated to headquarters.', 'already-escalated');
      const row = await updateCaseAtVersion(tx, id, current.version, { escalated: true, escalatedAt: now });
      if (!row) throw new PreconditionFailedError('The case changed meanwhile: retry.');
      await appendCaseEvent(tx, ctx, { caseId: id, consulateId: row.consulateId, kind: 'escalation', reason, at: now });
      await recordAudit(tx, ctx, {
        action: 'protection_case.escalate',
        entityType: 'protection_case',
        entityId: id,
        consulateId: row.consulateId,
        changedFields: ['escalated', 'escalatedAt'],
      });
      await emitEvent(tx, caseEvent('protection_case.escalated', row, now));
      return toCaseJson(row, now);
    });
  }

  /** Append-only notes; the first note is the case's first action. */
  async addNote(ctx: RequestContext, id: string, input: NoteInput) {
    assertCan(ctx.actor, 'protection:write');
    const now = this.clock.now();
    return writeTransaction(this.prisma, ctx, async (tx) => {
      const current = await this.visible(tx, ctx, id);
      if (input.correctsNoteId) {
        const corrected = await tx.protectionNote.findFirst({
          where: { id: input.correctsNoteId, caseId: id },
          select: { id: true },
        });
        if (!corrected) {
          throw new BadRequestError('A correction points at a note of the same case.', [
            { path: 'body.correctsNoteId', message: 'is not a note of this case' },
          ]);
        }
      }
      const note = await tx.protectionNote.create({
        data: {
          caseId: id,
          kind: input.kind,
          body: input.body,
          correctsNoteId: input.correctsNoteId ?? null,
          authorId: ctx.actor.id,
          authorRole: ctx.actor.role,
          createdAt: now,
        },
        select: noteSelect,
      });
      if (current.firstActionAt === null) {
        await tx.protectionCase.update({ where: { id }, data: { firstActionAt: now, version: { increment: 1 } } });
      }
      await recordAudit(tx, ctx, {
        action: 'protection_case.note',
        entityType: 'protection_case',
        entityId: id,
        consulateId: current.consulateId,
        changedFields: ['notes', ...(current.firstActionAt === null ? ['firstActionAt'] : [])],
        details: { noteId: note.id, kind: note.kind },
      });
      return created({ ...note, createdAt: note.createdAt.toISOString() });
    });
  }

  async listNotes(ctx: RequestContext, id: string, input: { limit: number; cursor?: string; purpose?: AccessPurpose }) {
    assertCan(ctx.actor, 'protection:read');
    return this.prisma.$transaction(async (tx) => {
      const current = await this.visible(tx, ctx, id);
      // Oldest first; `seq` orders notes written in the same instant.
      const after = afterCursor(input.cursor, [{ field: 'seq', order: 'asc', kind: 'bigint' }]);
      const rows = await tx.protectionNote.findMany({
        where: { caseId: id, ...after },
        orderBy: [{ seq: 'asc' }],
        take: input.limit + 1,
        select: { ...noteSelect, seq: true },
      });
      await this.recordReads(tx, ctx, [current], 'notes', input.purpose);
      return toPage(
        rows,
        input.limit,
        (r) => [String(r.seq)],
        ({ seq: _seq, ...r }) => ({ ...r, createdAt: r.createdAt.toISOString() }),
      );
    });
  }

  async addReferral(ctx: RequestContext, id: string, input: ReferralInput) {
    assertCan(ctx.actor, 'protection:write');
    const now = this.clock.now();
    return writeTransaction(this.prisma, ctx, async (tx) => {
      const current = await this.visible(tx, ctx, id);
      if (current.state === 'closed')
        throw new ConflictError('A closed case takes no referrals: reopen it first.', 'case-closed');
      const referral = await tx.protectionReferral.create({
        data: {
          caseId: id,
          organization: input.organization,
          kind: input.kind,
          contact: input.contact ?? null,
          notes: input.notes ?? null,
          createdById: ctx.actor.id,
          createdAt: now,
        },
        select: referralSelect,
      });
      await recordAudit(tx, ctx, {
        action: 'protection_case.referral_create',
        entityType: 'protection_case',
        entityId: id,
        consulateId: current.consulateId,
        changedFields: Object.keys(input),
        details: { referralId: referral.id, kind: referral.kind },
      });
      return created(toReferralJson(referral), { etag: etagOf(referral.version) });
    });
  }

  async listReferrals(ctx: RequestContext, id: string, purpose?: AccessPurpose) {
    assertCan(ctx.actor, 'protection:read');
    return this.prisma.$transaction(async (tx) => {
      const current = await this.visible(tx, ctx, id);
      const rows = await tx.protectionReferral.findMany({
        where: { caseId: id },
        orderBy: { createdAt: 'asc' },
        select: referralSelect,
      });
      await this.recordReads(tx, ctx, [current], 'referrals', purpose);
      return { data: rows.map(toReferralJson) };
    });
  }

  async updateReferral(ctx: RequestContext, id: string, referralId: string, version: number, status: ReferralStatus) {
    assertCan(ctx.actor, 'protection:write');
    return this.prisma.$transaction(async (tx) => {
      const current = await this.visible(tx, ctx, id);
      const referral = await tx.protectionReferral.findFirst({
        where: { id: referralId, caseId: id },
        select: referralSelect,
      });
      if (!referral) throw new NotFoundError('Referral');
      if (referral.version !== version) throw new PreconditionFailedError();
      if (!REFERRAL_TRANSITIONS[referral.status].includes(status)) {
        const allowed = REFERRAL_TRANSITIONS[referral.status];
        throw new ConflictError(
          `A ${referral.status} referral cannot become ${status}. Allowed: ${allowed.join(', ') || 'none'}.`,
          'illegal-transition',
          { currentStatus: referral.status, allowedStatuses: allowed },
        );
      }
      const { count } = await tx.protectionReferral.updateMany({
        where: { id: referralId, version },
        data: { status, version: { increment: 1 } },
      });
      if (count !== 1) throw new PreconditionFailedError();
      await recordAudit(tx, ctx, {
        action: 'protection_case.referral_update',
        entityType: 'protection_case',
        entityId: id,
        consulateId: current.consulateId,
        changedFields: ['status'],
        details: { referralId, from: referral.status, to: status },
      });
      return toReferralJson(
        await tx.protectionReferral.findUniqueOrThrow({ where: { id: referralId }, select: referralSelect }),
      );
    });
  }

  /** One unbroken history, across transfers: whoever holds the case now sees all of it. */
  async history(ctx: RequestContext, id: string, purpose?: AccessPurpose) {
    assertCan(ctx.actor, 'protection:read');
    return this.prisma.$transaction(async (tx) => {
      const current = await this.visible(tx, ctx, id);
      const events = await historyOf(tx, id);
      await this.recordReads(tx, ctx, [current], 'history', purpose);
      return {
        data: events.map((e) => ({
          ...e,
          details: (e.details ?? null) as Record<string, unknown> | null,
          at: e.at.toISOString(),
        })),
      };
    });
  }

  private async visible(db: Tx, ctx: RequestContext, id: string): Promise<CaseRow> {
    const row = await findCase(db, { id, ...consulateScope(ctx.actor) });
    if (!row) throw new NotFoundError('Protection case');
    return row;
  }

  /**
   * SPEC §1: every read of a confidential case is an audit event (one per case
   * a list returns), with the stated purpose; the other cases of a person go
   * to the access log (issue 13 §2), so each read is recorded once.
   */
  private async recordReads(
    db: Tx,
    ctx: RequestContext,
    rows: readonly CaseRow[],
    via: 'get' | 'list' | 'notes' | 'referrals' | 'history',
    purpose: AccessPurpose | undefined,
  ): Promise<void> {
    await recordAuditMany(
      db,
      ctx,
      rows
        .filter((r) => r.confidential)
        .map((r) => ({
          action: 'protection_case.confidential_read',
          entityType: 'protection_case',
          entityId: r.id,
          consulateId: r.consulateId,
          details: { via, ...(purpose ? { purpose } : {}) },
        })),
    );
    await logAccess(
      db,
      ctx,
      rows
        .filter((r) => !r.confidential && r.personId !== null)
        .map((r) => ({
          personId: r.personId!,
          entityType: 'protection_case',
          entityId: r.id,
          action: `protection_case.${READ_ACTIONS[via]}`,
          purpose,
        })),
    );
  }
}
