import type { Tx } from '../../db/client.ts';

/**
 * The anonymising statements (issue 13 §3). Each keeps what statistics and
 * drill-downs count — references, types, states, instants, local dates,
 * consulates, turnarounds, flags, amounts — and removes personal fields and
 * free text. Each marks its rows (`anonymised_at`), so a row is done once.
 *
 * `retention` picks rows final for longer than the period (`cutoff`), skipping
 * rows another transaction holds (replicas racing, a user writing): the next
 * run takes them. `person` takes every final record of one person, waiting for
 * locks (an erasure request must not leave one behind).
 */
export type Pick = { mode: 'retention'; cutoff: Date; limit: number } | { mode: 'person'; personId: string };

export interface AnonymisedRow {
  id: string;
  consulate_id: string;
}

/** Lets this transaction blank the free text of append-only histories (see the migration). */
export async function allowHistoryScrub(tx: Tx): Promise<void> {
  await tx.$queryRawUnsafe(`SELECT set_config('ccm.anonymising', 'on', true)`);
}

const FINAL_REQUEST = `('delivered', 'rejected', 'cancelled')`;

function pickWhere(pick: Pick, instant: string, first: number): { sql: string; tail: string; values: unknown[] } {
  if (pick.mode === 'retention') {
    return {
      sql: `${instant} < $${first}`,
      tail: `ORDER BY ${instant} LIMIT $${first + 1} FOR UPDATE SKIP LOCKED`,
      values: [pick.cutoff, pick.limit],
    };
  }
  return { sql: `person_id = $${first}::uuid`, tail: 'FOR UPDATE', values: [pick.personId] };
}

/**
 * What of a request's details is kept: per type, the fields that are choices
 * of a list (application, validity, markers, countries, the birth record's
 * state and year) — never names, numbers, addresses or documents.
 */
const SCRUBBED_DETAILS = `CASE r.type
    WHEN 'passport' THEN jsonb_strip_nulls(jsonb_build_object(
      'application', r.details -> 'application',
      'validityYears', r.details -> 'validityYears',
      'parentalConsent', CASE WHEN r.details ? 'parentalConsent'
        THEN jsonb_strip_nulls(jsonb_build_object('method', r.details #> '{parentalConsent,method}')) END))
    WHEN 'consular_id' THEN jsonb_strip_nulls(jsonb_build_object(
      'genderMarker', r.details -> 'genderMarker',
      'usAddress', CASE WHEN r.details ? 'usAddress'
        THEN jsonb_strip_nulls(jsonb_build_object('state', r.details #> '{usAddress,state}')) END,
      'identityDocument', CASE WHEN r.details ? 'identityDocument'
        THEN jsonb_strip_nulls(jsonb_build_object('kind', r.details #> '{identityDocument,kind}')) END))
    WHEN 'birth_registration' THEN jsonb_strip_nulls(jsonb_build_object(
      'child', jsonb_strip_nulls(jsonb_build_object(
        'sexMarker', r.details #> '{child,sexMarker}',
        'placeOfBirth', jsonb_strip_nulls(jsonb_build_object('country', r.details #> '{child,placeOfBirth,country}')))),
      'parents', (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object('nationality', p -> 'nationality')))
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.details -> 'parents') = 'array'
          THEN r.details -> 'parents' ELSE '[]'::jsonb END) p)))
    WHEN 'gender_identity_recognition' THEN jsonb_strip_nulls(jsonb_build_object(
      'registeredMarker', r.details -> 'registeredMarker',
      'newMarker', r.details -> 'newMarker',
      'originalBirthRecord', CASE WHEN r.details ? 'originalBirthRecord'
        THEN jsonb_strip_nulls(jsonb_build_object(
          'state', r.details #> '{originalBirthRecord,state}',
          'year', r.details #> '{originalBirthRecord,year}')) END))
    WHEN 'notarial_act' THEN jsonb_strip_nulls(jsonb_build_object(
      'act', jsonb_strip_nulls(jsonb_build_object(
        'kind', r.details #> '{act,kind}',
        'scope', r.details #> '{act,scope}',
        'powers', r.details #> '{act,powers}',
        'jointly', r.details #> '{act,jointly}',
        'form', r.details #> '{act,form}',
        'subject', r.details #> '{act,subject}')),
      'language', r.details -> 'language',
      'copies', r.details -> 'copies',
      'toBeUsedIn', r.details -> 'toBeUsedIn'))
    WHEN 'legalization' THEN jsonb_strip_nulls(jsonb_build_object(
      'documents', (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
          'kind', d -> 'kind', 'issuingCountry', d -> 'issuingCountry', 'pages', d -> 'pages')))
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.details -> 'documents') = 'array'
          THEN r.details -> 'documents' ELSE '[]'::jsonb END) d),
      'destination', jsonb_strip_nulls(jsonb_build_object('state', r.details #> '{destination,state}')),
      'apostilleNotApplicable', r.details -> 'apostilleNotApplicable'))
    ELSE '{}'::jsonb
  END`;

