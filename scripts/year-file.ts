/**
 * One year of the seeded network's civil registrations as an import file
 * (NDJSON lines for POST /v1/imports), deterministic for a seed: exactly
 * 73,038 procedures — birth registrations and 504 gender-identity
 * recognitions — each with the person it is filed for, submitted and issued
 * within the year (in the consulate's time zone), spread over the active
 * seeded consulates in proportion to their size.
 *
 * Size measure: the office's rank in the network — a consulate general
 * counts 3, a consulate or the embassy's consular section 1 — apportioned by
 * largest remainders so the totals are exact.
 */
import { DateTime } from 'luxon';
import { CONSULATES, type ConsulateSeed } from '../prisma/consulates.ts';
import { curpCheckDigit } from '../src/lib/curp.ts';

export const YEAR_TOTAL = 73_038;
export const YEAR_GENDER_IDENTITY = 504;

export const sizeOf = (c: ConsulateSeed): number => (c.kind === 'consulate_general' ? 3 : 1);

function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** `total` split over `weights` in proportion, by largest remainders (sums exactly to `total`). */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const shares = exact.map(Math.floor);
  let left = total - shares.reduce((s, n) => s + n, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((x, y) => y[0] - x[0] || x[1] - y[1]);
  for (const [, i] of order) {
    if (left-- <= 0) break;
    shares[i]!++;
  }
  return shares;
}

const GIVEN_F = ['María', 'Guadalupe', 'Rosa', 'Ana', 'Laura', 'Verónica', 'Patricia', 'Elena', 'Sofía', 'Carmen'];
const GIVEN_M = ['José', 'Juan', 'Luis', 'Carlos', 'Jorge', 'Miguel', 'Francisco', 'Pedro', 'Alejandro', 'Raúl'];
const SURNAMES = [
  'Hernández',
  'García',
  'Martínez',
  'López',
  'González',
  'Pérez',
  'Rodríguez',
  'Sánchez',
  'Ramírez',
  'Cruz',
  'Flores',
  'Gómez',
  'Morales',
  'Vázquez',
  'Jiménez',
  'Reyes',
];
const STATES: [string, string][] = [
  ['MX-JAL', 'JC'],
  ['MX-MIC', 'MN'],
  ['MX-GUA', 'GT'],
  ['MX-OAX', 'OC'],
  ['MX-PUE', 'PL'],
  ['MX-ZAC', 'ZS'],
  ['MX-GRO', 'GR'],
  ['MX-CHH', 'CH'],
  ['MX-VER', 'VZ'],
  ['MX-MEX', 'MC'],
];
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const VOWELS = 'AEIOU';
const CONSONANTS = 'BCDFGHJKLMNPQRSTVWXYZ';
const OFFICERS = ['Oficial de Registro Civil', 'Jefa de Documentación', 'Cónsul Adscrito', 'Encargado de Registro'];

export interface YearFileOptions {
  year: number;
  seed?: number;
}

