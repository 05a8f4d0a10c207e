import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { z } from 'zod';
import type { AppConfig } from '../../config/env.ts';
import { localDate, type BusinessCalendar } from '../../lib/calendar.ts';
import { formatReference } from '../../lib/references.ts';
import { nameSearchKey } from '../../lib/text.ts';
import {
  computeDeadline,
  type TimelineTransition,
} from '../documentation-requests/documentation-requests.deadlines.ts';
import { detailsProblems } from '../documentation-requests/documentation-requests.details.ts';
import { turnaround } from '../documentation-requests/documentation-requests.service.ts';
import {
  allowedTargets,
  findTransition,
  type DocumentationState,
} from '../documentation-requests/documentation-requests.states.ts';
import {
  INSERT_AUDIT,
  INSERT_DRY_KEYS,
  INSERT_EVENTS,
  INSERT_PAYMENTS,
  INSERT_PERSONS,
  INSERT_REJECTIONS,
  INSERT_REQUESTS,
  INSERT_SEALED,
  completeBatch,
  enterBatch,
  knownPersons,
  knownRequests,
  reserveReferences,
  takenCurps,
  type ChunkRow,
  type JobRow,
} from './imports.repository.ts';
import { personLine, requestLine, type PersonLine, type RequestLine } from './imports.schemas.ts';

/**
 * One batch of an import: the lines of one stored chunk, validated with the
 * API's rules, then written in ONE transaction (with the job's progress, so a
 * batch is either wholly committed and counted, or not at all — a resumed job
 * starts at the first batch not committed).
 */

export interface ConsulateRef {
  id: string;
  code: string;
  timeZone: string;
}

export interface BatchEnv {
  config: AppConfig;
  /** The app clock's "now": no instant of a line may be after it. */
  now: Date;
  consulates: ReadonlyMap<string, ConsulateRef>;
  calendar(consulateId: string): Promise<BusinessCalendar>;
}

/** A line over this many bytes is refused without being held in memory (the upload marks it). */
export const MAX_LINE_BYTES = 256 * 1024;
export const TOO_LONG_MARK = Buffer.from([0]);

type Parsed =
  | { line: number; kind: 'person'; value: PersonLine; consulate: ConsulateRef }
  | { line: number; kind: 'request'; value: RequestLine; consulate: ConsulateRef; timeline: Timeline };

