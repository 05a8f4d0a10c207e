import { z } from 'zod';
import { cursorQuery, isoDateTime, isoDateTimeOut, limitQuery, listOf, outText, uuid } from '../../lib/schemas.ts';
import { ACCESS_PURPOSES } from './access-log.repository.ts';

export const accessPurpose = z.enum(ACCESS_PURPOSES).meta({
  id: 'AccessPurpose',
  description:
    'Why the record is read, as the reader states it: it is written to the audit log and shown in the person’s access report.',
});

/** `?purpose=` on reads of confidential cases and sealed identities. */
export const purposeQuery = z.object({ purpose: accessPurpose.optional() });

export const accessReportQuery = z.object({
  limit: limitQuery,
  cursor: cursorQuery,
  from: isoDateTime.optional().meta({ description: 'Accesses at or after this instant.' }),
  to: isoDateTime.optional().meta({ description: 'Accesses before this instant.' }),
});

export const accessReportEntrySchema = z
  .object({
    occurredAt: isoDateTimeOut,
    kind: z.enum(['read', 'write']),
    actor: z.object({
      type: outText(20).meta({ description: 'staff, kiosk, system (and import or webhook actors).' }),
      id: uuid.nullable(),
      role: outText(40).nullable(),
      consulateId: uuid.nullable().meta({ description: 'The actor’s consulate; null for headquarters roles.' }),
    }),
    action: outText(80).meta({ examples: ['documentation_request.read'] }),
    entityType: outText(60),
    entityId: uuid,
    purpose: outText(40).nullable().meta({ description: 'The stated purpose of a confidential or sealed read.' }),
    changedFields: z
      .array(outText(80))
      .max(100)
      .meta({ description: 'Names of the fields a write changed; never their values.' }),
    requestId: outText(128).nullable(),
  })
  .meta({ id: 'AccessReportEntry' });

export const accessReportResponse = listOf(accessReportEntrySchema).extend({
  personId: uuid,
});
