import type { PrismaClient } from '../../db/client.ts';
import { created, writeTransaction, type Answer } from '../../db/transaction.ts';
import { dateOf, dateValue } from '../../lib/calendar.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { assertCan, assertInScope, can, type RequestContext } from '../../lib/access.ts';
import { etagOf } from '../../lib/etag.ts';
import { ForbiddenError, NotFoundError, PreconditionFailedError } from '../../lib/errors.ts';
import { decodeCursor, toPage } from '../../lib/pagination.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import {
  activateJurisdiction,
  JURISDICTION_CHANGE_TIMEOUT_MS,
  lockForJurisdictionChange,
} from '../jurisdiction/jurisdiction.service.ts';
import {
  findConsulate,
  insertConsulate,
  listConsulates,
  updateConsulateAtVersion,
  type ConsulateRow,
} from './consulates.repository.ts';
import { CONTACT_FIELDS, type createConsulateBody, type updateConsulateBody } from './consulates.schemas.ts';
import type { z } from 'zod';

type CreateInput = z.output<typeof createConsulateBody>;
type UpdateInput = z.output<typeof updateConsulateBody>;

export function toConsulateJson(row: ConsulateRow) {
  return {
    ...row,
    openingDate: row.openingDate ? dateOf(row.openingDate) : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export type ConsulateJson = ReturnType<typeof toConsulateJson>;

const toDate = (d: string | null | undefined) => (d === undefined ? undefined : d === null ? null : dateValue(d));

export class ConsulatesService {
  constructor(private readonly prisma: PrismaClient) {}

  /** The network is reference data: every staff role lists all consulates. */
  async list(
    ctx: RequestContext,
    input: {
      limit: number;
      cursor?: string;
      state?: string;
      status?: ConsulateRow['status'];
      kind?: ConsulateRow['kind'];
      q?: string;
    },
  ) {
    assertCan(ctx.actor, 'consulates:read');
    const cursor = decodeCursor(input.cursor, ['string']);
    const where: Prisma.ConsulateWhereInput = {
      ...(input.state ? { state: input.state } : {}),
      ...(input.status ? { status: input.status } : {}),
      ...(input.kind ? { kind: input.kind } : {}),
      ...(input.q
        ? {
            OR: [
              { code: { contains: input.q, mode: 'insensitive' } },
              { name: { contains: input.q, mode: 'insensitive' } },
              { city: { contains: input.q, mode: 'insensitive' } },
            ],
          }
        : {}),
      ...(cursor ? { code: { gt: cursor[0] as string } } : {}),
    };
    const rows = await listConsulates(this.prisma, where, input.limit + 1);
    return toPage(rows, input.limit, (r) => [r.code], toConsulateJson);
  }

  async get(ctx: RequestContext, id: string): Promise<ConsulateJson> {
    assertCan(ctx.actor, 'consulates:read');
    const row = await findConsulate(this.prisma, id);
    if (!row) throw new NotFoundError('Consulate');
    return toConsulateJson(row);
  }

  async create(ctx: RequestContext, input: CreateInput): Promise<Answer<ConsulateJson>> {
    assertCan(ctx.actor, 'consulates:write');
    return writeTransaction(this.prisma, ctx, async (tx) => {
      const row = await insertConsulate(tx, {
        ...input,
        openingDate: toDate(input.openingDate),
      });
      await recordAudit(tx, ctx, {
        action: 'consulate.create',
        entityType: 'consulate',
        entityId: row.id,
        consulateId: row.id,
        changedFields: Object.keys(input),
      });
      return created(toConsulateJson(row), { etag: etagOf(row.version), location: `/v1/consulates/${row.id}` });
    });
  }

  /** Admins change anything; a consulate's supervisor changes only its contact fields. */
  async update(ctx: RequestContext, id: string, version: number, input: UpdateInput): Promise<ConsulateJson> {
    const fields = Object.keys(input);
    if (!can(ctx.actor, 'consulates:write')) {
      assertCan(ctx.actor, 'consulates:contact');
      assertInScope(ctx.actor, id, 'Consulate');
      const other = fields.filter((f) => !(CONTACT_FIELDS as readonly string[]).includes(f));
      if (other.length > 0) {
        throw new ForbiddenError(`Supervisors may change only ${CONTACT_FIELDS.join(', ')}; not ${other.join(', ')}.`);
      }
    }
    // Activation moves counties: a jurisdiction change may take longer than an ordinary update.
    const options = input.status === 'active' ? { timeout: JURISDICTION_CHANGE_TIMEOUT_MS } : undefined;
    return this.prisma.$transaction(async (tx) => {
      // The jurisdiction lock comes before the consulate row's, as in every jurisdiction change.
      if (input.status === 'active') await lockForJurisdictionChange(tx);
      const current = await findConsulate(tx, id);
      if (!current) throw new NotFoundError('Consulate');
      const row = await updateConsulateAtVersion(tx, id, version, {
        ...input,
        openingDate: toDate(input.openingDate),
      });
      if (!row) throw new PreconditionFailedError();
      await recordAudit(tx, ctx, {
        action: 'consulate.update',
        entityType: 'consulate',
        entityId: id,
        consulateId: id,
        changedFields: fields,
      });
      // A planned consulate that opens takes over its designated counties.
      if (current.status === 'planned' && row.status === 'active') await activateJurisdiction(tx, ctx, row);
      return toConsulateJson(row);
    }, options);
  }
}
