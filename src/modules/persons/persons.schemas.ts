import { z } from 'zod';
import { curpBirthDate, curpProblem } from '../../lib/curp.ts';
import { isCountryCode, MX_SUBDIVISIONS } from '../../lib/geo.ts';
import {
  booleanQuery,
  cursorQuery,
  isoDate,
  isoDateTime,
  limitQuery,
  listOf,
  usState,
  uuid,
} from '../../lib/schemas.ts';

export const genderMarkerSchema = z.enum(['F', 'M', 'X']).meta({ description: 'F, M or X (non-binary).' });

const today = () => new Date().toISOString().slice(0, 10);

export const pastDate = isoDate.refine((d) => d <= today(), 'must not be in the future');

export const nameField = z.string().trim().min(1).max(120);

export const countryCode = z
  .string()
  .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code, e.g. MX')
  .refine(isCountryCode, 'is not an ISO 3166-1 country code');

export const placeOfBirthSchema = z
  .object({
    country: countryCode,
    subdivision: z.string().max(6).optional().meta({ description: 'ISO 3166-2; required for Mexico, e.g. MX-JAL.' }),
  })
  .strict()
  .superRefine((place, ctx) => {
    if (place.country === 'MX') {
      if (!place.subdivision) {
        ctx.addIssue({
          code: 'custom',
          path: ['subdivision'],
          message: 'is required for Mexico (ISO 3166-2, e.g. MX-JAL)',
        });
      } else if (!MX_SUBDIVISIONS.has(place.subdivision)) {
        ctx.addIssue({
          code: 'custom',
          path: ['subdivision'],
          message: 'is not an ISO 3166-2 code of a Mexican state',
        });
      }
    } else if (place.subdivision && !place.subdivision.startsWith(`${place.country}-`)) {
      ctx.addIssue({
        code: 'custom',
        path: ['subdivision'],
        message: `must be an ISO 3166-2 code of ${place.country}`,
      });
    }
  });

export const usAddressSchema = z
  .object({
    line1: z.string().trim().min(1).max(200),
    line2: z.string().trim().max(200).optional(),
    city: z.string().trim().min(1).max(100),
    state: usState,
    postalCode: z.string().regex(/^\d{5}(-\d{4})?$/, 'must be a US ZIP code, e.g. 90057'),
  })
  .strict();

export const curpSchema = z
  .string()
  .trim()
  .transform((v) => v.toUpperCase())
  .superRefine((curp, ctx) => {
    const problem = curpProblem(curp);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ().-]{7,40}$/, 'must be a phone number');

const personFields = {
  givenNames: nameField,
  firstSurname: nameField,
  secondSurname: nameField.nullable().optional(),
  dateOfBirth: pastDate,
  placeOfBirth: placeOfBirthSchema,
  curp: curpSchema.nullable().optional(),
  genderMarker: genderMarkerSchema,
  email: z.email().max(254).nullable().optional(),
  phone: phone.nullable().optional(),
  address: usAddressSchema.nullable().optional().meta({ description: 'Address in the United States.' }),
};

/** A CURP encodes the date of birth: a mismatch is almost always a typo. */
export function curpMatchesBirthDate(curp: string | null | undefined, dateOfBirth: string | undefined): boolean {
  return !curp || !dateOfBirth || curpBirthDate(curp) === dateOfBirth;
}

export const createPersonBody = z
  .object({
    ...personFields,
    consulateId: uuid.optional().meta({ description: 'Admins name the consulate; others register at their own.' }),
  })
  .strict()
  .refine((p) => curpMatchesBirthDate(p.curp, p.dateOfBirth), {
    path: ['curp'],
    message: 'does not match dateOfBirth',
  });

export const updatePersonBody = z
  .object({
    givenNames: personFields.givenNames.optional(),
    firstSurname: personFields.firstSurname.optional(),
    secondSurname: personFields.secondSurname,
    dateOfBirth: personFields.dateOfBirth.optional(),
    placeOfBirth: personFields.placeOfBirth.optional(),
    curp: personFields.curp,
    genderMarker: personFields.genderMarker.optional(),
    email: personFields.email,
    phone: personFields.phone,
    address: personFields.address,
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'must change at least one field');

export const personSchema = z
  .object({
    id: uuid,
    consulateId: uuid,
    givenNames: z.string().max(120),
    firstSurname: z.string().max(120),
    secondSurname: z.string().max(120).nullable(),
    dateOfBirth: isoDate,
    placeOfBirth: z.object({ country: z.string().length(2), subdivision: z.string().max(6).nullable() }),
    curp: z.string().length(18).nullable(),
    genderMarker: genderMarkerSchema,
    email: z.string().max(254).nullable(),
    phone: z.string().max(40).nullable(),
    address: z
      .object({
        line1: z.string().max(200),
        line2: z.string().max(200).nullable(),
        city: z.string().max(100),
        state: z.string().length(2),
        postalCode: z.string().max(10),
      })
      .nullable(),
    outsideJurisdiction: z.boolean().meta({
      description:
        'The US address lies in no county of the registering consulate’s jurisdiction (served anyway: consulates take walk-ins).',
    }),
    version: z.number().int().meta({ format: 'int32' }),
    createdAt: isoDateTime,
    updatedAt: isoDateTime,
  })
  .meta({ id: 'Person' });

export const personListQuery = z.object({
  limit: limitQuery,
  cursor: cursorQuery,
  consulateId: uuid.optional(),
  curp: z
    .string()
    .trim()
    .max(18)
    .transform((v) => v.toUpperCase())
    .optional(),
  name: z
    .string()
    .trim()
    .min(2)
    .max(200)
    .optional()
    .meta({ description: 'Words of the name, in any order; case and accents ignored ("nunez" finds "NÚÑEZ").' }),
  dateOfBirth: isoDate.optional(),
  outsideJurisdiction: booleanQuery.meta({ description: 'true: persons whose address lies outside the jurisdiction.' }),
});

export const personListResponse = listOf(personSchema);

export const sealedIdentitySchema = z
  .object({
    personId: uuid,
    identities: z
      .array(
        z.object({
          givenNames: z.string().max(120),
          firstSurname: z.string().max(120),
          secondSurname: z.string().max(120).nullable(),
          genderMarker: genderMarkerSchema,
          documentationRequestId: uuid,
          sealedAt: isoDateTime,
        }),
      )
      .max(20),
  })
  .meta({
    id: 'SealedIdentity',
    description: 'Names and markers replaced by gender-identity recognitions, oldest first.',
  });
