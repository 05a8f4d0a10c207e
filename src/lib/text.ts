/** Lower case without diacritics: "Núñez" → "nunez", so search ignores case and accents. */
export function foldText(value: string): string {
  return value
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** The search key of a person's full name. */
export function nameSearchKey(parts: {
  givenNames: string;
  firstSurname: string;
  secondSurname?: string | null;
}): string {
  return foldText([parts.givenNames, parts.firstSurname, parts.secondSurname ?? ''].join(' '));
}
