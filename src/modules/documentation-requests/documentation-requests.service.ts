import type { z } from 'zod';
import type { AppConfig } from '../../config/env.ts';
import type { PrismaClient, Tx } from '../../db/client.ts';
import { created, joinSqlTransaction, writeTransaction, type Answer } from '../../db/transaction.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { assertCan, consulateScope, targetConsulate, type RequestContext } from '../../lib/access.ts';
import { type BusinessCalendar, businessDaysBetween, dateOf, localDate } from '../../lib/calendar.ts';
import type { Clock } from '../../lib/clock.ts';
import { etagOf } from '../../lib/etag.ts';
import { BadRequestError, ConflictError, NotFoundError, PreconditionFailedError } from '../../lib/errors.ts';
import { afterCreatedDesc, decodeCursor, toPage } from '../../lib/pagination.ts';
import { nameSearchKey } from '../../lib/text.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { emitEvents, type OutboxEvent } from '../webhooks/webhooks.events.ts';
import { assertAssignee } from '../staff/staff.repository.ts';
import type { CalendarCache } from '../consulates/holidays.repository.ts';
import type pg from 'pg';
import type { Sql } from '../../db/sql.ts';
import { computeDeadline, RecentDeadlines, type TimelineTransition } from './documentation-requests.deadlines.ts';
import { documentationWhere, zonesFor } from './documentation-requests.filters.ts';
import type { AccessLogWriter } from '../access-log/access-log.writer.ts';
import {
  DETAILS_SCHEMAS,
  detailsProblems,
  SERVICE_OF_TYPE,
  type DocumentationType,
  tariffFeeCents,
  type GenderIdentityDetails,
} from './documentation-requests.details.ts';
import {
  appendEvent,
  findRequest,
  fileRequest,
  findFilingPerson,
  PERSON_CHANGED,
  KnownTransitions,
  readRequest,
  readRequests,
  timelineOf,
  transitionsOf,
  updateRequestAtVersion,
  type RequestRow,
} from './documentation-requests.repository.ts';
import type {
  createDocumentationRequestBody,
  documentationListQuery,
  updateDocumentationRequestBody,
} from './documentation-requests.schemas.ts';
import {
  DOCUMENTATION_MACHINE,
  allowedTargets,
  UNRESOLVED_STATES,
  type DocumentationFlag,
  type DocumentationState,
} from './documentation-requests.states.ts';

type CreateInput = z.output<typeof createDocumentationRequestBody>;
type UpdateInput = z.output<typeof updateDocumentationRequestBody>;
type ListInput = z.output<typeof documentationListQuery>;

function flagsOf(row: Pick<RequestRow, 'potentialDuplicate' | 'feePending' | 'emergency'>): DocumentationFlag[] {
  const flags: DocumentationFlag[] = [];
  if (row.potentialDuplicate) flags.push('potential_duplicate');
  if (row.feePending) flags.push('fee_pending');
  if (row.emergency) flags.push('emergency');
  return flags;
}