/** Final documentation requests: details reduced to their non-personal choices, timeline reasons blanked. */
export function anonymiseRequests(tx: Tx, now: Date, pick: Pick): Promise<AnonymisedRow[]> {
  const where = pickWhere(pick, 'updated_at', 2);
  return tx.$queryRawUnsafe<AnonymisedRow[]>(
    `WITH picked AS (
       SELECT id FROM documentation_requests
       WHERE anonymised_at IS NULL AND state IN ${FINAL_REQUEST} AND ${where.sql}
       ${where.tail}
     ), events AS (
       UPDATE documentation_request_events e SET reason = ''
       FROM picked WHERE e.request_id = picked.id AND e.reason <> ''
       RETURNING 1
     )
     UPDATE documentation_requests r
     SET details = coalesce(${SCRUBBED_DETAILS}, '{}'::jsonb), anonymised_at = $1, updated_at = $1, version = r.version + 1
     FROM picked WHERE r.id = picked.id
     RETURNING r.id::text AS id, r.consulate_id::text AS consulate_id`,
    now,
    ...where.values,
  );
}

/** Closed protection cases: summary, notes, referral contacts and notes, history reasons blanked. */
export function anonymiseCases(tx: Tx, now: Date, pick: Pick): Promise<AnonymisedRow[]> {
  const where = pickWhere(pick, 'closed_at', 2);
  return tx.$queryRawUnsafe<AnonymisedRow[]>(
    `WITH picked AS (
       SELECT id FROM protection_cases
       WHERE anonymised_at IS NULL AND state = 'closed' AND ${where.sql}
       ${where.tail}
     ), notes AS (
       UPDATE protection_notes n SET body = '' FROM picked WHERE n.case_id = picked.id AND n.body <> ''
       RETURNING 1
     ), referrals AS (
       UPDATE protection_referrals f SET contact = NULL, notes = NULL, updated_at = $1, version = f.version + 1
       FROM picked WHERE f.case_id = picked.id
       RETURNING 1
     ), events AS (
       UPDATE protection_case_events e SET reason = '' FROM picked WHERE e.case_id = picked.id AND e.reason <> ''
       RETURNING 1
     )
     UPDATE protection_cases c SET summary = '', anonymised_at = $1, updated_at = $1, version = c.version + 1
     FROM picked WHERE c.id = picked.id
     RETURNING c.id::text AS id, c.consulate_id::text AS consulate_id`,
    now,
    ...where.values,
  );
}

/**
 * Appointments that are over (served, no-show, cancelled, or past their end):
 * the cancellation reason blanked. The rest of an appointment is not personal
 * beyond its person, who is anonymised on their own.
 */
