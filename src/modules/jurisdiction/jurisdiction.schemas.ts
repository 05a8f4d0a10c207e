import { z } from 'zod';
import { int32, outText, uuid } from '../../lib/schemas.ts';

/** The dataset holds 3,233 counties and county equivalents: one list can name them all. */
export const MAX_COUNTIES = 3500;

export const zipQuery = z.object({
  zip: z
    .string()
    .trim()
    .max(10)
    .regex(/^\d{5}(-\d{4})?$/, 'must be a US ZIP code, e.g. 90057 or 90057-1234')
    .meta({ description: 'A 5-digit ZIP code (ZIP+4 accepted; its first five digits are used).' }),
});

const servingConsulateSchema = z
  .object({
    id: uuid,
    code: outText(8),
    name: outText(200),
    address: outText(300).nullable(),
    city: outText(100),
    state: outText(2, 2),
    phone: outText(40).nullable(),
    email: outText(254).nullable(),
  })
  .strict()
  .meta({ id: 'ServingConsulate', description: 'What a national may be told: the office’s public contact data.' });

export const countySchema = z
  .object({
    fips: outText(5, 5).meta({ description: '5-digit FIPS code (state and county).' }),
    name: outText(100),
    state: outText(2, 2),
  })
  .strict()
  .meta({ id: 'County' });

export const jurisdictionLookupSchema = z
  .object({
    zip: outText(5, 5),
    city: outText(100).meta({ description: 'The ZIP code’s preferred city name.' }),
    state: outText(2, 2),
    consulate: servingConsulateSchema.nullable().meta({
      description:
        'The serving consulate when every candidate county has the same one; null when it depends on the county.',
    }),
    candidates: z
      .array(
        z
          .object({
            county: countySchema,
            sharePercent: z
              .number()
              .min(0)
              .max(100)
              .meta({ format: 'double', description: 'Share of the ZIP code’s residents living in this county.' }),
            consulate: servingConsulateSchema
              .nullable()
              .meta({ description: 'Null when no active consulate serves this county.' }),
          })
          .strict(),
      )
      .min(1)
      .max(20)
      .meta({ description: 'The counties the ZIP code lies in, most residents first.' }),
  })
  .strict()
  .meta({ id: 'JurisdictionLookup' });

export type JurisdictionLookup = z.infer<typeof jurisdictionLookupSchema>;

export const countyFips = z
  .string()
  .max(5)
  .regex(/^\d{5}$/, 'must be a 5-digit county FIPS code, e.g. 06037');

export const replaceJurisdictionBody = z
  .object({
    counties: z
      .array(countyFips)
      .max(MAX_COUNTIES)
      .superRefine((list, ctx) => {
        const seen = new Set<string>();
        list.forEach((fips, i) => {
          if (seen.has(fips)) ctx.addIssue({ code: 'custom', path: [i], message: `${fips} is listed twice` });
          seen.add(fips);
        });
      })
      .meta({ description: 'Every county of the jurisdiction (FIPS codes); the list replaces the current one.' }),
  })
  .strict();

export const jurisdictionSchema = z
  .object({
    consulateId: uuid,
    designated: z.boolean().meta({
      description:
        'true for a planned consulate: the counties it takes over when it becomes active (they are served elsewhere until then); false: the counties it serves.',
    }),
    counties: z.array(countySchema).max(MAX_COUNTIES),
  })
  .meta({ id: 'Jurisdiction' });

export type JurisdictionJson = z.infer<typeof jurisdictionSchema>;

export const jurisdictionChangeSchema = jurisdictionSchema
  .extend({
    changes: z.object({
      added: int32(),
      removed: int32(),
      takenFrom: z
        .array(z.object({ consulateId: uuid, code: outText(8), counties: int32() }))
        .max(200)
        .meta({ description: 'The consulates that had some of the added counties, and how many each gave up.' }),
      personsReflagged: int32().meta({ description: 'Persons whose outsideJurisdiction flag changed.' }),
    }),
  })
  .meta({ id: 'JurisdictionChange' });

export type JurisdictionChangeJson = z.infer<typeof jurisdictionChangeSchema>;
