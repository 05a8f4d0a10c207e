import { z } from 'zod';
import { ROLES } from '../../lib/access.ts';
import {
  booleanQuery,
  cursorQuery,
  email,
  int32,
  isoDateTimeOut,
  limitQuery,
  listOf,
  outText,
  text,
  uuid,
} from '../../lib/schemas.ts';

export const roleSchema = z.enum(ROLES).meta({ id: 'StaffRole' });

const password = text(256, { trim: false })
  .min(12, 'must be at least 12 characters')
  .meta({ description: 'At least 12 characters. Stored only as an argon2id hash.' });

const fullName = text(200, { min: 1 });

export const staffSchema = z
  .object({
    id: uuid,
    email: outText(254),
    fullName: outText(200),
    role: roleSchema,
    consulateId: uuid.nullable().meta({ description: 'Null for admin and auditor accounts.' }),
    active: z.boolean(),
    lastLoginAt: isoDateTimeOut.nullable(),
    version: int32(1),
    createdAt: isoDateTimeOut,
    updatedAt: isoDateTimeOut,
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
  q: text(100, { min: 1 }).optional().meta({ description: 'Text in the name or email.' }),
});

export const staffListResponse = listOf(staffSchema);
