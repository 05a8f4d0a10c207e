import type { StaffRole } from '../generated/prisma/enums.ts';
import { BadRequestError, ForbiddenError, NotFoundError } from './errors.ts';
import type { TransactionParticipant } from '../db/transaction.ts';

/**
 * The one place that decides what an actor may do (SPEC §1), and builds the
 * consulate filter that every query of a scoped actor carries.
 */

export type Role = StaffRole;

export const ROLES = [
  'admin',
  'auditor',
  'supervisor',
  'documentation_officer',
  'protection_officer',
] as const satisfies readonly Role[];

/** Roles that see the whole network and belong to no consulate. */
export const NETWORK_ROLES: readonly Role[] = ['admin', 'auditor'];

export interface StaffActor {
  readonly kind: 'staff';
  readonly id: string;
  readonly role: Role;
  /** Null for network-wide roles. */
  readonly consulateId: string | null;
  readonly sessionId: string;
}

export interface KioskActor {
  readonly kind: 'kiosk';
  readonly id: string;
  readonly consulateId: string;
}

export type Actor = StaffActor | KioskActor;

/** What a service needs to know about the request it serves. */
export interface RequestContext<A extends Actor = StaffActor> {
  readonly actor: A;
  readonly requestId: string;
  /**
   * `<entity type>:<id>` of what the request's audited writes changed; the
   * replica's caches drop those entries before the answer leaves (the other
   * replicas hear it from the database).
   */
  readonly touched?: Set<string>;
  /** The request's Idempotency-Key, which takes part in its write transaction (db/transaction.ts). */
  readonly participant?: TransactionParticipant | undefined;
}

const PERMISSIONS = {
  'consulates:read': ['admin', 'auditor', 'supervisor', 'documentation_officer', 'protection_officer'],
  'consulates:write': ['admin'],
  'consulates:contact': ['admin', 'supervisor'],
  'consulates:calendar': ['admin', 'supervisor'],
  'staff:read': ['admin', 'supervisor', 'documentation_officer', 'protection_officer'],
  'staff:write': ['admin', 'supervisor'],
  'audit:read': ['admin', 'auditor', 'supervisor'],
  'persons:read': ['admin', 'supervisor', 'documentation_officer', 'protection_officer'],
  'persons:write': ['admin', 'supervisor', 'documentation_officer', 'protection_officer'],
  'persons:sealed': ['admin', 'supervisor'],
  'persons:anonymise': ['admin', 'supervisor'],
  'persons:access_report': ['admin', 'supervisor'],
  'documentation:read': ['admin', 'supervisor', 'documentation_officer'],
  'documentation:write': ['admin', 'supervisor', 'documentation_officer'],
  'protection:read': ['admin', 'supervisor', 'protection_officer'],
  'protection:write': ['admin', 'supervisor', 'protection_officer'],
  'appointments:read': ['admin', 'supervisor', 'documentation_officer', 'protection_officer'],
  'appointments:write': ['admin', 'supervisor', 'documentation_officer', 'protection_officer'],
  'schedule:write': ['admin', 'supervisor'],
  'mobile_visits:read': ['admin', 'supervisor', 'documentation_officer', 'protection_officer'],
  'mobile_visits:write': ['admin', 'supervisor'],
  'kiosks:manage': ['admin', 'supervisor'],
  'webhooks:manage': ['admin', 'supervisor'],
  'queue:operate': ['admin', 'supervisor', 'documentation_officer', 'protection_officer'],
  'stats:read': ['admin', 'auditor', 'supervisor'],
  'imports:write': ['admin', 'supervisor'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(actor: StaffActor, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(actor.role);
}

/** 403 unless the actor's role has the permission. */
export function assertCan(actor: StaffActor, permission: Permission): void {
  if (!can(actor, permission)) throw new ForbiddenError();
}

export function isNetworkWide(actor: StaffActor): boolean {
  return actor.consulateId === null;
}

/**
 * The `where` fragment that confines a query to what the actor may see:
 * nothing for network-wide roles, `{ consulateId }` otherwise.
 */
export function consulateScope(actor: Actor): { consulateId?: string } {
  return actor.consulateId === null ? {} : { consulateId: actor.consulateId };
}

/** Whether a record of `consulateId` lies inside the actor's scope. */
export function inScope(actor: Actor, consulateId: string | null): boolean {
  return actor.consulateId === null || actor.consulateId === consulateId;
}

/** 404 (never 403: existence is not disclosed) outside the actor's consulate. */
export function assertInScope(actor: Actor, consulateId: string | null, entity: string): void {
  if (!inScope(actor, consulateId)) throw new NotFoundError(entity);
}

/**
 * The consulate a write happens in. Scoped actors always write in their own;
 * network-wide actors must name one (`requested`).
 */
export function targetConsulate(actor: StaffActor, requested: string | undefined): string {
  if (actor.consulateId !== null) {
    if (requested !== undefined && requested !== actor.consulateId) {
      throw new NotFoundError('Consulate');
    }
    return actor.consulateId;
  }
  if (requested === undefined) {
    throw new BadRequestError('Network-wide accounts must name the consulate they act for.', [
      { path: 'body.consulateId', message: 'is required for network-wide accounts' },
    ]);
  }
  return requested;
}