export function anonymiseAppointments(tx: Tx, now: Date, pick: Pick): Promise<AnonymisedRow[]> {
  const where =
    pick.mode === 'retention'
      ? { sql: `ends_at < $2 AND updated_at < $2`, tail: 'ORDER BY ends_at LIMIT $3 FOR UPDATE SKIP LOCKED' }
      : { sql: `person_id = $2::uuid`, tail: 'FOR UPDATE' };
  const values = pick.mode === 'retention' ? [pick.cutoff, pick.limit] : [pick.personId];
  return tx.$queryRawUnsafe<AnonymisedRow[]>(
    `WITH picked AS (
       SELECT id FROM appointments
       WHERE anonymised_at IS NULL AND (state IN ('served', 'no_show', 'cancelled') OR ends_at <= $1) AND ${where.sql}
       ${where.tail}
     )
     UPDATE appointments a
     SET cancelled_reason = CASE WHEN a.cancelled_reason IS NULL THEN NULL ELSE '' END,
         anonymised_at = $1, updated_at = $1, version = a.version + 1
     FROM picked WHERE a.id = picked.id
     RETURNING a.id::text AS id, a.consulate_id::text AS consulate_id`,
    now,
    ...values,
  );
}

export interface PersonCandidate {
  id: string;
  consulate_id: string;
  curp: string | null;
}

/**
 * Persons whose every record is anonymised (or who have none), unchanged for
 * the period (`retention`), or the one person of an erasure request — locked.
 */
export function lockAnonymisablePersons(tx: Tx, pick: Pick): Promise<PersonCandidate[]> {
  const where =
    pick.mode === 'retention'
      ? { sql: 'p.updated_at < $1', tail: 'ORDER BY p.updated_at LIMIT $2 FOR UPDATE OF p SKIP LOCKED' }
      : { sql: 'p.id = $1::uuid', tail: 'FOR UPDATE OF p' };
  const values = pick.mode === 'retention' ? [pick.cutoff, pick.limit] : [pick.personId];
  return tx.$queryRawUnsafe<PersonCandidate[]>(
    `SELECT p.id::text AS id, p.consulate_id::text AS consulate_id, p.curp::text AS curp FROM persons p
     WHERE p.anonymised_at IS NULL AND ${where.sql}
       AND NOT EXISTS (SELECT 1 FROM documentation_requests r WHERE r.person_id = p.id AND r.anonymised_at IS NULL)
       AND NOT EXISTS (SELECT 1 FROM protection_cases c WHERE c.person_id = p.id AND c.anonymised_at IS NULL)
       AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.person_id = p.id AND a.anonymised_at IS NULL)
     ${where.tail}`,
    ...values,
  );
}

/**
 * Names, CURP (kept as its keyed hash), contact, address, birth subdivision
 * and the day and month of birth removed; sealed previous identities deleted.
 * Country of birth, gender marker, consulate, jurisdiction flag and instants stay.
 */
export async function anonymisePersons(
  tx: Tx,
  now: Date,
  persons: readonly { id: string; curpHash: string | null }[],
): Promise<void> {
  if (persons.length === 0) return;
  await tx.$queryRawUnsafe(
    `WITH input AS (SELECT * FROM unnest($2::uuid[], $3::text[]) AS t(id, curp_hash)),
     sealed AS (DELETE FROM sealed_identities s USING input WHERE s.person_id = input.id RETURNING 1)
     UPDATE persons p SET
       given_names = '', first_surname = '', second_surname = NULL, name_search = '',
       date_of_birth = date_trunc('year', p.date_of_birth)::date, birth_subdivision = NULL,
       curp = NULL, curp_hash = input.curp_hash, email = NULL, phone = NULL,
       address_line1 = NULL, address_line2 = NULL, address_city = NULL, address_state = NULL,
       address_postal_code = NULL, anonymised_at = $1, updated_at = $1, version = p.version + 1
     FROM input WHERE p.id = input.id`,
    now,
    persons.map((p) => p.id),
    persons.map((p) => p.curpHash),
  );
}

/** A record that keeps a person's erasure request waiting. */
export interface BlockingRecord {
  kind: 'documentation_request' | 'protection_case' | 'appointment';
  id: string;
  /** The request's or case's reference; the appointment's confirmation code. */
  reference: string;
  state: string;
  /** `open`: not final yet; `legal_hold`: a closed detention case inside its retention period. */
  cause: 'open' | 'legal_hold';
}