/** The answer for a request; `recent` reuses deadlines computed for the same inputs today. */
export function toRequestJson(
  row: RequestRow,
  transitions: readonly TimelineTransition[],
  calendar: BusinessCalendar,
  now: Date,
  recent?: RecentDeadlines,
) {
  const input = {
    state: row.state,
    submittedAt: row.submittedAt,
    resolvedAt: row.resolvedAt,
    deadlineDays: row.deadlineDays,
    infoDeadlineDays: row.infoDeadlineDays,
    transitions,
  };
  const deadline = recent ? recent.compute(row.id, input, calendar, now) : computeDeadline(input, calendar, now);
  const { storedDueAt: _stored, ...shown } = deadline;
  return {
    id: row.id,
    reference: row.reference,
    consulateId: row.consulateId,
    personId: row.personId,
    person: {
      id: row.person.id,
      givenNames: row.person.givenNames,
      firstSurname: row.person.firstSurname,
      secondSurname: row.person.secondSurname,
      outsideJurisdiction: row.person.outsideJurisdiction,
    },
    type: row.type,
    details: row.details as Record<string, unknown>,
    state: row.state,
    flags: flagsOf(row),
    emergency: row.emergency,
    feeCents: row.feeCents,
    paidCents: row.paidCents,
    assignedToId: row.assignedToId,
    submittedAt: row.submittedAt.toISOString(),
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    issuedAt: row.issuedAt?.toISOString() ?? null,
    dueAt: shown.dueAt,
    daysRemaining: shown.daysRemaining,
    deadline: shown,
    allowedTransitions: allowedTargets(row.state),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export type RequestJson = ReturnType<typeof toRequestJson>;

function detailsErrors(error: z.ZodError): BadRequestError {
  const errors = error.issues.map((i) => ({
    path: ['body', 'details', ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  return new BadRequestError(`${errors[0]?.path}: ${errors[0]?.message}`, errors);
}

/**
 * Recomputes and stores the due time of requests (after a transition, or when
 * the consulate's holidays change) — the stored value serves the overdue
 * filter and statistics; the timeline remains the source.
 */
export async function refreshDueDates(
  tx: Tx,
  rows: readonly RequestRow[],
  calendar: BusinessCalendar,
  now: Date,
): Promise<number> {
  if (rows.length === 0) return 0;
  const transitions = await transitionsOf(
    tx,
    rows.map((r) => r.id),
  );
  let changed = 0;
  for (const row of rows) {
    const { storedDueAt } = computeDeadline({ ...row, transitions: transitions.get(row.id)! }, calendar, now);
    const data: Prisma.DocumentationRequestUncheckedUpdateInput = {};
    if ((storedDueAt?.getTime() ?? null) !== (row.dueAt?.getTime() ?? null)) data.dueAt = storedDueAt;
    if (row.issuedAt) {
      const counted = turnaround(row.submittedAt, row.issuedAt, calendar);
      if (counted.turnaroundBusinessDays !== row.turnaroundBusinessDays) Object.assign(data, counted);
    }
    if (Object.keys(data).length > 0) {
      await tx.documentationRequest.update({ where: { id: row.id }, data });
      changed++;
    }
  }
  return changed;
}

/** Submission to issuance in the consulate's calendar: calendar days and business days. */
export function turnaround(submittedAt: Date, issuedAt: Date, calendar: BusinessCalendar) {
  const from = localDate(submittedAt, calendar.timeZone);
  const to = localDate(issuedAt, calendar.timeZone);
  return {
    turnaroundDays: Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000),
    turnaroundBusinessDays: businessDaysBetween(from, to, calendar),
  };
}

/** Types filed only at a consulate that offers their service. */
const SERVICE_CHECKED_TYPES: ReadonlySet<DocumentationType> = new Set(['notarial_act', 'legalization']);
export class DocumentationRequestsService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly calendars: CalendarCache,
    private readonly sql: Sql,
    private readonly accessLog: AccessLogWriter,
  ) {}

  /** Transitions of requests read lately, by the version they were read at (see readRequest). */
  private readonly knownTransitions = new KnownTransitions();
  /** Deadlines of requests read lately, reused for the same inputs, calendar and day. */
  private readonly recentDeadlines = new RecentDeadlines();

  /**
   * Files a request with hand-written SQL (the busiest write) in two round
   * trips: the person, whose date of birth the details are checked against,
   * then one call that takes the filing's lock and writes the request with its
   * reference number, timeline and audit event, and commits as it returns —
   * so filings of one consulate wait for one another only inside the server.
   */
  async create(ctx: RequestContext, input: CreateInput): Promise<Answer<RequestJson>> {
    assertCan(ctx.actor, 'documentation:write');
    const consulateId = targetConsulate(ctx.actor, input.consulateId);
    const now = this.clock.now();
    const calendar = await this.calendars.find(consulateId);
    if (!calendar) throw new NotFoundError('Person');
    // Notarial acts and legalizations are performed only where offered. The four
    // original types are filed as before whatever the services list says (a
    // consulate created without one still files passports): see docs/decisions.md.
    const service = SERVICE_OF_TYPE[input.type];
    if (SERVICE_CHECKED_TYPES.has(input.type) && !calendar.services.includes(service)) {
      throw new ConflictError(
        `This consulate does not offer ${service}: an admin adds the service to the consulate first.`,
        'service-not-offered',
        { servicesOffered: calendar.services },
      );
    }
    const feeCents = input.feeCents ?? tariffFeeCents(input.type, input.details) ?? 0;
    const rule = this.config.documentationDeadlines[input.type];
    const today = localDate(now, calendar.timeZone);
    const { dueAt } = computeDeadline(
      {
        state: 'submitted',
        submittedAt: now,
        resolvedAt: null,
        deadlineDays: rule.resolve,
        infoDeadlineDays: rule.information,
        transitions: [],
      },
      calendar,
      now,
    );
    const file = async (client?: pg.PoolClient): Promise<Answer<RequestJson>> => {
      for (let attempt = 1; ; attempt++) {
        const person = await findFilingPerson(this.sql, input.personId, consulateId, client);
        if (!person) throw new NotFoundError('Person');
        const problems = detailsProblems(input.type, input.details, {
          dateOfBirth: person.date_of_birth,
          today,
          emergency: input.emergency,
        });
        if (problems.length) throw new BadRequestError(`${problems[0]!.path}: ${problems[0]!.message}`, problems);
        let row: RequestRow | undefined;
        try {
          row = await fileRequest(
            this.sql,
            {
              consulateCode: calendar.code,
              consulateId,
              person,
              type: input.type,
              details: input.details,
              feeCents,
              emergency: input.emergency,
              submittedAt: now,
              dueAt: new Date(dueAt),
              deadlineDays: rule.resolve,
              infoDeadlineDays: rule.information,
              year: Number(today.slice(0, 4)),
              actorId: ctx.actor.id,
              actorRole: ctx.actor.role,
              requestId: ctx.requestId,
            },
            client,
          );
        } catch (err) {
          if ((err as { code?: unknown }).code !== PERSON_CHANGED) throw err;
          // The details were checked against a date of birth changed since:
          // outside a transaction nothing was written, so check them again.
          if (!client && attempt < 3) continue;
          throw new ConflictError(
            "The person's record changed while the request was being filed: send the request again.",
            'person-changed',
          );
        }
        if (!row) throw new NotFoundError('Person');
        return created(toRequestJson(row, [{ fromState: null, toState: 'submitted', at: now }], calendar, now), {
          etag: etagOf(row.version),
          location: `/v1/documentation-requests/${row.id}`,
        });
      }
    };
    // Without an Idempotency-Key the filing is one call that commits as it
    // returns; with one, the key's claim and stored answer share its transaction.
    if (!ctx.participant) return file();
    return this.sql.transaction((client) => joinSqlTransaction(client, ctx, () => file(client)));
  }

  /** One statement: the request, its person's names and its transitions, in the actor's scope. */
  async get(ctx: RequestContext, id: string): Promise<RequestJson> {
    assertCan(ctx.actor, 'documentation:read');
    const found = await readRequest(
      this.sql,
      this.accessLog,
      this.knownTransitions,
      ctx,
      id,
      consulateScope(ctx.actor).consulateId ?? null,
    );
    if (!found) throw new NotFoundError('Documentation request');
    const calendar = await this.calendars.get(found.row.consulateId);
    return toRequestJson(found.row, found.transitions, calendar, this.clock.now(), this.recentDeadlines);
  }

  async list(ctx: RequestContext, input: ListInput) {
    assertCan(ctx.actor, 'documentation:read');
    const scope = consulateScope(ctx.actor);
    if (scope.consulateId && input.consulateId && input.consulateId !== scope.consulateId) {
      return { data: [], nextCursor: null };
    }
    const cursor = decodeCursor(input.cursor, ['string', 'string']);
    const now = this.clock.now();
    const { limit: _limit, cursor: _cursor, ...filter } = input;
    const where: Prisma.DocumentationRequestWhereInput = {
      AND: [
        scope,
        documentationWhere(this.prisma, filter, now, await zonesFor(this.prisma, filter)),
        afterCreatedDesc(cursor),
      ],
    };
    // The filter picks the page (Prisma, the same `where` statistics count with);
    // one statement then reads those requests with their persons and timelines.
    const keys = await this.prisma.documentationRequest.findMany({
      where,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: input.limit + 1,
      select: { id: true, createdAt: true },
    });
    const found = await readRequests(
      this.sql,
      this.accessLog,
      this.knownTransitions,
      ctx,
      keys.slice(0, input.limit).map((k) => k.id),
    );
    const calendars = await this.calendars.many([...found.values()].map((f) => f.row.consulateId));
    return toPage(
      keys,
      input.limit,
      (k) => [k.createdAt.toISOString(), k.id],
      (k) => {
        const { row, transitions } = found.get(k.id)!;
        return toRequestJson(row, transitions, calendars.get(row.consulateId)!, now, this.recentDeadlines);
      },
    );
  }

  async timeline(ctx: RequestContext, id: string) {
    assertCan(ctx.actor, 'documentation:read');
    const request = await this.visible(this.prisma, ctx, id);
    const events = await timelineOf(this.prisma, id);
    await this.accessLog.record(ctx, [
      {
        personId: request.personId,
        entityType: 'documentation_request',
        entityId: id,
        action: 'documentation_request.timeline_read',
      },
    ]);
    return {
      data: events.map((e) => ({
        ...e,
        details: (e.details ?? null) as Record<string, unknown> | null,
        at: e.at.toISOString(),
      })),
    };
  }

  /** Details (validated for the request's type), fee and emergency flag, while not yet approved. */
  async update(ctx: RequestContext, id: string, version: number, input: UpdateInput): Promise<RequestJson> {
    assertCan(ctx.actor, 'documentation:write');
    return this.prisma.$transaction(async (tx) => {
      const current = await this.visible(tx, ctx, id);
      if (current.version !== version) throw new PreconditionFailedError();
      if (!UNRESOLVED_STATES.includes(current.state)) {
        throw new ConflictError(
          `A request in state ${current.state} can no longer be changed: details change only before approval.`,
          'request-closed-for-changes',
        );
      }
      const data: Prisma.DocumentationRequestUncheckedUpdateManyInput = {};
      const changed: string[] = [];
      const emergency = input.emergency ?? current.emergency;
      let details = current.details;
      if (input.details !== undefined) {
        const parsed = DETAILS_SCHEMAS[current.type].safeParse(input.details);
        if (!parsed.success) throw detailsErrors(parsed.error);
        details = parsed.data;
        data.details = parsed.data;
        changed.push('details');
      }
      if (input.details !== undefined || input.emergency !== undefined) {
        const timeZone = (
          await tx.consulate.findUniqueOrThrow({ where: { id: current.consulateId }, select: { timeZone: true } })
        ).timeZone;
        const problems = detailsProblems(current.type, details, {
          dateOfBirth: dateOf(current.person.dateOfBirth),
          today: localDate(this.clock.now(), timeZone),
          emergency,
        });
        if (problems.length) throw new BadRequestError(`${problems[0]!.path}: ${problems[0]!.message}`, problems);
      }
      if (input.emergency !== undefined && input.emergency !== current.emergency) {
        data.emergency = input.emergency;
        changed.push('emergency');
      }
      if (input.feeCents !== undefined && input.feeCents !== current.feeCents) {
        data.feeCents = input.feeCents;
        data.feePending = current.paidCents < input.feeCents;
        changed.push('feeCents');
      }
      const row = await updateRequestAtVersion(tx, id, version, data);
      if (!row) throw new PreconditionFailedError();
      await appendEvent(tx, ctx, {
        requestId: id,
        consulateId: row.consulateId,
        kind: 'details_updated',
        at: this.clock.now(),
        details: { fields: changed },
      });
      await recordAudit(tx, ctx, {
        action: 'documentation_request.update',
        entityType: 'documentation_request',
        entityId: id,
        consulateId: row.consulateId,
        changedFields: changed,
      });
      return this.render(tx, row);
    });
  }

  async assign(ctx: RequestContext, id: string, staffId: string | null): Promise<RequestJson> {
    assertCan(ctx.actor, 'documentation:write');
    return this.prisma.$transaction(async (tx) => {
      const current = await this.visible(tx, ctx, id);
      if (staffId !== null) {
        await assertAssignee(tx, {
          consulateId: current.consulateId,
          staffId,
          roles: ['documentation_officer', 'supervisor'],
          work: 'Documentation requests',
          roleNames: 'documentation officers or supervisors',
        });
      }
      const row = await updateRequestAtVersion(tx, id, current.version, { assignedToId: staffId });
      if (!row) throw new PreconditionFailedError('The request changed while it was being assigned: retry.');
      await appendEvent(tx, ctx, {
        requestId: id,
        consulateId: row.consulateId,
        kind: 'assignment',
        at: this.clock.now(),
        details: { assignedToId: staffId },
      });
      await recordAudit(tx, ctx, {
        action: 'documentation_request.assign',
        entityType: 'documentation_request',
        entityId: id,
        consulateId: row.consulateId,
        changedFields: ['assignedToId'],
      });
      return this.render(tx, row);
    });
  }

  /**
   * A state change from the transitions table. Order of refusals: reason
   * missing (400), stale version (412), not a transition from the current
   * state (409), role (403), a blocking flag (409).
   */
  async transition(
    ctx: RequestContext,
    id: string,
    version: number,
    to: DocumentationState,
    reason: string | undefined,
  ): Promise<RequestJson> {
    assertCan(ctx.actor, 'documentation:write');
    DOCUMENTATION_MACHINE.assertReason(to, reason);
    const now = this.clock.now();
    return this.prisma.$transaction(async (tx) => {
      const current = await this.visible(tx, ctx, id);
      if (current.version !== version) throw new PreconditionFailedError();
      const transition = DOCUMENTATION_MACHINE.authorize(current.state, to, ctx.actor.role);
      for (const flag of transition.blockedBy ?? []) {
        if (flagsOf(current).includes(flag)) {
          throw new ConflictError(
            flag === 'potential_duplicate'
              ? 'The request is flagged as a potential duplicate: clear the flag (POST /clear-flag) before approving.'
              : 'The fee is not paid: record the payment before issuing.',
            `blocked-by-${flag.replace(/_/g, '-')}`,
            { flags: flagsOf(current) },
          );
        }
      }

      // One calendar for the turnaround, the deadline and the answer.
      const calendar = await this.calendars.get(current.consulateId);
      const data: Prisma.DocumentationRequestUncheckedUpdateManyInput = { state: to };
      if ((to === 'approved' || to === 'rejected') && !current.resolvedAt) data.resolvedAt = now;
      if (to === 'cancelled') data.cancelledAt = now;
      if (to === 'issued') {
        data.issuedAt = now;
        Object.assign(data, turnaround(current.submittedAt, now, calendar));
        if (current.type === 'gender_identity_recognition') {
          data.details = await this.applyGenderIdentity(tx, ctx, current);
        }
      }
      const updated = await updateRequestAtVersion(tx, id, version, data);
      if (!updated) throw new PreconditionFailedError();
      await appendEvent(tx, ctx, {
        requestId: id,
        consulateId: updated.consulateId,
        kind: 'transition',
        fromState: current.state,
        toState: to,
        reason: reason ?? null,
        at: now,
      });
      await refreshDueDates(tx, [updated], calendar, now);
      await recordAudit(tx, ctx, {
        action: 'documentation_request.transition',
        entityType: 'documentation_request',
        entityId: id,
        consulateId: updated.consulateId,
        changedFields: Object.keys(data),
        // Reasons are free text that may name people: they stay in the timeline.
        details: { from: current.state, to },
      });
      const about = {
        consulateId: updated.consulateId,
        entityType: 'documentation_request',
        entityId: id,
        occurredAt: now,
      } as const;
      const record = {
        id,
        reference: current.reference,
        documentationType: current.type,
        consulateId: updated.consulateId,
        personId: current.personId,
      };
      const events: OutboxEvent[] = [
        {
          ...about,
          type: 'documentation_request.state_changed',
          data: { ...record, from: current.state, to, changedAt: now.toISOString() },
        },
      ];
      if (to === 'issued') {
        events.push({
          ...about,
          type: 'documentation_request.ready_for_pickup',
          data: { ...record, state: to, issuedAt: now.toISOString() },
        });
      }
      await emitEvents(tx, events);
      return this.render(tx, (await findRequest(tx, { id }))!, calendar);
    });
  }

  async clearFlag(ctx: RequestContext, id: string, flag: DocumentationFlag, reason: string): Promise<RequestJson> {
    assertCan(ctx.actor, 'documentation:write');
    if (flag === 'fee_pending') {
      throw new ConflictError(
        'fee_pending clears itself when the payment is recorded (POST /payments).',
        'flag-not-clearable',
      );
    }
    if (flag === 'emergency') {
      throw new ConflictError(
        'emergency is part of the request: change it with PATCH (If-Match).',
        'flag-not-clearable',
      );
    }
    return this.prisma.$transaction(async (tx) => {
      const current = await this.visible(tx, ctx, id);
      if (!current.potentialDuplicate) {
        throw new ConflictError('The request is not flagged as a potential duplicate.', 'flag-not-set');
      }
      const row = await updateRequestAtVersion(tx, id, current.version, { potentialDuplicate: false });
      if (!row) throw new PreconditionFailedError('The request changed meanwhile: retry.');
      await appendEvent(tx, ctx, {
        requestId: id,
        consulateId: row.consulateId,
        kind: 'flag_cleared',
        reason,
        at: this.clock.now(),
        details: { flag },
      });
      await recordAudit(tx, ctx, {
        action: 'documentation_request.clear_flag',
        entityType: 'documentation_request',
        entityId: id,
        consulateId: row.consulateId,
        changedFields: ['potentialDuplicate'],
        details: { flag },
      });
      return this.render(tx, row);
    });
  }

  async recordPayment(
    ctx: RequestContext,
    id: string,
    payment: { amountCents: number; method: 'cash' | 'card' | 'money_order'; receipt: string },
  ) {
    assertCan(ctx.actor, 'documentation:write');
    return writeTransaction(this.prisma, ctx, async (tx) => {
      const current = await this.visible(tx, ctx, id);
      if (current.state === 'cancelled' || current.state === 'rejected') {
        throw new ConflictError(
          `No payment can be recorded on a ${current.state} request.`,
          'request-closed-for-changes',
        );
      }
      await tx.documentationPayment.create({
        data: {
          requestId: id,
          amountCents: payment.amountCents,
          method: payment.method,
          receipt: payment.receipt,
          recordedById: ctx.actor.id,
        },
      });
      const paidCents = current.paidCents + payment.amountCents;
      const row = await updateRequestAtVersion(tx, id, current.version, {
        paidCents,
        feePending: paidCents < current.feeCents,
      });
      if (!row) throw new PreconditionFailedError('The request changed meanwhile: retry.');
      await appendEvent(tx, ctx, {
        requestId: id,
        consulateId: row.consulateId,
        kind: 'payment',
        at: this.clock.now(),
        details: { amountCents: payment.amountCents, method: payment.method, paidCents },
      });
      await recordAudit(tx, ctx, {
        action: 'documentation_request.payment',
        entityType: 'documentation_request',
        entityId: id,
        consulateId: row.consulateId,
        changedFields: ['paidCents', ...(current.feePending !== row.feePending ? ['feePending'] : [])],
      });
      return created(await this.render(tx, row), { etag: etagOf(row.version) });
    });
  }

  /**
   * Issuing a gender-identity recognition: the person's record takes the new
   * name and marker; the previous ones are sealed, and the request keeps no
   * copy of them.
   */
  private async applyGenderIdentity(tx: Tx, ctx: RequestContext, request: RequestRow): Promise<Prisma.InputJsonValue> {
    const details = request.details as unknown as GenderIdentityDetails;
    const person = await tx.person.findUniqueOrThrow({
      where: { id: request.personId },
      select: { givenNames: true, firstSurname: true, secondSurname: true, genderMarker: true },
    });
    await tx.sealedIdentity.create({
      data: { personId: request.personId, documentationRequestId: request.id, ...person },
    });
    await tx.person.update({
      where: { id: request.personId },
      data: {
        givenNames: details.newName.givenNames,
        firstSurname: details.newName.firstSurname,
        secondSurname: details.newName.secondSurname ?? null,
        genderMarker: details.newMarker,
        nameSearch: nameSearchKey(details.newName),
        version: { increment: 1 },
      },
    });
    await recordAudit(tx, ctx, {
      action: 'person.identity_sealed',
      entityType: 'person',
      entityId: request.personId,
      consulateId: request.consulateId,
      changedFields: ['givenNames', 'firstSurname', 'secondSurname', 'genderMarker'],
      details: { documentationRequestId: request.id },
    });
    const { registeredName: _name, registeredMarker: _marker, ...rest } = details;
    return { ...rest, registeredIdentitySealed: true };
  }

  private async visible(db: PrismaClient | Tx, ctx: RequestContext, id: string): Promise<RequestRow> {
    const row = await findRequest(db, { id, ...consulateScope(ctx.actor) });
    if (!row) throw new NotFoundError('Documentation request');
    return row;
  }

  private async render(db: PrismaClient | Tx, row: RequestRow, known?: BusinessCalendar): Promise<RequestJson> {
    // Sequential: queries of one interactive transaction share its connection.
    const calendar = known ?? (await this.calendars.get(row.consulateId));
    const transitions = await transitionsOf(db, [row.id]);
    return toRequestJson(row, transitions.get(row.id) ?? [], calendar, this.clock.now());
  }
}
