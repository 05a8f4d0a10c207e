/** The time, injectable so tests can stand on a given day (a weekend, a DST change). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
