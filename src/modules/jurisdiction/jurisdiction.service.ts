import { createHash } from 'node:crypto';
import type { Db, PrismaClient, Tx } from '../../db/client.ts';
import { assertCan, type RequestContext } from '../../lib/access.ts';
import {
  BadRequestError,
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  PreconditionRequiredError,
} from '../../lib/errors.ts';
import { recordAudit, type AuditContext } from '../audit/audit.repository.ts';
import {
  countiesOf,
  knownCounties,
  JURISDICTION_CHANGE_TIMEOUT_MS,
  lockForJurisdictionChange,
  recomputeFlags,
  replaceCounties,
  takeOverDesignatedCounties,
  zipCandidates,
  type CountyMove,
  type CountyRow,
  type ZipCandidateRow,
} from './jurisdiction.repository.ts';
import type { JurisdictionChangeJson, JurisdictionJson, JurisdictionLookup } from './jurisdiction.schemas.ts';

/** A strong ETag of a jurisdiction list (and of whether it is served or designated). */
export function jurisdictionEtag(j: JurisdictionJson): string {
  const text = `${j.designated ? 'designated' : 'served'}:${j.counties.map((c) => c.fips).join(',')}`;
  return `"${createHash('sha256').update(text).digest('base64url').slice(0, 22)}"`;
}

function servingConsulate(row: ZipCandidateRow): JurisdictionLookup['consulate'] {
  if (!row.consulateId) return null;
  return {
    id: row.consulateId,
    code: row.consulateCode!,
    name: row.consulateName!,
    address: row.consulateAddress,
    city: row.consulateCity!,
    state: row.consulateState!,
    phone: row.consulatePhone,
    email: row.consulateEmail,
  };
}

/** The lookup answers of some ZIP codes (5 digits), by ZIP; unknown ZIP codes are absent. */
export async function lookupZips(db: Db, zips: readonly string[]): Promise<Map<string, JurisdictionLookup>> {
  const rows = await zipCandidates(db, zips);
  const answers = new Map<string, JurisdictionLookup>();
  for (const row of rows) {
    const answer = answers.get(row.zip) ?? {
      zip: row.zip,
      city: row.city,
      state: row.state,
      consulate: null,
      candidates: [],
    };
    answer.candidates.push({
      county: { fips: row.countyFips, name: row.countyName, state: row.countyState },
      sharePercent: row.sharePercent,
      consulate: servingConsulate(row),
    });
    answers.set(row.zip, answer);
  }
  for (const answer of answers.values()) {
    const ids = new Set(answer.candidates.map((c) => c.consulate?.id ?? null));
    answer.consulate = ids.size === 1 ? answer.candidates[0]!.consulate : null;
  }
  return answers;
}

interface ConsulateRef {
  id: string;
  code: string;
  status: 'planned' | 'active' | 'closed';
}

/** The audit events of a move: one on the consulate that gained, one on each that lost. */
async function auditMove(
  tx: Tx,
  ctx: AuditContext,
  consulate: ConsulateRef,
  action: string,
  move: CountyMove,
  total: number,
  personsReflagged: number,
  designated: boolean,
): Promise<void> {
  await recordAudit(tx, ctx, {
    action,
    entityType: 'consulate',
    entityId: consulate.id,
    consulateId: consulate.id,
    changedFields: [designated ? 'designatedCounties' : 'counties'],
    details: {
      counties: total,
      added: move.added.length,
      removed: move.removed.length,
      takenFromConsulates: move.takenFrom.size,
      personsReflagged,
    },
  });
  for (const [loserId, fips] of move.takenFrom) {
    await recordAudit(tx, ctx, {
      action: designated ? 'consulate.jurisdiction_designation_ceded' : 'consulate.jurisdiction_ceded',
      entityType: 'consulate',
      entityId: loserId,
      consulateId: loserId,
      changedFields: [designated ? 'designatedCounties' : 'counties'],
      details: { counties: fips.length, toConsulateId: consulate.id },
    });
  }
}

/** Persons whose flag a move can change: those of every consulate involved, in the moved counties. */
function reflag(tx: Tx, consulateId: string, move: CountyMove): Promise<number> {
  return recomputeFlags(tx, [consulateId, ...move.takenFrom.keys()], [...move.added, ...move.removed]);
}

/**
 * Activation of a planned consulate (called by the consulate update, in its
 * transaction): its designated counties move to it, from whichever consulate
 * served them, and the flags of the persons there are recomputed. The caller
 * has taken `lockForJurisdictionChange` before changing the consulate row.
 */
