import { z } from 'zod';
import { curpBirthDate, curpProblem } from '../../lib/curp.ts';
import { isCountryCode, MX_SUBDIVISIONS } from '../../lib/geo.ts';
import {
  booleanQuery,
  cursorQuery,
  DATE_RANGE,
  int32,
  isoDate,
  isoDateOut,
  isoDateTimeOut,
  limitQuery,
  listOf,
  outText,
  text,
  usState,
  uuid,
} from '../../lib/schemas.ts';

export const genderMarkerSchema = z.enum(['F', 'M', 'X']).meta({ description: 'F, M or X (non-binary).' });

const today = () => new Date().toISOString().slice(0, 10);

/** A date of birth: a real day from 1900-01-01 to today (a future one is the usual typo, so it says so first). */
export const pastDate = z.iso
  .date()
  .max(10)
  .refine((d) => d <= today(), 'must not be in the future')
  .refine((d) => d >= DATE_RANGE.min, `must not be before ${DATE_RANGE.min}`)
  .meta({ description: `From ${DATE_RANGE.min} to today.` });

export const nameField = text(120, { min: 1 });

export const countryCode = z
  .string()
  .max(2)
  .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code, e.g. MX')
  .refine(isCountryCode, 'is not an ISO 3166-1 country code');

export const placeOfBirthSchema = z
  .object({
    country: countryCode,
    subdivision: z
      .string()
      .max(6)
      .regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/, 'must be an ISO 3166-2 code, e.g. MX-JAL')
      .optional()
      .meta({ description: 'ISO 3166-2; required for Mexico, e.g. MX-JAL.' }),
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
    line1: text(200, { min: 1 }),
    line2: text(200).optional(),
    city: text(100, { min: 1 }),
    state: usState,
    postalCode: z
      .string()
      .max(10)
      .regex(/^\d{5}(-\d{4})?$/, 'must be a US ZIP code, e.g. 90057'),
  })
  .strict();

export const curpSchema = z
  .string()
  .trim()
  .max(18)
  .regex(/^[A-Za-z0-9]+$/, 'must be an 18-character CURP, e.g. GOMA900517MJCRRN05')
  .transform((v) => v.toUpperCase())
  .superRefine((curp, ctx) => {
    const problem = curpProblem(curp);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const phone = z
  .string()
  .trim()
  .max(40)
  .regex(/^\+?[0-9 ().-]{7,40}$/, 'must be a phone number');

export const personFields = {
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
    givenNames: outText(120),
    firstSurname: outText(120),
    secondSurname: outText(120).nullable(),
    dateOfBirth: isoDateOut,
    placeOfBirth: z.object({ country: outText(2, 2), subdivision: outText(6).nullable() }),
    curp: outText(18, 18).nullable(),
    genderMarker: genderMarkerSchema,
    email: outText(254).nullable(),
    phone: outText(40).nullable(),
    address: z
      .object({
        line1: outText(200),
        line2: outText(200).nullable(),
        city: outText(100),
        state: outText(2, 2),
        postalCode: outText(10),
      })
      .nullable(),
    outsideJurisdiction: z.boolean().meta({
      description:
        'The US address lies in no county of the registering consulate’s jurisdiction (served anyway: consulates take walk-ins).',
    }),
    anonymisedAt: isoDateTimeOut.nullable().meta({
      description:
        'When the person was anonymised (retention or erasure request): names are empty, CURP, contact and address null, the date of birth is 1 January of its year.',
    }),
    version: int32(),
    createdAt: isoDateTimeOut,
    updatedAt: isoDateTimeOut,
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
    .regex(/^[A-Za-z0-9]*$/, 'must be a CURP or its beginning (letters and digits)')
    .transform((v) => v.toUpperCase())
    .optional(),
  name: text(200, { min: 2 })
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
          givenNames: outText(120),
          firstSurname: outText(120),
          secondSurname: outText(120).nullable(),
          genderMarker: genderMarkerSchema,
          documentationRequestId: uuid,
          sealedAt: isoDateTimeOut,
        }),
      )
      .max(20),
  })
  .meta({
    id: 'SealedIdentity',
    description: 'Names and markers replaced by gender-identity recognitions, oldest first.',
  });
