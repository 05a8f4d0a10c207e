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
import type { ConsularService } from '../../generated/prisma/enums.ts';

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

/** A person named in an act who is not its grantor (an attorney-in-fact, a child, an executor). */
const namedPerson = z
  .object({ givenNames: nameField, firstSurname: nameField, secondSurname: nameField.optional() })
  .strict();

const mxState = z
  .string()
  .max(6)
  .regex(/^MX-[A-Z]{3}$/, 'must be the ISO 3166-2 code of a Mexican state, e.g. MX-JAL')
  .refine((s) => MX_SUBDIVISIONS.has(s), 'must be the ISO 3166-2 code of a Mexican state, e.g. MX-JAL');

/**
 * A notarial act the consul performs as notary (Ley del Servicio Exterior
 * Mexicano art. 44 fr. IV; Reglamento arts. 82–92): the grantor is the
 * request's person; the act itself is one of the kinds below.
 */
const powerOfAttorney = z
  .object({
    kind: z.literal('power_of_attorney'),
    scope: z.enum(['general', 'special']).meta({
      description: 'General (Código Civil Federal art. 2554) or special, for the acts named in `purpose`.',
    }),
    powers: z
      .array(z.enum(['lawsuits_and_collections', 'administration', 'acts_of_ownership']))
      .min(1)
      .max(3)
      .optional()
      .meta({ description: 'The faculties of a general power (art. 2554); required when scope is general.' }),
    attorneysInFact: z.array(namedPerson).min(1).max(5).meta({ description: 'Who receives the power.' }),
    jointly: z.boolean().default(false).meta({ description: 'Whether the attorneys-in-fact must act together.' }),
    purpose: text(2000).optional().meta({ description: 'The acts a special power covers; required for special.' }),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.scope === 'general' && !a.powers) {
      ctx.addIssue({ code: 'custom', path: ['powers'], message: 'is required for a general power of attorney' });
    }
    if (a.scope === 'special' && !a.purpose) {
      ctx.addIssue({ code: 'custom', path: ['purpose'], message: 'is required for a special power of attorney' });
    }
    if (a.powers && new Set(a.powers).size !== a.powers.length) {
      ctx.addIssue({ code: 'custom', path: ['powers'], message: 'must not repeat a faculty' });
    }
  });

const will = z
  .object({
    kind: z.literal('will'),
    form: z.literal('public_open').meta({ description: 'Consulates receive open public wills only.' }),
    executor: namedPerson.optional().meta({ description: 'The albacea, when the testator names one.' }),
    propertyIn: z.array(mxState).max(32).default([]).meta({ description: 'Mexican states where the estate lies.' }),
  })
  .strict();

const acknowledgement = z
  .object({
    kind: z.literal('acknowledgement'),
    subject: z.enum(['signature', 'paternity', 'maternity']).meta({
      description: 'Ratification of a signature on a private document, or acknowledgement of a child.',
    }),
    documentTitle: text(200).optional().meta({ description: 'The document signed; required for a signature.' }),
    child: z
      .object({ ...namedPerson.shape, dateOfBirth: pastDate })
      .strict()
      .optional()
      .meta({ description: 'The child acknowledged; required for paternity or maternity.' }),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.subject === 'signature' && !a.documentTitle) {
      ctx.addIssue({ code: 'custom', path: ['documentTitle'], message: 'is required to ratify a signature' });
    }
    if (a.subject !== 'signature' && !a.child) {
      ctx.addIssue({ code: 'custom', path: ['child'], message: `is required for an acknowledgement of ${a.subject}` });
    }
  });

const notarialActDetails = z
  .object({
    act: z.discriminatedUnion('kind', [powerOfAttorney, will, acknowledgement]),
    language: z
      .string()
      .max(2)
      .regex(/^[a-z]{2}$/, 'must be an ISO 639-1 language code, e.g. es')
      .default('es')
      .meta({ description: 'The grantor’s language; the instrument is in Spanish, so another needs an interpreter.' }),
    interpreter: namedPerson.optional().meta({ description: 'Required when the language is not es.' }),
    copies: z.number().int().min(1).max(10).default(1).meta({ format: 'int32', description: 'Testimonios issued.' }),
    toBeUsedIn: mxState.optional().meta({ description: 'The Mexican state where the act will take effect.' }),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.language !== 'es' && !d.interpreter) {
      ctx.addIssue({
        code: 'custom',
        path: ['interpreter'],
        message: 'is required when the grantor does not speak Spanish',
      });
    }
  });

