import type { z } from 'zod';
import { dateOf, dateValue } from '../../lib/calendar.ts';
import type { PrismaClient } from '../../db/client.ts';
import { created, writeTransaction, type Answer } from '../../db/transaction.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { assertCan, consulateScope, targetConsulate, type RequestContext } from '../../lib/access.ts';
import { etagOf } from '../../lib/etag.ts';
import { BadRequestError, ConflictError, NotFoundError, PreconditionFailedError } from '../../lib/errors.ts';
import { afterCreatedDesc, decodeCursor, toPage } from '../../lib/pagination.ts';
import { foldText, nameSearchKey } from '../../lib/text.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import type { AccessPurpose } from '../access-log/access-log.repository.ts';
import type { AccessLogWriter } from '../access-log/access-log.writer.ts';
import { findPerson, insertPerson, listPersons, updatePersonAtVersion, type PersonRow } from './persons.repository.ts';
import {
  curpMatchesBirthDate,
  type createPersonBody,
  type personListQuery,
  type updatePersonBody,
} from './persons.schemas.ts';

type CreateInput = z.output<typeof createPersonBody>;
type UpdateInput = z.output<typeof updatePersonBody>;
type ListInput = z.output<typeof personListQuery>;

export function toPersonJson(row: PersonRow) {
  return {
    id: row.id,
    consulateId: row.consulateId,
    givenNames: row.givenNames,
    firstSurname: row.firstSurname,
    secondSurname: row.secondSurname,
    dateOfBirth: dateOf(row.dateOfBirth),
    placeOfBirth: { country: row.birthCountry, subdivision: row.birthSubdivision },
    curp: row.curp,
    genderMarker: row.genderMarker,
    email: row.email,
    phone: row.phone,
    address: row.addressLine1
      ? {
          line1: row.addressLine1,
          line2: row.addressLine2,
          city: row.addressCity ?? '',
          state: row.addressState ?? '',
          postalCode: row.addressPostalCode ?? '',
        }
      : null,
    outsideJurisdiction: row.outsideJurisdiction,
    anonymisedAt: row.anonymisedAt?.toISOString() ?? null,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export type PersonJson = ReturnType<typeof toPersonJson>;

/** Column values for the fields present in `input` (API shape → table shape). */
function columns(input: UpdateInput): Prisma.PersonUncheckedUpdateManyInput {
  const data: Prisma.PersonUncheckedUpdateManyInput = {};
  if (input.givenNames !== undefined) data.givenNames = input.givenNames;
  if (input.firstSurname !== undefined) data.firstSurname = input.firstSurname;
  if (input.secondSurname !== undefined) data.secondSurname = input.secondSurname;
  if (input.dateOfBirth !== undefined) data.dateOfBirth = dateValue(input.dateOfBirth);
  if (input.placeOfBirth !== undefined) {
    data.birthCountry = input.placeOfBirth.country;
    data.birthSubdivision = input.placeOfBirth.subdivision ?? null;
  }
  if (input.curp !== undefined) data.curp = input.curp;
  if (input.genderMarker !== undefined) data.genderMarker = input.genderMarker;
  if (input.email !== undefined) data.email = input.email?.toLowerCase() ?? null;
  if (input.phone !== undefined) data.phone = input.phone;
  if (input.address !== undefined) {
    data.addressLine1 = input.address?.line1 ?? null;
    data.addressLine2 = input.address?.line2 ?? null;
    data.addressCity = input.address?.city ?? null;
    data.addressState = input.address?.state ?? null;
    data.addressPostalCode = input.address?.postalCode ?? null;
  }
  return data;
}

export class PersonsService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly accessLog: AccessLogWriter,
  ) {}

  async create(ctx: RequestContext, input: CreateInput): Promise<Answer<PersonJson>> {
    assertCan(ctx.actor, 'persons:write');
    const consulateId = targetConsulate(ctx.actor, input.consulateId);
    const { consulateId: _ignored, ...fields } = input;
    return writeTransaction(this.prisma, ctx, async (tx) => {
      const consulate = await tx.consulate.findUnique({ where: { id: consulateId }, select: { id: true } });
      if (!consulate) throw new NotFoundError('Consulate');
      const data = columns(fields);
      const row = await insertPerson(tx, {
        ...(data as Prisma.PersonUncheckedCreateInput),
        consulateId,
        nameSearch: nameSearchKey(fields),
      });
      await recordAudit(tx, ctx, {
        action: 'person.create',
        entityType: 'person',
        entityId: row.id,
        consulateId,
        changedFields: Object.keys(fields).filter((k) => fields[k as keyof typeof fields] !== undefined),
      });
      return created(toPersonJson(row), { etag: etagOf(row.version), location: `/v1/persons/${row.id}` });
    });
  }

  async get(ctx: RequestContext, id: string): Promise<PersonJson> {
    assertCan(ctx.actor, 'persons:read');
    const row = await this.visible(ctx, id);
    await this.accessLog.record(ctx, [{ personId: id, entityType: 'person', entityId: id, action: 'person.read' }]);
    return toPersonJson(row);
  }

  /** Search by CURP, by words of the name (accent- and case-insensitive) and by date of birth. */
  async list(ctx: RequestContext, input: ListInput) {
    assertCan(ctx.actor, 'persons:read');
    const scope = consulateScope(ctx.actor);
    if (scope.consulateId && input.consulateId && input.consulateId !== scope.consulateId) {
      return { data: [], nextCursor: null };
    }
    const cursor = decodeCursor(input.cursor, ['string', 'string']);
    const words = input.name ? foldText(input.name).split(' ').filter(Boolean) : [];
    const where: Prisma.PersonWhereInput = {
      AND: [
        scope,
        input.consulateId ? { consulateId: input.consulateId } : {},
        input.curp ? { curp: input.curp } : {},
        input.dateOfBirth ? { dateOfBirth: dateValue(input.dateOfBirth) } : {},
        input.outsideJurisdiction !== undefined ? { outsideJurisdiction: input.outsideJurisdiction } : {},
        ...words.map((word) => ({ nameSearch: { contains: word } })),
        afterCreatedDesc(cursor),
      ],
    };
    const rows = await listPersons(this.prisma, where, input.limit + 1);
    await this.accessLog.record(
      ctx,
      rows
        .slice(0, input.limit)
        .map((r) => ({ personId: r.id, entityType: 'person', entityId: r.id, action: 'person.list' })),
    );
    return toPage(rows, input.limit, (r) => [r.createdAt.toISOString(), r.id], toPersonJson);
  }

  async update(ctx: RequestContext, id: string, version: number, input: UpdateInput): Promise<PersonJson> {
    assertCan(ctx.actor, 'persons:write');
    const current = await this.visible(ctx, id);
    if (current.anonymisedAt)
      throw new ConflictError('This person was anonymised: the record cannot be edited.', 'anonymised');
    const curp = input.curp !== undefined ? input.curp : current.curp;
    const dateOfBirth = input.dateOfBirth ?? dateOf(current.dateOfBirth);
    if (!curpMatchesBirthDate(curp, dateOfBirth)) {
      throw new BadRequestError('The CURP does not match the date of birth.', [
        { path: input.curp !== undefined ? 'body.curp' : 'body.dateOfBirth', message: 'CURP and dateOfBirth disagree' },
      ]);
    }
    const data = columns(input);
    if (input.givenNames !== undefined || input.firstSurname !== undefined || input.secondSurname !== undefined) {
      data.nameSearch = nameSearchKey({
        givenNames: input.givenNames ?? current.givenNames,
        firstSurname: input.firstSurname ?? current.firstSurname,
        secondSurname: input.secondSurname !== undefined ? input.secondSurname : current.secondSurname,
      });
    }
    return this.prisma.$transaction(async (tx) => {
      const row = await updatePersonAtVersion(tx, id, version, data);
      if (!row) throw new PreconditionFailedError();
      await recordAudit(tx, ctx, {
        action: 'person.update',
        entityType: 'person',
        entityId: id,
        consulateId: row.consulateId,
        changedFields: Object.keys(input),
      });
      return toPersonJson(row);
    });
  }

  /** The sealed previous identities: supervisor of the consulate and admins; every read audited. */
  async sealedIdentity(ctx: RequestContext, id: string, purpose?: AccessPurpose) {
    assertCan(ctx.actor, 'persons:sealed');
    const person = await this.visible(ctx, id);
    return this.prisma.$transaction(async (tx) => {
      const identities = await tx.sealedIdentity.findMany({
        where: { personId: id },
        orderBy: { sealedAt: 'asc' },
        select: {
          givenNames: true,
          firstSurname: true,
          secondSurname: true,
          genderMarker: true,
          documentationRequestId: true,
          sealedAt: true,
        },
      });
      if (identities.length === 0) throw new NotFoundError('Sealed identity', 'This person has no sealed identity.');
      await recordAudit(tx, ctx, {
        action: 'person.sealed_identity_read',
        entityType: 'person',
        entityId: id,
        consulateId: person.consulateId,
        ...(purpose ? { details: { purpose } } : {}),
      });
      return {
        personId: id,
        identities: identities.map((i) => ({ ...i, sealedAt: i.sealedAt.toISOString() })),
      };
    });
  }

  private async visible(ctx: RequestContext, id: string): Promise<PersonRow> {
    const row = await findPerson(this.prisma, { id, ...consulateScope(ctx.actor) });
    if (!row) throw new NotFoundError('Person');
    return row;
  }
}