/** The lines (without newlines), person before its request. */
export function* yearLines({ year, seed = 20250101 }: YearFileOptions): Generator<string> {
  const rnd = random(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const letter = (alphabet: string): string => alphabet[int(alphabet.length)]!;
  const offices = CONSULATES.filter((c) => c.status !== 'planned').sort((x, y) => x.code.localeCompare(y.code));
  const weights = offices.map(sizeOf);
  const totals = apportion(YEAR_TOTAL, weights);
  const recognitions = apportion(YEAR_GENDER_IDENTITY, weights);
  const daysInYear = DateTime.utc(year, 12, 31).ordinal;
  const curps = new Set<string>();

  const curpFor = (dateOfBirth: string, sex: 'H' | 'M' | 'X', state: string): string => {
    for (;;) {
      const [y, m, d] = dateOfBirth.split('-');
      const first17 =
        letter(LETTERS) +
        letter(VOWELS) +
        letter(LETTERS) +
        letter(LETTERS) +
        y!.slice(2) +
        m +
        d +
        sex +
        state +
        letter(CONSONANTS) +
        letter(CONSONANTS) +
        letter(CONSONANTS) +
        String(int(10));
      const curp = first17 + String(curpCheckDigit(first17));
      if (!curps.has(curp)) {
        curps.add(curp);
        return curp;
      }
    }
  };
  // The zone's UTC offset at noon of each day (working hours never cross a DST change, at 2 a.m.).
  const offsets = new Map<string, number>();
  const offsetOn = (zone: string, day: number) => {
    const key = `${zone}|${day}`;
    let offset = offsets.get(key);
    if (offset === undefined) {
      offset = DateTime.fromObject({ year, month: 1, day: 1, hour: 12 }, { zone }).plus({ days: day }).offset;
      offsets.set(key, offset);
    }
    return offset;
  };
  /** A local working-hours instant `day` days into the year, as ISO UTC. */
  const at = (zone: string, day: number, hour: number, minute: number) =>
    new Date(Date.UTC(year, 0, 1 + day, hour, minute) - offsetOn(zone, day) * 60_000).toISOString();

  for (const [o, office] of offices.entries()) {
    for (let i = 0; i < totals[o]!; i++) {
      const gender = i < recognitions[o]!;
      const n = `${office.code}-${year}-${String(i + 1).padStart(6, '0')}`;
      const female = rnd() < 0.5;
      const marker = female ? 'F' : 'M';
      const birthYear = 1970 + int(30);
      const dateOfBirth = `${birthYear}-${String(1 + int(12)).padStart(2, '0')}-${String(1 + int(28)).padStart(2, '0')}`;
      const [subdivision, curpState] = pick(STATES);
      const givenNames = pick(female ? GIVEN_F : GIVEN_M);
      const firstSurname = pick(SURNAMES);
      const secondSurname = pick(SURNAMES);
      // Issued 3–45 days after submission, both within the year.
      const span = 3 + int(43);
      const submittedDay = int(daysInYear - span);
      const zone = office.timeZone;
      const submittedAt = at(zone, submittedDay, 9 + int(6), int(60));
      const reviewAt = at(zone, submittedDay + 1, 9 + int(3), int(60));
      const issuedAt = at(zone, submittedDay + span, 13 + int(4), int(60));
      const approvedAt = at(zone, submittedDay + span - 1, 9 + int(3), int(60));
      const history: { state: string; at: string; actor: string; reason?: string }[] = [
        { state: 'under_review', at: reviewAt, actor: pick(OFFICERS) },
      ];
      if (span > 10 && rnd() < 0.1) {
        history.push(
          {
            state: 'needs_information',
            at: at(zone, submittedDay + 2, 10, int(60)),
            actor: pick(OFFICERS),
            reason: 'Falta acta de nacimiento certificada',
          },
          { state: 'under_review', at: at(zone, submittedDay + 5, 10, int(60)), actor: pick(OFFICERS) },
        );
      }
      history.push(
        { state: 'approved', at: approvedAt, actor: pick(OFFICERS) },
        { state: 'issued', at: issuedAt, actor: pick(OFFICERS) },
      );

      let personMarker: string = marker;
      let personGiven = givenNames;
      let details: unknown;
      if (gender) {
        // The person as the source system holds them now: the recognised name and marker.
        const newMarker = rnd() < 0.15 ? 'X' : female ? 'M' : 'F';
        const newGiven = pick(newMarker === 'F' ? GIVEN_F : GIVEN_M);
        personMarker = newMarker;
        personGiven = newGiven === givenNames ? `${newGiven} Alejandro` : newGiven;
        details = {
          registeredName: { givenNames, firstSurname, secondSurname },
          registeredMarker: marker,
          newName: { givenNames: personGiven, firstSurname, secondSurname },
          newMarker,
          originalBirthRecord: { state: subdivision, recordNumber: String(10000 + int(90000)), year: birthYear },
        };
      } else {
        const childBorn = new Date(Date.UTC(year, 0, 1 + submittedDay - 20 - int(300))).toISOString().slice(0, 10);
        details = {
          child: {
            givenNames: pick(rnd() < 0.5 ? GIVEN_F : GIVEN_M),
            firstSurname,
            secondSurname: pick(SURNAMES),
            sexMarker: rnd() < 0.5 ? 'F' : 'M',
            dateOfBirth: childBorn,
            placeOfBirth: { country: 'US', city: office.city },
          },
          parents: [{ givenNames, firstSurname, secondSurname, nationality: 'MX' }],
        };
      }
      yield JSON.stringify({
        kind: 'person',
        externalId: `P-${n}`,
        consulate: office.code,
        givenNames: personGiven,
        firstSurname,
        secondSurname,
        dateOfBirth,
        placeOfBirth: { country: 'MX', subdivision },
        curp: curpFor(dateOfBirth, female ? 'M' : 'H', curpState),
        genderMarker: personMarker,
      });
      yield JSON.stringify({
        kind: 'documentation_request',
        externalId: `D-${n}`,
        consulate: office.code,
        personExternalId: `P-${n}`,
        type: gender ? 'gender_identity_recognition' : 'birth_registration',
        details,
        submittedAt,
        history,
        issuedAt,
      });
    }
  }
}

/** The year file's lines joined into chunks of about 64 KiB, for streaming it (stdout, an upload). */
export function* yearChunks(options: YearFileOptions): Generator<Buffer> {
  let buffer = '';
  for (const line of yearLines(options)) {
    buffer += line + '\n';
    if (buffer.length > 1 << 16) {
      yield Buffer.from(buffer);
      buffer = '';
    }
  }
  yield Buffer.from(buffer);
}