/** A foreign public document legalized for use in Mexico (Reglamento de la LSEM arts. 93–96). */
const legalizationDetails = z
  .object({
    documents: z
      .array(
        z
          .object({
            kind: z.enum([
              'birth_certificate',
              'marriage_certificate',
              'death_certificate',
              'divorce_decree',
              'court_ruling',
              'academic_record',
              'diploma',
              'commercial_document',
              'other',
            ]),
            title: text(200, { min: 1 }),
            issuingAuthority: text(200, { min: 1 }),
            issuingCountry: countryCode,
            issueDate: pastDate,
            pages: z.number().int().min(1).max(500).meta({ format: 'int32' }),
          })
          .strict(),
      )
      .min(1)
      .max(20),
    destination: z
      .object({
        state: mxState.optional(),
        authority: text(200).optional().meta({ description: 'The Mexican authority the documents go to.' }),
        purpose: text(500, { min: 1 }),
      })
      .strict(),
    apostilleNotApplicable: z.literal(true).meta({
      description:
        'The officer checked that the Apostille Convention does not cover these documents: an apostilled document needs no legalization.',
    }),
  })
  .strict();

export const DETAILS_SCHEMAS = {
  passport: passportDetails,
  consular_id: consularIdDetails,
  birth_registration: birthRegistrationDetails,
  gender_identity_recognition: genderIdentityDetails,
  notarial_act: notarialActDetails,
  legalization: legalizationDetails,
} as const;

export type DocumentationType = keyof typeof DETAILS_SCHEMAS;
export const DOCUMENTATION_TYPES = Object.keys(DETAILS_SCHEMAS) as [DocumentationType, ...DocumentationType[]];

export type PassportDetails = z.output<typeof passportDetails>;
export type GenderIdentityDetails = z.output<typeof genderIdentityDetails>;
export type NotarialActDetails = z.output<typeof notarialActDetails>;
export type LegalizationDetails = z.output<typeof legalizationDetails>;

/** The consular service (appointments, lobby tickets, a consulate's offer) each request type belongs to. */
export const SERVICE_OF_TYPE = {
  passport: 'passport',
  consular_id: 'consular_id',
  birth_registration: 'birth_registration',
  gender_identity_recognition: 'gender_identity_recognition',
  notarial_act: 'notarization',
  legalization: 'legalization',
} as const satisfies Record<DocumentationType, ConsularService>;

/**
 * The tariff's fee, in US cents, of the new types when the filing does not
 * name one (docs/decisions.md: an approximation of the consular tariff of the
 * Ley Federal de Derechos art. 20, not an official figure). The other types
 * keep the fee the officer enters.
 */
export const NOTARIAL_FEES_CENTS = {
  power_of_attorney_general: 14_300,
  power_of_attorney_special: 9_600,
  will: 26_300,
  acknowledgement_signature: 4_500,
  acknowledgement_child: 0,
  extra_copy: 2_000,
} as const;
export const LEGALIZATION_FEE_CENTS_PER_DOCUMENT = 4_300;

export function tariffFeeCents(type: DocumentationType, details: unknown): number | null {
  if (type === 'legalization') {
    return (details as LegalizationDetails).documents.length * LEGALIZATION_FEE_CENTS_PER_DOCUMENT;
  }
  if (type !== 'notarial_act') return null;
  const { act, copies } = details as NotarialActDetails;
  const base =
    act.kind === 'power_of_attorney'
      ? NOTARIAL_FEES_CENTS[`power_of_attorney_${act.scope}`]
      : act.kind === 'will'
        ? NOTARIAL_FEES_CENTS.will
        : act.subject === 'signature'
          ? NOTARIAL_FEES_CENTS.acknowledgement_signature
          : NOTARIAL_FEES_CENTS.acknowledgement_child;
  return base === 0 ? 0 : base + (copies - 1) * NOTARIAL_FEES_CENTS.extra_copy;
}

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
