import { PreconditionFailedError, PreconditionRequiredError } from './errors.ts';

/** Optimistic concurrency: the ETag of a record is its row version. */
export const etagOf = (version: number): string => `"${version}"`;

/**
 * Reads the version a client expects from `If-Match`. Missing → 428; a value
 * that is not one of our tags can never match → 412.
 */
export function expectedVersion(ifMatch: string | undefined): number {
  if (ifMatch === undefined || ifMatch.trim() === '') throw new PreconditionRequiredError();
  const match = /^(?:W\/)?"(\d{1,9})"$/.exec(ifMatch.trim());
  if (!match) throw new PreconditionFailedError();
  return Number(match[1]);
}
