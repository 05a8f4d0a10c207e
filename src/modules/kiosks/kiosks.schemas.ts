import { z } from 'zod';
import { cursorQuery, int32, isoDateTimeOut, limitQuery, listOf, outText, text, uuid } from '../../lib/schemas.ts';

export const kioskSchema = z
  .object({
    id: uuid,
    consulateId: uuid,
    name: outText(100),
    location: outText(200).nullable(),
    enabled: z.boolean(),
    disabledAt: isoDateTimeOut.nullable(),
    lastSeenAt: isoDateTimeOut.nullable(),
    version: int32(),
    createdAt: isoDateTimeOut,
    updatedAt: isoDateTimeOut,
  })
  .meta({ id: 'Kiosk' });

export const registerKioskBody = z
  .object({
    name: text(100, { min: 1 }),
    location: text(200).optional(),
    consulateId: uuid.optional().meta({ description: 'Admins name the consulate; supervisors register at their own.' }),
  })
  .strict();

export const kioskSecretResponse = z
  .object({
    kioskId: uuid,
    secret: outText(100).meta({ description: 'Shown once. Store it in the device; it is kept only as a hash.' }),
    kiosk: kioskSchema,
  })
  .meta({ id: 'KioskSecret' });

export const kioskListQuery = z.object({ limit: limitQuery, cursor: cursorQuery, consulateId: uuid.optional() });
export const kioskListResponse = listOf(kioskSchema);

export const kioskTokenBody = z
  .object({
    kioskId: uuid,
    secret: z
      .string()
      .min(20)
      .max(100)
      .regex(/^[A-Za-z0-9_-]+$/, 'is not a kiosk secret issued by this service'),
  })
  .strict();
export const kioskTokenResponse = z
  .object({
    accessToken: outText(2000),
    tokenType: z.literal('Bearer'),
    expiresIn: int32().meta({ description: 'Seconds.' }),
  })
  .meta({ id: 'KioskToken' });
