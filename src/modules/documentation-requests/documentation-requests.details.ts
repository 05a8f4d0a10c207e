import { z } from 'zod';
import { text } from '../../lib/schemas.ts';
import {
  curpSchema,
  countryCode,
  genderMarkerSchema,
  nameField,
  pastDate,
  usAddressSchema,
} from '../persons/persons.schemas.ts';
import { MX_SUBDIVISIONS } from '../../lib/geo.ts';
import type { FieldError } from '../../lib/errors.ts';

/**
 * Type-specific details of a documentation request, one schema per type. A new
 * type (notarization, legalization, visa…) is a new entry here and a deadline
 * rule; the state machine does not change.
 */

const personName = z
  .object({ givenNames: nameField, firstSurname: nameField, secondSurname: nameField.optional() })
  .strict();

const passportDetails = z
  .object({
    application: z.enum(['first', 'renewal']),
    validityYears: z.union([z.literal(1), z.literal(3), z.literal(6), z.literal(10)]).meta({
      description: 'Under 3: 1 year. 3–17: 3 or 6. Adults: 3, 6 or 10. Emergency passports: 1.',
    }),
    previousPassportNumber: z
      .string()
      .max(12)
      .regex(/^[A-Z0-9]{6,12}$/, 'must be 6–12 letters or digits')
      .optional()
      .meta({ description: 'Required for renewals.' }),
    parentalConsent: z
      .object({
        method: z.enum(['both_parents_in_person', 'one_parent_with_notarized_consent', 'sole_custody', 'court_order']),
        parents: z
          .array(
            z
              .object({
                fullName: text(200, { min: 1 }),
                relationship: z.enum(['mother', 'father', 'guardian']),
                identityDocument: text(60, { min: 1 }),
              })
              .strict(),
          )
          .min(1)
          .max(2),
      })
      .strict()
      .optional()
      .meta({ description: 'Required when the person is a minor.' }),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.application === 'renewal' && !d.previousPassportNumber) {
      ctx.addIssue({ code: 'custom', path: ['previousPassportNumber'], message: 'is required for a renewal' });
    }
  });

const consularIdDetails = z
  .object({
    usAddress: usAddressSchema,
    genderMarker: genderMarkerSchema,
    identityDocument: z
      .object({
        kind: z.enum(['passport', 'birth_certificate', 'voter_id', 'other']),
        number: text(40, { min: 1 }),
      })
      .strict(),
  })
  .strict();

const birthRegistrationDetails = z
  .object({
    child: z
      .object({
        givenNames: nameField,
        firstSurname: nameField,
        secondSurname: nameField.optional(),
        sexMarker: genderMarkerSchema,
        dateOfBirth: pastDate,
        placeOfBirth: z
          .object({ country: countryCode, city: text(100, { min: 1 }) })
          .strict()
          .refine((p) => p.country !== 'MX', {
            path: ['country'],
            message: 'must be abroad (births in Mexico are registered there)',
          }),
      })
      .strict(),
    parents: z
      .array(
        z
          .object({
            givenNames: nameField,
            firstSurname: nameField,
            secondSurname: nameField.optional(),
            nationality: countryCode,
            curp: curpSchema.optional(),
          })
          .strict(),
      )
      .min(1)
      .max(2)
      .refine(
        (parents) => parents.some((p) => p.nationality === 'MX'),
        'at least one parent must be a Mexican national',
      ),
  })
  .strict();

const genderIdentityDetails = z
  .object({
    registeredName: personName,
    registeredMarker: genderMarkerSchema,
    newName: personName,
    newMarker: genderMarkerSchema,
    originalBirthRecord: z
      .object({
        state: z
          .string()
          .max(6)
          .regex(/^MX-[A-Z]{3}$/, 'must be the ISO 3166-2 code of a Mexican state, e.g. MX-JAL')
          .refine((s) => MX_SUBDIVISIONS.has(s), 'must be the ISO 3166-2 code of a Mexican state, e.g. MX-JAL'),
        municipality: text(100).optional(),
        recordNumber: text(40, { min: 1 }),
        year: z.number().int().min(1900).max(2100).meta({ format: 'int32' }),
      })
      .strict(),
  })
  .strict()
  .refine((d) => d.registeredMarker !== d.newMarker || JSON.stringify(d.registeredName) !== JSON.stringify(d.newName), {
    path: ['newName'],
    message: 'the new name or marker must differ from the registered ones',
  });

export const DETAILS_SCHEMAS = {
  passport: passportDetails,
  consular_id: consularIdDetails,
  birth_registration: birthRegistrationDetails,
  gender_identity_recognition: genderIdentityDetails,
} as const;

export type DocumentationType = keyof typeof DETAILS_SCHEMAS;
export const DOCUMENTATION_TYPES = Object.keys(DETAILS_SCHEMAS) as [DocumentationType, ...DocumentationType[]];

export type PassportDetails = z.output<typeof passportDetails>;
export type GenderIdentityDetails = z.output<typeof genderIdentityDetails>;

/** Whole years of age on `onDate` (both YYYY-MM-DD). */
export function ageOn(dateOfBirth: string, onDate: string): number {
  const [by, bm, bd] = dateOfBirth.split('-').map(Number) as [number, number, number];
  const [y, m, d] = onDate.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/**
 * Rules that need more than the details: a passport's validity by the
 * person's age (SRE: under 3 → 1 year; 3–17 → 3 or 6; adults 3, 6 or 10;
 * emergency passports 1 year) and parental consent for minors.
 */
export function detailsProblems(
  type: DocumentationType,
  details: unknown,
  context: { dateOfBirth: string; today: string; emergency: boolean },
): FieldError[] {
  if (type !== 'passport') return [];
  const d = details as PassportDetails;
  const age = ageOn(context.dateOfBirth, context.today);
  const problems: FieldError[] = [];
  const validity = 'body.details.validityYears';
  if (context.emergency) {
    if (d.validityYears !== 1) problems.push({ path: validity, message: 'an emergency passport is valid for 1 year' });
  } else if (age < 3) {
    if (d.validityYears !== 1) problems.push({ path: validity, message: 'a child under 3 gets a 1-year passport' });
  } else if (age < 18) {
    if (d.validityYears !== 3 && d.validityYears !== 6) {
      problems.push({ path: validity, message: 'a minor of 3 to 17 gets a 3- or 6-year passport' });
    }
  } else if (d.validityYears === 1) {
    problems.push({ path: validity, message: 'adults get 3, 6 or 10 years (1 year only as an emergency passport)' });
  }
  if (age < 18 && !d.parentalConsent) {
    problems.push({ path: 'body.details.parentalConsent', message: 'is required for a minor' });
  }
  return problems;
}
