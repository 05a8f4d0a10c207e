import { z } from 'zod';
import {
  cursorQuery,
  int32,
  isoDate,
  isoDateOut,
  isoDateTimeOut,
  limitQuery,
  listOf,
  outText,
  text,
  timeZone,
  usState,
  uuid,
} from '../../lib/schemas.ts';

export const SERVICES = [
  'passport',
  'consular_id',
  'birth_registration',
  'gender_identity_recognition',
  'protection',
  'notarization',
  'legalization',
  'visa',
] as const;

export const serviceSchema = z.enum(SERVICES).meta({ id: 'ConsularService' });
export const consulateKindSchema = z.enum(['consulate_general', 'consulate', 'consular_section']);
export const consulateStatusSchema = z.enum(['planned', 'active', 'closed']);

export const consulateSchema = z
  .object({
    id: uuid,
    code: outText(8),
    name: outText(200),
    kind: consulateKindSchema,
    city: outText(100),
    state: outText(2, 2),
    address: outText(300).nullable(),
    timeZone: outText(64),
    phone: outText(40).nullable(),
    email: outText(254).nullable(),
    status: consulateStatusSchema,
    openingDate: isoDateOut.nullable(),
    services: z.array(serviceSchema).max(SERVICES.length),
    version: int32(1),
    createdAt: isoDateTimeOut,
    updatedAt: isoDateTimeOut,
  })
  .meta({ id: 'Consulate' });

const code = z
  .string()
  .max(8)
  .regex(/^[A-Z0-9]{2,8}$/, 'must be 2–8 upper-case letters or digits, e.g. LAX');
const phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ().-]{7,40}$/, 'must be a phone number')
  .max(40);
const contactEmail = z.email().max(254);

const contactFields = {
  address: text(300, { min: 1 }).nullable(),
  phone: phone.nullable(),
  email: contactEmail.nullable(),
};

export const createConsulateBody = z
  .object({
    code,
    name: text(200, { min: 1 }),
    kind: consulateKindSchema,
    city: text(100, { min: 1 }),
    state: usState,
    timeZone,
    status: consulateStatusSchema.default('planned'),
    openingDate: isoDate.nullable().optional(),
    services: z.array(serviceSchema).max(SERVICES.length).default([]),
    address: contactFields.address.optional(),
    phone: contactFields.phone.optional(),
    email: contactFields.email.optional(),
  })
  .strict();

/** Fields a consulate's own supervisor may change. */
export const CONTACT_FIELDS = ['address', 'phone', 'email'] as const;

export const updateConsulateBody = z
  .object({
    name: text(200, { min: 1 }).optional(),
    kind: consulateKindSchema.optional(),
    city: text(100, { min: 1 }).optional(),
    state: usState.optional(),
    timeZone: timeZone.optional(),
    status: consulateStatusSchema.optional(),
    openingDate: isoDate.nullable().optional(),
    services: z.array(serviceSchema).max(SERVICES.length).optional(),
    address: contactFields.address.optional(),
    phone: contactFields.phone.optional(),
    email: contactFields.email.optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'must change at least one field');

export const consulateListQuery = z.object({
  limit: limitQuery,
  cursor: cursorQuery,
  state: z
    .string()
    .max(2)
    .regex(/^[A-Z]{2}$/, 'must be a two-letter US state code, e.g. TX')
    .optional()
    .meta({ description: 'US state, e.g. TX.' }),
  status: consulateStatusSchema.optional(),
  kind: consulateKindSchema.optional(),
  q: text(100, { min: 1 }).optional().meta({ description: 'Text in the code, name or city.' }),
});

export const consulateListResponse = listOf(consulateSchema);
