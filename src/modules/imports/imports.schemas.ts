import { z } from 'zod';
import {
  cursorQuery,
  int32,
  isoDateTime,
  isoDateTimeOut,
  limitQuery,
  listOf,
  outText,
  text,
  uuid,
} from '../../lib/schemas.ts';
import { DETAILS_SCHEMAS } from '../documentation-requests/documentation-requests.details.ts';
import { DOCUMENTATION_STATES } from '../documentation-requests/documentation-requests.states.ts';
import { curpMatchesBirthDate, personFields } from '../persons/persons.schemas.ts';

/**
 * The lines of an import file (NDJSON, one JSON object per line), validated
 * with the API's own rules: persons with the fields of POST /v1/persons,
 * documentation requests with the per-type details of POST
 * /v1/documentation-requests, and their history checked against the
 * transitions table (see imports.service.ts).
 */
export const externalId = z
  .string()
  .max(100)
  .regex(/^[\x21-\x7e]{1,100}$/, 'must be 1–100 visible ASCII characters');

const consulateCode = z
  .string()
  .max(8)
  .regex(/^[A-Z0-9]{2,8}$/, 'must be a consulate code, e.g. LAX');

export const personLine = z
  .object({
    kind: z.literal('person'),
    externalId,
    consulate: consulateCode,
    ...personFields,
  })
  .strict()
  .refine((p) => curpMatchesBirthDate(p.curp, p.dateOfBirth), {
    path: ['curp'],
    message: 'does not match dateOfBirth',
  });

const historyEntry = z
  .object({
    state: z.enum(DOCUMENTATION_STATES),
    at: isoDateTime,
    actor: text(200, { min: 1 }).meta({ description: 'Who made the change, as the source system names them.' }),
    reason: text(2000, { min: 1 }).optional(),
  })
  .strict();

const payment = z
  .object({
    amountCents: int32(1, 100_000_000),
    method: z.enum(['cash', 'card', 'money_order']),
    receipt: text(64, { min: 1 }),
    at: isoDateTime,
  })
  .strict();

const requestCommon = {
  kind: z.literal('documentation_request'),
  externalId,
  consulate: consulateCode,
  personExternalId: externalId,
  feeCents: int32(0, 100_000_000).default(0),
  emergency: z.boolean().default(false),
  submittedAt: isoDateTime,
  history: z.array(historyEntry).max(20).default([]),
  issuedAt: isoDateTime.optional(),
  payments: z.array(payment).max(20).default([]),
};

export const requestLine = z.discriminatedUnion('type', [
  z.object({ type: z.literal('passport'), details: DETAILS_SCHEMAS.passport, ...requestCommon }).strict(),
  z.object({ type: z.literal('consular_id'), details: DETAILS_SCHEMAS.consular_id, ...requestCommon }).strict(),
  z
    .object({ type: z.literal('birth_registration'), details: DETAILS_SCHEMAS.birth_registration, ...requestCommon })
    .strict(),
  z
    .object({
      type: z.literal('gender_identity_recognition'),
      details: DETAILS_SCHEMAS.gender_identity_recognition,
      ...requestCommon,
    })
    .strict(),
  z.object({ type: z.literal('notarial_act'), details: DETAILS_SCHEMAS.notarial_act, ...requestCommon }).strict(),
  z.object({ type: z.literal('legalization'), details: DETAILS_SCHEMAS.legalization, ...requestCommon }).strict(),
]);

export type PersonLine = z.output<typeof personLine>;
export type RequestLine = z.output<typeof requestLine>;

export const importQuery = z
  .object({
    dryRun: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true')
      .meta({ description: '`true`: validate every line and report, write nothing.' }),
  })
  .strict();

export const IMPORT_STATES = ['receiving', 'queued', 'running', 'succeeded', 'failed'] as const;

export const importJobSchema = z
  .object({
    id: uuid,
    state: z.enum(IMPORT_STATES).meta({
      description:
        'receiving (the upload is being stored), queued, running, succeeded, failed (see `error`; the counts say what was committed).',
    }),
    dryRun: z.boolean(),
    consulateId: uuid.nullable().meta({ description: 'The importing supervisor’s consulate; null for an admin.' }),
    bytes: int32().meta({ description: 'Bytes of the upload received (at most IMPORT_MAX_BYTES).' }),
    linesTotal: int32().nullable().meta({ description: 'Lines of the upload, once stored.' }),
    linesRead: int32().meta({ description: 'Lines processed so far (committed).' }),
    created: int32().meta({ description: 'Records (persons and requests) created (dry run: that would be).' }),
    skipped: int32().meta({
      description: 'Lines whose record was already imported (same consulate, kind, externalId).',
    }),
    rejected: int32().meta({ description: 'Lines refused: see /rejections.' }),
    error: outText(500).nullable(),
    createdAt: isoDateTimeOut,
    startedAt: isoDateTimeOut.nullable(),
    finishedAt: isoDateTimeOut.nullable(),
  })
  .meta({ id: 'ImportJob' });

export const rejectionsQuery = z.object({ limit: limitQuery, cursor: cursorQuery });

export const rejectionsResponse = listOf(
  z.object({
    line: int32(1).meta({ description: 'Line number in the file, from 1.' }),
    reason: outText(500).meta({ description: 'Field and rule; never the line’s values.' }),
  }),
);
