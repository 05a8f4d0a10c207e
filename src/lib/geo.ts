/** ISO 3166-2 codes of Mexico's 32 federal entities. */
export const MX_SUBDIVISIONS = new Set([
  'MX-AGU',
  'MX-BCN',
  'MX-BCS',
  'MX-CAM',
  'MX-CHP',
  'MX-CHH',
  'MX-CMX',
  'MX-COA',
  'MX-COL',
  'MX-DUR',
  'MX-GUA',
  'MX-GRO',
  'MX-HID',
  'MX-JAL',
  'MX-MEX',
  'MX-MIC',
  'MX-MOR',
  'MX-NAY',
  'MX-NLE',
  'MX-OAX',
  'MX-PUE',
  'MX-QUE',
  'MX-ROO',
  'MX-SLP',
  'MX-SIN',
  'MX-SON',
  'MX-TAB',
  'MX-TAM',
  'MX-TLA',
  'MX-VER',
  'MX-YUC',
  'MX-ZAC',
]);

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
/** Codes Intl names that are not countries (unknown region, EU, UN, pseudo-locales). */
const NOT_COUNTRIES = new Set(['ZZ', 'EU', 'EZ', 'UN', 'QO', 'XA', 'XB']);

/** Whether `code` is an assigned ISO 3166-1 alpha-2 country code. */
export function isCountryCode(code: string): boolean {
  if (!/^[A-Z]{2}$/.test(code) || NOT_COUNTRIES.has(code)) return false;
  try {
    return regionNames.of(code) !== undefined;
  } catch {
    return false;
  }
}