export function blockingRecords(tx: Tx, personId: string, now: Date, holdSince: Date): Promise<BlockingRecord[]> {
  return tx.$queryRawUnsafe<BlockingRecord[]>(
    `SELECT 'documentation_request' AS kind, id::text AS id, reference, state::text AS state, 'open' AS cause, submitted_at AS at
       FROM documentation_requests WHERE person_id = $1::uuid AND state NOT IN ${FINAL_REQUEST}
     UNION ALL
     SELECT 'protection_case', id::text, reference, state::text,
            CASE WHEN state = 'closed' THEN 'legal_hold' ELSE 'open' END, opened_at
       FROM protection_cases
       WHERE person_id = $1::uuid AND (state <> 'closed' OR (category = 'detention' AND closed_at > $3))
     UNION ALL
     SELECT 'appointment', id::text, confirmation_code::text, state::text, 'open', starts_at
       FROM appointments WHERE person_id = $1::uuid AND state IN ('booked', 'checked_in') AND ends_at > $2
     ORDER BY at, id
     LIMIT 100`,
    personId,
    now,
    holdSince,
  );
}

/** Every id of a person's records: what a stored idempotent answer about them would mention. */
export async function recordIdsOf(tx: Tx, personId: string): Promise<string[]> {
  const rows = await tx.$queryRawUnsafe<{ id: string }[]>(
    `SELECT id::text FROM documentation_requests WHERE person_id = $1::uuid
     UNION ALL SELECT id::text FROM protection_cases WHERE person_id = $1::uuid
     UNION ALL SELECT id::text FROM appointments WHERE person_id = $1::uuid`,
    personId,
  );
  return [personId, ...rows.map((r) => r.id)];
}

const GONE_BODY = JSON.stringify({
  type: 'urn:problem-type:consular:anonymised',
  title: 'Gone',
  status: 410,
  detail: 'The record this request created or changed has been anonymised.',
});

/**
 * Stored idempotent answers (kept 24 h) that mention the ids: their bodies
 * may hold the person's data. They become a 410 problem, so a retry of the
 * same key still replays (and creates nothing twice) but shows nothing.
 */
export async function scrubIdempotentAnswers(tx: Tx, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  return tx.$executeRawUnsafe(
    `UPDATE idempotency_keys SET response_status = 410, response_body = $2,
       response_headers = '{"content-type": "application/problem+json; charset=utf-8"}'::jsonb
     WHERE response_body IS NOT NULL AND response_status <> 410
       AND (response_body LIKE ANY($1::text[]) OR response_headers::text LIKE ANY($1::text[]))`,
    ids.map((id) => `%${id}%`),
    GONE_BODY,
  );
}

/** Stored answers past their 24 hours are never replayed: they go (they may hold personal data). */
export function purgeExpiredIdempotentAnswers(tx: Tx): Promise<number> {
  return tx.$executeRawUnsafe(`DELETE FROM idempotency_keys WHERE expires_at <= now()`);
}

/**
 * Claims the UTC day's run: true for the one replica whose statement made (or
 * took over, after an hour unfinished) the day's row.
 */
export async function claimRun(tx: Tx, day: string, now: Date): Promise<boolean> {
  const rows = await tx.$queryRawUnsafe<unknown[]>(
    `INSERT INTO retention_runs (run_date, started_at) VALUES ($1::date, $2)
     ON CONFLICT (run_date) DO UPDATE SET started_at = EXCLUDED.started_at, attempts = retention_runs.attempts + 1
       WHERE retention_runs.finished_at IS NULL AND retention_runs.started_at < $2::timestamptz - interval '1 hour'
     RETURNING 1`,
    day,
    now,
  );
  return rows.length === 1;
}

export async function finishRun(tx: Tx, day: string, finishedAt: Date, counts: Record<string, number>): Promise<void> {
  await tx.$executeRawUnsafe(
    `UPDATE retention_runs SET finished_at = $2, counts = $3::jsonb WHERE run_date = $1::date`,
    day,
    finishedAt,
    JSON.stringify(counts),
  );
}