interface Timeline {
  state: DocumentationState;
  submittedAt: Date;
  transitions: TimelineTransition[];
  reasons: (string | null)[];
  actors: string[];
  resolvedAt: Date | null;
  issuedAt: Date | null;
  cancelledAt: Date | null;
  paidCents: number;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** `path: message` of the first issues; zod's messages name rules, never the values. */
function zodReason(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(line)'}: ${i.message}`)
    .join('; ')
    .slice(0, 500);
}

/** The history against the transitions table, instants in order and not in the future; payments likewise. */
function timelineOf(v: RequestLine, now: Date): Timeline | string {
  const submittedAt = new Date(v.submittedAt);
  if (submittedAt > now) return 'submittedAt: must not be in the future';
  let state: DocumentationState = 'submitted';
  let last = submittedAt;
  const transitions: TimelineTransition[] = [{ fromState: null, toState: 'submitted', at: submittedAt }];
  const reasons: (string | null)[] = [null];
  const actors: string[] = [''];
  let resolvedAt: Date | null = null;
  let issuedAt: Date | null = null;
  let cancelledAt: Date | null = null;
  let closedAt: Date | null = null;
  for (const [i, h] of v.history.entries()) {
    const at = new Date(h.at);
    if (at > now) return `history.${i}.at: must not be in the future`;
    if (at < last) return `history.${i}.at: must not be before submittedAt or the previous change`;
    const transition = findTransition(state, h.state);
    if (!transition) {
      const targets = allowedTargets(state);
      return `history.${i}.state: a request in state ${state} cannot move to ${h.state} (allowed: ${targets.length ? targets.join(', ') : 'none, final state'})`;
    }
    if (transition.reasonRequired && !h.reason) return `history.${i}.reason: is required for ${h.state}`;
    transitions.push({ fromState: state, toState: h.state, at });
    reasons.push(h.reason ?? null);
    actors.push(h.actor);
    if ((h.state === 'approved' || h.state === 'rejected') && !resolvedAt) resolvedAt = at;
    if (h.state === 'issued') issuedAt = at;
    if (h.state === 'cancelled') cancelledAt = at;
    if (h.state === 'cancelled' || h.state === 'rejected') closedAt = at;
    state = h.state;
    last = at;
  }
  if (v.issuedAt !== undefined && (!issuedAt || new Date(v.issuedAt).getTime() !== issuedAt.getTime())) {
    return 'issuedAt: must be the instant of the history’s change to issued';
  }
  let paidCents = 0;
  let paidByIssue = 0;
  for (const [i, p] of v.payments.entries()) {
    const at = new Date(p.at);
    if (at > now) return `payments.${i}.at: must not be in the future`;
    if (at < submittedAt) return `payments.${i}.at: must not be before submittedAt`;
    if (closedAt && at > closedAt) return `payments.${i}.at: no payment can be recorded on a ${state} request`;
    paidCents += p.amountCents;
    if (issuedAt && at <= issuedAt) paidByIssue += p.amountCents;
  }
  if (issuedAt && paidByIssue < v.feeCents) {
    return 'payments: the fee was not paid by the time of issuance (issuing is blocked while fee_pending)';
  }
  return { state, submittedAt, transitions, reasons, actors, resolvedAt, issuedAt, cancelledAt, paidCents };
}

/** Splits a stored chunk back into its lines. */
function linesOf(data: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (;;) {
    const end = data.indexOf(10, start);
    if (end === -1) {
      lines.push(data.subarray(start));
      return lines;
    }
    lines.push(data.subarray(start, end));
    start = end + 1;
  }
}

/** Parses and validates what a line says on its own (no database): the first half of a batch. */
export async function parseChunk(
  chunk: ChunkRow,
  job: Pick<JobRow, 'consulate_id'>,
  env: BatchEnv,
): Promise<{ parsed: Parsed[]; rejections: { line: number; reason: string }[]; lines: number }> {
  const parsed: Parsed[] = [];
  const rejections: { line: number; reason: string }[] = [];
  const raw = linesOf(chunk.data);
  for (const [i, bytes] of raw.entries()) {
    const line = chunk.first_line + i;
    const reject = (reason: string) => rejections.push({ line, reason });
    if (bytes.length === 1 && bytes[0] === 0) {
      reject(`(line): is longer than ${MAX_LINE_BYTES} bytes`);
      continue;
    }
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      reject('(line): is not UTF-8');
      continue;
    }
    if (text.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // JSON.parse's message quotes the line: it is not repeated.
      reject('(line): is not valid JSON');
      continue;
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      reject('(line): must be a JSON object');
      continue;
    }
    const kind = (json as { kind?: unknown }).kind;
    const result =
      kind === 'person'
        ? personLine.safeParse(json)
        : kind === 'documentation_request'
          ? requestLine.safeParse(json)
          : undefined;
    if (!result) {
      reject('kind: must be person or documentation_request');
      continue;
    }
    if (!result.success) {
      reject(zodReason(result.error));
      continue;
    }
    const value = result.data;
    const consulate = env.consulates.get(value.consulate);
    if (!consulate) {
      reject('consulate: no consulate has this code');
      continue;
    }
    if (job.consulate_id !== null && consulate.id !== job.consulate_id) {
      reject('consulate: is not your consulate (supervisors import their own consulate’s records)');
      continue;
    }
    if (value.kind === 'person') {
      parsed.push({ line, kind: 'person', value, consulate });
      continue;
    }
    const timeline = timelineOf(value, env.now);
    if (typeof timeline === 'string') {
      reject(timeline);
      continue;
    }
    parsed.push({ line, kind: 'request', value, consulate, timeline });
  }
  return { parsed, rejections, lines: raw.length };
}

