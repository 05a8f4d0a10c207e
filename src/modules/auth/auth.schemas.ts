import { z } from 'zod';
import { staffSchema } from '../staff/staff.schemas.ts';

export const loginBody = z
  .object({
    email: z
      .string()
      .trim()
      .min(3)
      .max(254)
      .transform((v) => v.toLowerCase()),
    password: z.string().min(1).max(256),
  })
  .strict();

export const refreshBody = z.object({ refreshToken: z.string().min(20).max(200) }).strict();

export const logoutBody = z
  .object({
    refreshToken: z
      .string()
      .min(20)
      .max(200)
      .optional()
      .meta({ description: 'Also revoke the session this refresh token belongs to (if it is yours).' }),
  })
  .strict()
  .optional();

export const tokenResponse = z
  .object({
    accessToken: z.string().max(2000),
    refreshToken: z.string().max(200),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().meta({ format: 'int32', description: 'Access token lifetime in seconds.' }),
    user: staffSchema,
  })
  .meta({ id: 'TokenResponse' });
