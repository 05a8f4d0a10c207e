import { z } from 'zod';
import { ROLES } from '../../lib/access.ts';
import { booleanQuery, cursorQuery, email, isoDateTime, limitQuery, listOf, uuid } from '../../lib/schemas.ts';

export const roleSchema = z.enum(ROLES).meta({ id: 'StaffRole' });

const password = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(256, 'must be at most 256 characters')
  .meta({ description: 'At least 12 characters. Stored only as an argon2id hash.' });

const fullName = z.string().trim().min(1).max(200);

export const staffSchema = z
  .object({
    id: uuid,
    email: z.string().max(254),
    fullName: z.string().max(200),
    role: roleSchema,
    consulateId: uuid.nullable().meta({ description: 'Null for admin and auditor accounts.' }),
    active: z.boolean(),
    lastLoginAt: isoDateTime.nullable(),
    version: z.number().int().min(1).meta({ format: 'int32' }),
    createdAt: isoDateTime,
    updatedAt: isoDateTime,
  })
  .meta({ id: 'Staff' });

export const createStaffBody = z
  .object({
    email,
    fullName,
    role: roleSchema,
    consulateId: uuid.nullable().optional().meta({
      description:
        'Required for consulate roles; omitted or null for admin and auditor. Supervisors may omit it (their own).',
    }),
    password,
  })
  .strict();

export const updateStaffBody = z
  .object({
    fullName: fullName.optional(),
    role: roleSchema.optional(),
    consulateId: uuid.nullable().optional(),
    password: password.optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'must change at least one field');

export const staffListQuery = z.object({
  limit: limitQuery,
  cursor: cursorQuery,
  consulateId: uuid.optional(),
  role: roleSchema.optional(),
  active: booleanQuery,
  q: z.string().trim().min(1).max(100).optional().meta({ description: 'Text in the name or email.' }),
});

export const staffListResponse = listOf(staffSchema);