class Columns {
  readonly cols: unknown[][];
  constructor(n: number) {
    this.cols = Array.from({ length: n }, () => []);
  }
  push(...values: unknown[]) {
    values.forEach((v, i) => this.cols[i]!.push(v));
  }
  get length() {
    return this.cols[0]!.length;
  }
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/**
 * The second half: in one transaction, what needs the database (records
 * already imported, persons named by requests, CURPs taken, reference
 * numbers), the rows, the batch's audit event and the job's progress.
 * Returns null when the job is no longer this replica's (nothing written).
 */
export async function writeBatch(
  client: pg.ClientBase,
  job: JobRow,
  owner: string,
  chunk: ChunkRow,
  parsedChunk: Awaited<ReturnType<typeof parseChunk>>,
  env: BatchEnv,
): Promise<JobRow | null> {
  if (!(await enterBatch(client, job.id, owner, chunk.seq))) return null;
  const { parsed, lines } = parsedChunk;
  const rejections = [...parsedChunk.rejections];
  const persons = parsed.filter((p) => p.kind === 'person');
  const requests = parsed.filter((p) => p.kind === 'request');

  const personKeys = { consulateIds: [] as string[], externalIds: [] as string[] };
  for (const p of persons) {
    personKeys.consulateIds.push(p.consulate.id);
    personKeys.externalIds.push(p.value.externalId);
  }
  for (const r of requests) {
    personKeys.consulateIds.push(r.consulate.id);
    personKeys.externalIds.push(r.value.personExternalId);
  }
  const known = new Map<string, { id: string | null; dateOfBirth: string }>();
  for (const k of await knownPersons(client, job.id, job.dry_run, personKeys)) {
    known.set(`${k.consulate_id}|${k.external_id}`, { id: k.id, dateOfBirth: k.date_of_birth });
  }
  const knownReqs = new Set(
    (
      await knownRequests(client, job.id, job.dry_run, {
        consulateIds: requests.map((r) => r.consulate.id),
        externalIds: requests.map((r) => r.value.externalId),
      })
    ).map((k) => `${k.consulate_id}|${k.external_id}`),
  );
  const withCurp = persons.filter((p) => p.value.curp);
  const curps = new Set(
    (
      await takenCurps(client, {
        consulateIds: withCurp.map((p) => p.consulate.id),
        curps: withCurp.map((p) => p.value.curp!),
      })
    ).map((k) => `${k.consulate_id}|${k.curp}`),
  );

  let created = 0;
  let skipped = 0;
  const personRows = new Columns(19);
  const dryKeys = new Columns(4);
  const accepted: { r: Extract<Parsed, { kind: 'request' }>; personId: string; id: string; year: number }[] = [];

  for (const item of parsed) {
    const cid = item.consulate.id;
    if (item.kind === 'person') {
      const v = item.value;
      const key = `${cid}|${v.externalId}`;
      if (known.has(key)) {
        skipped++;
        continue;
      }
      if (v.curp && curps.has(`${cid}|${v.curp}`)) {
        rejections.push({
          line: item.line,
          reason: 'curp: a person with this CURP is already registered at this consulate',
        });
        continue;
      }
      const id = randomUUID();
      known.set(key, { id, dateOfBirth: v.dateOfBirth });
      if (v.curp) curps.add(`${cid}|${v.curp}`);
      created++;
      if (job.dry_run) {
        dryKeys.push('P', cid, v.externalId, v.dateOfBirth);
        continue;
      }
      personRows.push(
        id,
        cid,
        v.externalId,
        v.givenNames,
        v.firstSurname,
        v.secondSurname ?? null,
        nameSearchKey(v),
        v.dateOfBirth,
        v.placeOfBirth.country,
        v.placeOfBirth.subdivision ?? null,
        v.curp ?? null,
        v.genderMarker,
        v.email?.toLowerCase() ?? null,
        v.phone ?? null,
        v.address?.line1 ?? null,
        v.address?.line2 ?? null,
        v.address?.city ?? null,
        v.address?.state ?? null,
        v.address?.postalCode ?? null,
      );
      continue;
    }
    const v = item.value;
    const key = `${cid}|${v.externalId}`;
    if (knownReqs.has(key)) {
      skipped++;
      continue;
    }
    const person = known.get(`${cid}|${v.personExternalId}`);
    if (!person) {
      rejections.push({
        line: item.line,
        reason:
          'personExternalId: no person with this externalId at this consulate (it must come on an earlier line or in an earlier import)',
      });
      continue;
    }
    const calendar = await env.calendar(cid);
    const problems = detailsProblems(v.type, v.details, {
      dateOfBirth: person.dateOfBirth,
      today: localDate(item.timeline.submittedAt, calendar.timeZone),
      emergency: v.emergency,
    });
    if (problems.length) {
      rejections.push({
        line: item.line,
        reason: problems
          .map((p) => `${p.path.replace(/^body\./, '')}: ${p.message}`)
          .join('; ')
          .slice(0, 500),
      });
      continue;
    }
    knownReqs.add(key);
    created++;
    if (job.dry_run) {
      dryKeys.push('R', cid, v.externalId, null);
      continue;
    }
    const year = Number(localDate(item.timeline.submittedAt, calendar.timeZone).slice(0, 4));
    accepted.push({ r: item, personId: person.id!, id: randomUUID(), year });
  }

  if (personRows.length) await client.query(INSERT_PERSONS, personRows.cols);

  if (accepted.length) {
    // Numbers in each consulate's series of the submission year, in order of submission.
    const groups = new Map<string, { consulateId: string; year: number; n: number }>();
    for (const a of accepted) {
      const g = `${a.r.consulate.id}|${a.year}`;
      const group = groups.get(g) ?? { consulateId: a.r.consulate.id, year: a.year, n: 0 };
      group.n++;
      groups.set(g, group);
    }
    const last = await reserveReferences(client, [...groups.values()]);
    const next = new Map([...groups].map(([g, group]) => [g, last.get(g)! - group.n + 1]));
    const ordered = [...accepted].sort(
      (a, b) => a.r.timeline.submittedAt.getTime() - b.r.timeline.submittedAt.getTime() || a.r.line - b.r.line,
    );
    const requestRows = new Columns(21);
    const events = new Columns(8);
    const payments = new Columns(5);
    const sealed = new Columns(7);
    const importRef = job.id;
    for (const a of ordered) {
      const { value: v, timeline: t, consulate } = a.r;
      const g = `${consulate.id}|${a.year}`;
      const number = next.get(g)!;
      next.set(g, number + 1);
      const calendar = await env.calendar(consulate.id);
      const rule = env.config.documentationDeadlines[v.type];
      const { storedDueAt } = computeDeadline(
        {
          state: t.state,
          submittedAt: t.submittedAt,
          resolvedAt: t.resolvedAt,
          deadlineDays: rule.resolve,
          infoDeadlineDays: rule.information,
          transitions: t.transitions,
        },
        calendar,
        env.now,
      );
      const counted = t.issuedAt ? turnaround(t.submittedAt, t.issuedAt, calendar) : null;
      let details: Record<string, unknown> = v.details;
      if (v.type === 'gender_identity_recognition' && t.issuedAt) {
        // As when the API issues one: the registered identity is sealed, the request keeps no copy.
        const d = v.details;
        sealed.push(
          a.personId,
          d.registeredName.givenNames,
          d.registeredName.firstSurname,
          d.registeredName.secondSurname ?? null,
          d.registeredMarker,
          a.id,
          t.issuedAt.toISOString(),
        );
        const { registeredName: _name, registeredMarker: _marker, ...rest } = d;
        details = { ...rest, registeredIdentitySealed: true };
      }
      requestRows.push(
        a.id,
        formatReference(consulate.code, a.year, number),
        consulate.id,
        a.personId,
        v.externalId,
        v.type,
        JSON.stringify(details),
        t.state,
        t.paidCents < v.feeCents,
        v.emergency,
        v.feeCents,
        t.paidCents,
        t.submittedAt.toISOString(),
        iso(t.resolvedAt),
        iso(t.issuedAt),
        iso(t.cancelledAt),
        counted?.turnaroundDays ?? null,
        counted?.turnaroundBusinessDays ?? null,
        iso(storedDueAt),
        rule.resolve,
        rule.information,
      );
      // The timeline: each change with its actor label, and each payment, in time order.
      const timeline: { at: Date; row: unknown[] }[] = t.transitions.map((tr, i) => ({
        at: tr.at,
        row: [
          'transition',
          tr.fromState,
          tr.toState,
          t.reasons[i],
          JSON.stringify(i === 0 ? { importId: importRef } : { importId: importRef, actor: t.actors[i] }),
        ],
      }));
      let paid = 0;
      for (const p of v.payments) {
        paid += p.amountCents;
        payments.push(a.id, p.amountCents, p.method, p.receipt, p.at);
        timeline.push({
          at: new Date(p.at),
          row: [
            'payment',
            null,
            null,
            null,
            JSON.stringify({ importId: importRef, amountCents: p.amountCents, method: p.method, paidCents: paid }),
          ],
        });
      }
      timeline.sort((x, y) => x.at.getTime() - y.at.getTime());
      for (const e of timeline) events.push(a.id, consulate.id, ...e.row, e.at.toISOString());
    }
    await client.query(INSERT_REQUESTS, requestRows.cols);
    await client.query(INSERT_EVENTS, events.cols);
    if (payments.length) await client.query(INSERT_PAYMENTS, payments.cols);
    if (sealed.length) await client.query(INSERT_SEALED, sealed.cols);
  }

  if (dryKeys.length) await client.query(INSERT_DRY_KEYS, [job.id, ...dryKeys.cols]);
  if (rejections.length) {
    rejections.sort((a, b) => a.line - b.line);
    await client.query(INSERT_REJECTIONS, [job.id, rejections.map((r) => r.line), rejections.map((r) => r.reason)]);
  }
  const counts = { lines, created, skipped, rejected: rejections.length };
  if (!job.dry_run) {
    await client.query(INSERT_AUDIT, [
      job.actor_id,
      job.actor_role,
      job.consulate_id,
      'import.batch',
      job.id,
      JSON.stringify({
        importId: job.id,
        firstLine: chunk.first_line,
        lastLine: chunk.first_line + lines - 1,
        created,
        skipped,
        rejected: rejections.length,
      }),
      job.request_id,
    ]);
  }
  return completeBatch(client, job.id, chunk.seq, counts);
}
