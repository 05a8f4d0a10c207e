/**
 * CURP (Clave Única de Registro de Población): 18 characters — four letters
 * from the name, date of birth YYMMDD, sex (H, M, or X), the state of birth
 * (NE: born abroad), three internal consonants, a differentiator (digit for
 * births before 2000, letter after) and a check digit.
 */
const STATES = new Set([
  'AS',
  'BC',
  'BS',
  'CC',
  'CL',
  'CM',
  'CS',
  'CH',
  'DF',
  'DG',
  'GT',
  'GR',
  'HG',
  'JC',
  'MC',
  'MN',
  'MS',
  'NT',
  'NL',
  'OC',
  'PL',
  'QT',
  'QR',
  'SP',
  'SL',
  'SR',
  'TC',
  'TS',
  'TL',
  'VZ',
  'YN',
  'ZS',
  'NE',
]);

const FORMAT = /^[A-Z][AEIOUX][A-Z]{2}[0-9]{6}[HMX][A-Z]{2}[B-DF-HJ-NP-TV-Z]{3}[0-9A-Z][0-9]$/;
const ALPHABET = '0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ';

/** The check digit RENAPO computes over the first 17 characters. */
export function curpCheckDigit(first17: string): number {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += ALPHABET.indexOf(first17[i]!) * (18 - i);
  return (10 - (sum % 10)) % 10;
}

/** Why a CURP is not valid, or undefined when it is. */
export function curpProblem(curp: string): string | undefined {
  if (curp.length !== 18) return 'must be 18 characters';
  if (!FORMAT.test(curp)) return 'is not in CURP format (e.g. HEGG560427MVZRRL04)';
  const [yy, mm, dd] = [curp.slice(4, 6), curp.slice(6, 8), curp.slice(8, 10)].map(Number) as [number, number, number];
  // The differentiator tells the century: a digit before 2000, a letter from 2000.
  const year = (/[0-9]/.test(curp[16]!) ? 1900 : 2000) + yy;
  const date = new Date(Date.UTC(year, mm - 1, dd));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== mm - 1 || date.getUTCDate() !== dd) {
    return 'has an impossible date of birth';
  }
  if (!STATES.has(curp.slice(11, 13))) return 'has an unknown state of birth code';
  if (curpCheckDigit(curp.slice(0, 17)) !== Number(curp[17])) return 'has a wrong check digit';
  return undefined;
}

/** The date of birth a valid CURP encodes, as YYYY-MM-DD. */
export function curpBirthDate(curp: string): string {
  const year = (/[0-9]/.test(curp[16]!) ? 1900 : 2000) + Number(curp.slice(4, 6));
  return `${year}-${curp.slice(6, 8)}-${curp.slice(8, 10)}`;
}
