import { randomInt } from 'node:crypto';

/**
 * Confirmation codes: 8 characters drawn uniformly (crypto) from 31 that
 * cannot be misread — no 0/O, 1/I/L. 31^8 ≈ 8.5 × 10^11 codes (≈ 39.6 bits):
 * unguessable without the date of birth the kiosk also asks for, short
 * enough to read out over the phone.
 */
export const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const CODE_PATTERN = /^[A-HJKMNP-Z2-9]{8}$/;

export function newConfirmationCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}