export async function activateJurisdiction(tx: Tx, ctx: AuditContext, consulate: ConsulateRef) {
  const move = await takeOverDesignatedCounties(tx, consulate.id);
  const personsReflagged = await reflag(tx, consulate.id, move);
  const total = await tx.consulateCounty.count({ where: { consulateId: consulate.id } });
  await auditMove(tx, ctx, consulate, 'consulate.jurisdiction_activate', move, total, personsReflagged, false);
  return { counties: move.added.length, personsReflagged };
}

export { JURISDICTION_CHANGE_TIMEOUT_MS, lockForJurisdictionChange };

export class JurisdictionService {
  constructor(private readonly prisma: PrismaClient) {}

  /** Which consulate serves a ZIP code (staff and kiosks: public data only). */
  async lookup(zip: string): Promise<JurisdictionLookup> {
    const zip5 = zip.slice(0, 5);
    const answer = (await lookupZips(this.prisma, [zip5])).get(zip5);
    if (!answer) {
      throw new NotFoundError(
        'ZIP code',
        `ZIP code ${zip5} is not in the ZIP dataset (it may be a PO box or business-only code): ask the national for the county, or look the consulate up by state.`,
      );
    }
    return answer;
  }

  async get(ctx: RequestContext, consulateId: string): Promise<JurisdictionJson> {
    assertCan(ctx.actor, 'consulates:read');
    const consulate = await this.consulate(this.prisma, consulateId);
    return this.jurisdictionOf(this.prisma, consulate);
  }

  /**
   * Replaces a consulate's counties (admins). An active consulate's counties
   * move to it at once; a planned consulate's list is its designation, taken
   * over on activation. `If-Match` is required.
   */
  async replace(
    ctx: RequestContext,
    consulateId: string,
    fips: readonly string[],
    ifMatch: string | undefined,
  ): Promise<JurisdictionChangeJson> {
    assertCan(ctx.actor, 'consulates:write');
    if (ifMatch === undefined || ifMatch.trim() === '') throw new PreconditionRequiredError();
    const list = [...fips].sort();
    return this.prisma.$transaction(
      async (tx) => {
        await lockForJurisdictionChange(tx);
        const consulate = await this.consulate(tx, consulateId);
        const known = await knownCounties(tx, list);
        const unknown = fips.flatMap((f, i) =>
          known.has(f) ? [] : [{ path: `body.counties.${i}`, message: `${f} is not a county of the ZIP dataset` }],
        );
        if (unknown.length > 0) {
          throw new BadRequestError(
            `${unknown.length} of the counties are not in the ZIP dataset.`,
            unknown.slice(0, 100),
          );
        }
        const current = await this.jurisdictionOf(tx, consulate);
        if (ifMatch.trim() !== jurisdictionEtag(current)) throw new PreconditionFailedError();
        if (consulate.status === 'closed') {
          throw new ConflictError(
            'A closed consulate serves no counties: give them to another consulate.',
            'consulate-closed',
          );
        }
        const designated = consulate.status === 'planned';
        const move = await replaceCounties(
          tx,
          designated ? 'consulate_designated_counties' : 'consulate_counties',
          consulate.id,
          list,
        );
        const personsReflagged = designated ? 0 : await reflag(tx, consulate.id, move);
        await auditMove(
          tx,
          ctx,
          consulate,
          designated ? 'consulate.jurisdiction_designation_replace' : 'consulate.jurisdiction_replace',
          move,
          list.length,
          personsReflagged,
          designated,
        );
        const codes = await tx.consulate.findMany({
          where: { id: { in: [...move.takenFrom.keys()] } },
          select: { id: true, code: true },
        });
        const codeOf = new Map(codes.map((c) => [c.id, c.code]));
        return {
          ...(await this.jurisdictionOf(tx, consulate)),
          changes: {
            added: move.added.length,
            removed: move.removed.length,
            takenFrom: [...move.takenFrom]
              .map(([id, taken]) => ({ consulateId: id, code: codeOf.get(id) ?? '', counties: taken.length }))
              .sort((a, b) => a.code.localeCompare(b.code)),
            personsReflagged,
          },
        };
      },
      { timeout: JURISDICTION_CHANGE_TIMEOUT_MS },
    );
  }

  private async consulate(db: Db, id: string): Promise<ConsulateRef> {
    const consulate = await db.consulate.findUnique({ where: { id }, select: { id: true, code: true, status: true } });
    if (!consulate) throw new NotFoundError('Consulate');
    return consulate;
  }

  private async jurisdictionOf(db: Db, consulate: ConsulateRef): Promise<JurisdictionJson> {
    const designated = consulate.status === 'planned';
    const counties: CountyRow[] = await countiesOf(db, consulate.id, designated);
    return { consulateId: consulate.id, designated, counties };
  }
}
