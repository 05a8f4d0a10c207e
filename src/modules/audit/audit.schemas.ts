import { z } from 'zod';
import { cursorQuery, isoDateTime, isoDateTimeOut, limitQuery, listOf, outText, uuid } from '../../lib/schemas.ts';

export const auditEventSchema = z
  .object({
    id: uuid,
    occurredAt: isoDateTimeOut,
    actorType: z.enum(['staff', 'kiosk', 'system']),
    actorId: uuid.nullable(),
    actorRole: outText(40).nullable(),
    consulateId: uuid.nullable(),
    action: outText(80).meta({ examples: ['staff.create'] }),
    entityType: outText(60),
    entityId: uuid.nullable(),
    changedFields: z.array(outText(80)).max(100).meta({ description: 'Names of changed fields; never their values.' }),
    details: z.record(outText(80), z.unknown()).nullable(),
    requestId: outText(128).nullable(),
  })
  .meta({ id: 'AuditEvent' });

export const auditListQuery = z.object({
  limit: limitQuery,
  cursor: cursorQuery,
  consulateId: uuid.optional(),
  entityType: z
    .string()
    .max(60)
    .regex(/^[a-z_]+$/, 'must be an entity type such as protection_case')
    .optional(),
  entityId: uuid.optional(),
  actorId: uuid.optional(),
  action: z
    .string()
    .max(80)
    .regex(/^[a-z_.]+$/, 'must be an action such as staff.create')
    .optional(),
  from: isoDateTime.optional().meta({ description: 'Events at or after this instant.' }),
  to: isoDateTime.optional().meta({ description: 'Events before this instant.' }),
});

export const auditListResponse = listOf(auditEventSchema);
