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
import { caseFilterSchema } from './protection-cases.filters.ts';
import { accessPurpose } from '../access-log/access-log.schemas.ts';
import {
  PROTECTION_CATEGORIES,
  PROTECTION_PRIORITIES,
  PROTECTION_STATES,
  REFERRAL_STATUSES,
} from './protection-cases.states.ts';

export const categorySchema = z.enum(PROTECTION_CATEGORIES).meta({ id: 'ProtectionCategory' });
export const prioritySchema = z.enum(PROTECTION_PRIORITIES).meta({ id: 'ProtectionPriority' });
export const caseStateSchema = z.enum(PROTECTION_STATES).meta({ id: 'ProtectionState' });
const referralKindSchema = z.enum(['legal_aid', 'shelter', 'medical', 'ngo', 'other']);
const referralStatusSchema = z.enum(REFERRAL_STATUSES);
const noteKindSchema = z.enum(['contact', 'action', 'legal', 'consular_visit', 'internal', 'correction']);

const reason = text(2000, { min: 1 });

const consentSchema = z
  .object({
    given: z.literal(true, {
      error: 'protection acts only when the national requests or accepts it: consent must be given',
    }),
    givenBy: z.enum(['national', 'legal_guardian', 'next_of_kin']).default('national'),
    recordedAt: isoDateTime,
    channel: z.enum(['in_person', 'phone', 'video', 'email', 'written', 'consular_visit']),
  })
  .strict();

export const createCaseBody = z
  .object({
    personId: uuid
      .optional()
      .meta({ description: 'Omit for an anonymous first contact; link the person later with PATCH.' }),
    consulateId: uuid.optional().meta({ description: 'Admins name the consulate; others open cases at their own.' }),
    category: categorySchema,
    priority: prioritySchema,
    confidential: z
      .boolean()
      .optional()
      .meta({ description: 'Default: true for gender_based_violence, human_trafficking and minor_unaccompanied.' }),
    summary: text(4000, { min: 1 }),
    consent: consentSchema,
  })
  .strict();

export const updateCaseBody = z
  .object({
    personId: uuid.optional(),
    category: categorySchema.optional(),
    priority: prioritySchema.optional(),
    summary: text(4000, { min: 1 }).optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'must change at least one field');

export const caseTransitionBody = z
  .object({
    to: caseStateSchema,
    reason: reason.optional().meta({ description: 'Required for resolved, closed and reopened.' }),
  })
  .strict();
export const assignCaseBody = z.object({ staffId: uuid.nullable() }).strict();
export const confidentialityBody = z
  .object({
    confidential: z.boolean(),
    reason: reason.optional().meta({ description: 'Required to lift confidentiality (supervisors and admins only).' }),
  })
  .strict();
export const transferBody = z.object({ consulateId: uuid, reason }).strict();
export const escalateBody = z.object({ reason }).strict();
export const noteBody = z
  .object({
    body: text(10_000, { min: 1 }),
    kind: noteKindSchema,
    correctsNoteId: uuid.optional().meta({ description: 'Required for a correction: the note it corrects.' }),
  })
  .strict()
  .refine((n) => (n.kind === 'correction') === (n.correctsNoteId !== undefined), {
    path: ['correctsNoteId'],
    message: 'is required for a correction, and only for one',
  });
export const referralBody = z
  .object({
    organization: text(200, { min: 1 }),
    kind: referralKindSchema,
    contact: text(300).optional(),
    notes: text(2000).optional(),
  })
  .strict();
export const referralUpdateBody = z.object({ status: referralStatusSchema }).strict();
export const referralParams = z.object({ id: uuid, referralId: uuid });

export const caseSchema = z
  .object({
    id: uuid,
    reference: outText(26).meta({ examples: ['LAX-P-2026-000123'] }),
    consulateId: uuid,
    originConsulateId: uuid,
    personId: uuid.nullable(),
    category: categorySchema,
    priority: prioritySchema,
    confidential: z.boolean(),
    summary: outText(4000),
    consent: z.object({
      given: z.boolean(),
      givenBy: z.enum(['national', 'legal_guardian', 'next_of_kin']),
      recordedAt: isoDateTimeOut,
      channel: outText(20),
    }),
    state: caseStateSchema,
    assignedToId: uuid.nullable(),
    escalated: z.boolean(),
    escalatedAt: isoDateTimeOut.nullable(),
    openedAt: isoDateTimeOut,
    firstActionDueAt: isoDateTimeOut,
    firstActionAt: isoDateTimeOut.nullable(),
    overdue: z.boolean().meta({ description: 'The first action is still due and its time has passed.' }),
    minutesLate: int32().nullable().meta({ description: 'How late the first action is, when overdue.' }),
    resolvedAt: isoDateTimeOut.nullable(),
    closedAt: isoDateTimeOut.nullable(),
    allowedTransitions: z.array(caseStateSchema).max(PROTECTION_STATES.length),
    version: int32(),
    createdAt: isoDateTimeOut,
    updatedAt: isoDateTimeOut,
  })
  .meta({ id: 'ProtectionCase' });

export const caseListQuery = caseFilterSchema.extend({
  limit: limitQuery,
  cursor: cursorQuery,
  purpose: accessPurpose.optional(),
});

export const caseListResponse = listOf(caseSchema);

export const noteSchema = z
  .object({
    id: uuid,
    caseId: uuid,
    kind: noteKindSchema,
    body: outText(10_000),
    correctsNoteId: uuid.nullable(),
    authorId: uuid,
    authorRole: outText(40),
    createdAt: isoDateTimeOut,
  })
  .meta({ id: 'ProtectionNote' });
export const noteListResponse = listOf(noteSchema);

export const referralSchema = z
  .object({
    id: uuid,
    caseId: uuid,
    organization: outText(200),
    kind: referralKindSchema,
    contact: outText(300).nullable(),
    notes: outText(2000).nullable(),
    status: referralStatusSchema,
    createdById: uuid,
    version: int32(),
    createdAt: isoDateTimeOut,
    updatedAt: isoDateTimeOut,
  })
  .meta({ id: 'ProtectionReferral' });
export const referralListResponse = z.object({ data: z.array(referralSchema).max(1000) });

export const historySchema = z
  .object({
    data: z
      .array(
        z.object({
          id: uuid,
          kind: z.enum(['transition', 'transfer', 'escalation', 'confidentiality', 'assignment']),
          fromState: caseStateSchema.nullable(),
          toState: caseStateSchema.nullable(),
          fromConsulateId: uuid.nullable(),
          toConsulateId: uuid.nullable(),
          consulateId: uuid,
          reason: outText(2000).nullable(),
          actorId: uuid,
          actorRole: outText(40),
          details: z.record(outText(80), z.unknown()).nullable(),
          at: isoDateTimeOut,
        }),
      )
      .max(10_000),
  })
  .meta({ id: 'ProtectionCaseHistory', description: 'One unbroken history, across transfers between consulates.' });
