import { z } from 'zod';
import { int32, isoDateTimeOut, outText, problemSchema, text, uuid } from '../../lib/schemas.ts';

export const anonymiseBody = z
  .object({
    reason: text(2000, { min: 1 }).meta({
      description:
        'Why (e.g. the national’s written erasure request). Required, but not stored: it may name people. The audit event records who anonymised the person, when, and what.',
    }),
  })
  .strict();

export const anonymiseResponse = z
  .object({
    personId: uuid,
    anonymisedAt: isoDateTimeOut,
    documentationRequests: int32().meta({ description: 'Documentation requests anonymised.' }),
    protectionCases: int32().meta({ description: 'Protection cases anonymised.' }),
    appointments: int32().meta({ description: 'Appointments anonymised.' }),
    persons: int32(1, 1),
  })
  .meta({ id: 'Anonymisation' });

const blockingRecord = z.object({
  kind: z.enum(['documentation_request', 'protection_case', 'appointment']),
  id: uuid,
  reference: outText(26).meta({ description: 'Reference, or an appointment’s confirmation code.' }),
  state: outText(40),
  cause: z.enum(['open', 'legal_hold']).meta({
    description: '`open`: not final yet. `legal_hold`: a closed detention case inside its retention period.',
  }),
});

/** The 409 of an erasure request: the problem names the records that keep it waiting. */
export const anonymiseConflict = problemSchema
  .extend({
    blockingRecords: z.array(blockingRecord).max(100).optional(),
    anonymisedAt: isoDateTimeOut.optional(),
  })
  .meta({ description: 'RFC 9457 problem details; an erasure request refused for open or held records names them.' });
