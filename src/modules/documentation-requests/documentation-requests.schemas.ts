import { z } from 'zod';
import {
  cursorQuery,
  int32,
  INT32_MAX,
  isoDateOut,
  isoDateTimeOut,
  limitQuery,
  listOf,
  outText,
  text,
  uuid,
} from '../../lib/schemas.ts';
import { DETAILS_SCHEMAS, DOCUMENTATION_TYPES } from './documentation-requests.details.ts';
import { documentationFilterSchema } from './documentation-requests.filters.ts';
import { DOCUMENTATION_FLAGS, DOCUMENTATION_STATES } from './documentation-requests.states.ts';

export const documentationTypeSchema = z.enum(DOCUMENTATION_TYPES).meta({ id: 'DocumentationType' });
export const documentationStateSchema = z.enum(DOCUMENTATION_STATES).meta({ id: 'DocumentationState' });
export const documentationFlagSchema = z.enum(DOCUMENTATION_FLAGS);

const common = {
  personId: uuid,
  consulateId: uuid.optional().meta({ description: 'Admins name the consulate; others file at their own.' }),
  feeCents: int32(0, 100_000_000).default(0).meta({ description: 'Fee in cents; fee_pending until paid.' }),
  emergency: z.boolean().default(false),
};

/** Notarial acts and legalizations have a tariff: omitted, the fee is the tariff's for the act. */
const tariffFee = {
  feeCents: int32(0, 100_000_000)
    .optional()
    .meta({ description: 'Fee in cents; fee_pending until paid. Omitted: the consular tariff’s fee for the act.' }),
};

export const createDocumentationRequestBody = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('passport'), details: DETAILS_SCHEMAS.passport, ...common }).strict(),
    z.object({ type: z.literal('consular_id'), details: DETAILS_SCHEMAS.consular_id, ...common }).strict(),
    z
      .object({ type: z.literal('birth_registration'), details: DETAILS_SCHEMAS.birth_registration, ...common })
      .strict(),
    z
      .object({
        type: z.literal('gender_identity_recognition'),
        details: DETAILS_SCHEMAS.gender_identity_recognition,
        ...common,
      })
      .strict(),
    z
      .object({ type: z.literal('notarial_act'), details: DETAILS_SCHEMAS.notarial_act, ...common, ...tariffFee })
      .strict(),
    z
      .object({ type: z.literal('legalization'), details: DETAILS_SCHEMAS.legalization, ...common, ...tariffFee })
      .strict(),
  ])
  .meta({ description: '`details` is validated according to `type`.' });

export const updateDocumentationRequestBody = z
  .object({
    details: z
      .record(text(80, { trim: false }), z.unknown())
      .optional()
      .meta({ description: 'The whole details object of the request’s type.' }),
    feeCents: int32(0, 100_000_000).optional(),
    emergency: z.boolean().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'must change at least one field');

export const transitionBody = z
  .object({
    to: documentationStateSchema,
    reason: text(2000, { min: 1 })
      .optional()
      .meta({ description: 'Required for rejected, cancelled and needs_information.' }),
  })
  .strict();

export const assignBody = z.object({ staffId: uuid.nullable().meta({ description: 'Null unassigns.' }) }).strict();

export const clearFlagBody = z.object({ flag: documentationFlagSchema, reason: text(2000, { min: 1 }) }).strict();

export const paymentBody = z
  .object({
    amountCents: int32(1, 100_000_000),
    method: z.enum(['cash', 'card', 'money_order']),
    receipt: text(64, { min: 1 }),
  })
  .strict();

export const deadlineSchema = z.object({
  dueAt: isoDateTimeOut,
  dueDate: isoDateOut.meta({ description: 'The due day in the consulate’s calendar.' }),
  daysRemaining: int32(-INT32_MAX).nullable(),
  clockPaused: z.boolean(),
  overdue: z.boolean(),
  businessDays: int32(),
  pausedBusinessDays: int32(),
  informationRequestDueAt: isoDateTimeOut,
  resolvedWithinDeadline: z.boolean().nullable(),
});

export const documentationRequestSchema = z
  .object({
    id: uuid,
    reference: outText(24).meta({ examples: ['LAX-2026-000123'] }),
    consulateId: uuid,
    personId: uuid,
    person: z.object({
      id: uuid,
      givenNames: outText(120),
      firstSurname: outText(120),
      secondSurname: outText(120).nullable(),
      outsideJurisdiction: z
        .boolean()
        .meta({ description: 'The person’s US address lies outside the consulate’s jurisdiction.' }),
    }),
    type: documentationTypeSchema,
    details: z.record(outText(80), z.unknown()),
    state: documentationStateSchema,
    flags: z.array(documentationFlagSchema).max(DOCUMENTATION_FLAGS.length),
    emergency: z.boolean(),
    feeCents: int32(),
    paidCents: int32(),
    assignedToId: uuid.nullable(),
    submittedAt: isoDateTimeOut,
    resolvedAt: isoDateTimeOut.nullable(),
    issuedAt: isoDateTimeOut.nullable(),
    dueAt: isoDateTimeOut.meta({ description: 'Statutory resolution deadline (see deadline).' }),
    daysRemaining: int32(-INT32_MAX).nullable().meta({ description: 'Business days left; negative when overdue.' }),
    deadline: deadlineSchema,
    allowedTransitions: z.array(documentationStateSchema).max(DOCUMENTATION_STATES.length),
    version: int32(),
    createdAt: isoDateTimeOut,
    updatedAt: isoDateTimeOut,
  })
  .meta({ id: 'DocumentationRequest' });

export const documentationListQuery = documentationFilterSchema.extend({ limit: limitQuery, cursor: cursorQuery });

export const documentationListResponse = listOf(documentationRequestSchema);

export const timelineEntrySchema = z.object({
  id: uuid,
  kind: z.enum(['transition', 'flag_cleared', 'payment', 'assignment', 'details_updated']),
  fromState: documentationStateSchema.nullable(),
  toState: documentationStateSchema.nullable(),
  reason: outText(2000).nullable(),
  actorId: uuid.nullable(),
  actorRole: outText(40).nullable(),
  details: z.record(outText(80), z.unknown()).nullable(),
  at: isoDateTimeOut,
});

export const timelineResponse = z
  .object({ data: z.array(timelineEntrySchema).max(10_000) })
  .meta({ id: 'DocumentationTimeline' });
