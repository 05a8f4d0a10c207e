/**
 * Reference data: Mexico's consular network in the United States (consulates
 * general, consulates and the embassy's consular section), from public
 * listings of the Secretaría de Relaciones Exteriores, plus the two announced
 * offices (Oklahoma City, New Brunswick) as `planned`. Headquarters owns the
 * real list: admins correct it through the API; seeding never overwrites it.
 */
export interface ConsulateSeed {
  code: string;
  name: string;
  kind: 'consulate_general' | 'consulate' | 'consular_section';
  city: string;
  state: string;
  timeZone: string;
  status?: 'planned' | 'active';
}

const CG = 'consulate_general' as const;
const C = 'consulate' as const;

const office = (
  code: string,
  kind: ConsulateSeed['kind'],
  city: string,
  state: string,
  timeZone: string,
  status: ConsulateSeed['status'] = 'active',
): ConsulateSeed => ({
  code,
  kind,
  city,
  state,
  timeZone,
  status,
  name:
    kind === 'consular_section'
      ? `Consular Section of the Embassy of Mexico in ${city}`
      : `${kind === CG ? 'Consulate General' : 'Consulate'} of Mexico in ${city}`,
});

export const CONSULATES: ConsulateSeed[] = [
  office('ALB', C, 'Albuquerque', 'NM', 'America/Denver'),
  office('ANC', C, 'Anchorage', 'AK', 'America/Anchorage'),
  office('ATL', CG, 'Atlanta', 'GA', 'America/New_York'),
  office('AUS', CG, 'Austin', 'TX', 'America/Chicago'),
  office('BOI', C, 'Boise', 'ID', 'America/Boise'),
  office('BOS', CG, 'Boston', 'MA', 'America/New_York'),
  office('BRO', C, 'Brownsville', 'TX', 'America/Chicago'),
  office('CLX', C, 'Calexico', 'CA', 'America/Los_Angeles'),
  office('CHI', CG, 'Chicago', 'IL', 'America/Chicago'),
  office('DAL', CG, 'Dallas', 'TX', 'America/Chicago'),
  office('DRT', C, 'Del Rio', 'TX', 'America/Chicago'),
  office('DEN', CG, 'Denver', 'CO', 'America/Denver'),
  office('DET', C, 'Detroit', 'MI', 'America/Detroit'),
  office('DGL', C, 'Douglas', 'AZ', 'America/Phoenix'),
  office('EGP', C, 'Eagle Pass', 'TX', 'America/Chicago'),
  office('ELP', CG, 'El Paso', 'TX', 'America/Denver'),
  office('FAT', C, 'Fresno', 'CA', 'America/Los_Angeles'),
  office('HOU', CG, 'Houston', 'TX', 'America/Chicago'),
  office('IND', C, 'Indianapolis', 'IN', 'America/Indiana/Indianapolis'),
  office('MKC', C, 'Kansas City', 'MO', 'America/Chicago'),
  office('LRD', CG, 'Laredo', 'TX', 'America/Chicago'),
  office('LAS', C, 'Las Vegas', 'NV', 'America/Los_Angeles'),
  office('LIT', C, 'Little Rock', 'AR', 'America/Chicago'),
  office('LAX', CG, 'Los Angeles', 'CA', 'America/Los_Angeles'),
  office('MFE', C, 'McAllen', 'TX', 'America/Chicago'),
  office('MIA', CG, 'Miami', 'FL', 'America/New_York'),
  office('MKE', C, 'Milwaukee', 'WI', 'America/Chicago'),
  office('BNA', C, 'Nashville', 'TN', 'America/Chicago'),
  office('MSY', C, 'New Orleans', 'LA', 'America/Chicago'),
  office('NYC', CG, 'New York', 'NY', 'America/New_York'),
  office('NOG', C, 'Nogales', 'AZ', 'America/Phoenix'),
  office('OMA', C, 'Omaha', 'NE', 'America/Chicago'),
  office('ORL', C, 'Orlando', 'FL', 'America/New_York'),
  office('OXR', C, 'Oxnard', 'CA', 'America/Los_Angeles'),
  office('PHL', C, 'Philadelphia', 'PA', 'America/New_York'),
  office('PHX', CG, 'Phoenix', 'AZ', 'America/Phoenix'),
  office('PDX', C, 'Portland', 'OR', 'America/Los_Angeles'),
  office('PRS', C, 'Presidio', 'TX', 'America/Chicago'),
  office('RDU', C, 'Raleigh', 'NC', 'America/New_York'),
  office('SAC', CG, 'Sacramento', 'CA', 'America/Los_Angeles'),
  office('STP', C, 'Saint Paul', 'MN', 'America/Chicago'),
  office('SLC', C, 'Salt Lake City', 'UT', 'America/Denver'),
  office('SAT', CG, 'San Antonio', 'TX', 'America/Chicago'),
  office('SBD', C, 'San Bernardino', 'CA', 'America/Los_Angeles'),
  office('SAN', CG, 'San Diego', 'CA', 'America/Los_Angeles'),
  office('SFO', CG, 'San Francisco', 'CA', 'America/Los_Angeles'),
  office('SJC', C, 'San Jose', 'CA', 'America/Los_Angeles'),
  office('SNA', C, 'Santa Ana', 'CA', 'America/Los_Angeles'),
  office('SEA', CG, 'Seattle', 'WA', 'America/Los_Angeles'),
  office('TUS', C, 'Tucson', 'AZ', 'America/Phoenix'),
  office('WAS', 'consular_section', 'Washington', 'DC', 'America/New_York'),
  office('YUM', C, 'Yuma', 'AZ', 'America/Phoenix'),
  office('OKC', C, 'Oklahoma City', 'OK', 'America/Chicago', 'planned'),
  office('NBW', C, 'New Brunswick', 'NJ', 'America/New_York', 'planned'),
];

/** Services a seeded office offers until its supervisor says otherwise. */
export const DEFAULT_SERVICES = [
  'passport',
  'consular_id',
  'birth_registration',
  'gender_identity_recognition',
  'protection',
  'notarization',
  'legalization',
] as const;
