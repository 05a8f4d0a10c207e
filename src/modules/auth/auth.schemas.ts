import { z } from 'zod';
import { int32, outText, text } from '../../lib/schemas.ts';
import { staffSchema } from '../staff/staff.schemas.ts';

/** Refresh tokens are 256 random bits, base64url. */
const refreshToken = z
  .string()
  .min(20)
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, 'is not a refresh token issued by this service');

export const loginBody = z
  .object({
    email: text(254, { min: 3 }).transform((v) => v.toLowerCase()),
    password: text(256, { min: 1, trim: false }),
  })
  .strict();

export const refreshBody = z.object({ refreshToken }).strict();

export const logoutBody = z
  .object({
    refreshToken: refreshToken
      .optional()
      .meta({ description: 'Also revoke the session this refresh token belongs to (if it is yours).' }),
  })
  .strict()
  .optional();

export const tokenResponse = z
  .object({
    accessToken: outText(2000),
    refreshToken: outText(200),
    tokenType: z.literal('Bearer'),
    expiresIn: int32().meta({ description: 'Access token lifetime in seconds.' }),
    user: staffSchema,
  })
  .meta({ id: 'TokenResponse' });
