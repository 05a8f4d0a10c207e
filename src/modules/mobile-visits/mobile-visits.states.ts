import { stateMachine } from '../../lib/state-machine.ts';
import type { Role } from '../../lib/access.ts';

/** SPEC §2: the mobile-consulate visit state machine, as data. */
export const MOBILE_VISIT_STATES = ['planned', 'confirmed', 'in_progress', 'completed', 'cancelled'] as const;

export type MobileVisitState = (typeof MOBILE_VISIT_STATES)[number];

/** Appointments can be booked (and the visit's days, services and hours changed) only in these. */
export const BOOKABLE_STATES: readonly MobileVisitState[] = ['planned', 'confirmed'];
/** People served can be reported only in these. */
export const ATTENDANCE_STATES: readonly MobileVisitState[] = ['in_progress', 'completed'];

/**
 * Conditions on the visit's calendar, checked against the app's clock in the
 * visit's time zone (409 when unmet):
 * - `first_day_reached`: today is the first day of the visit or later;
 * - `last_day_reached`: today is the last day of the visit or later.
 */
export type VisitGuard = 'first_day_reached' | 'last_day_reached';

export interface VisitTransition {
  readonly from: MobileVisitState;
  readonly to: MobileVisitState;
  readonly roles: readonly Role[];
  readonly reasonRequired?: boolean;
  readonly guard?: VisitGuard;
  /** Cancels the visit's booked and checked-in appointments in the same transaction. */
  readonly cancelsAppointments?: boolean;
}

// A consulate's supervisor (and headquarters) plans and runs its mobile consulates.
const SUPERVISORS: readonly Role[] = ['admin', 'supervisor'];

export const VISIT_TRANSITIONS: readonly VisitTransition[] = [
  { from: 'planned', to: 'confirmed', roles: SUPERVISORS },
  { from: 'confirmed', to: 'in_progress', roles: SUPERVISORS, guard: 'first_day_reached' },
  { from: 'in_progress', to: 'completed', roles: SUPERVISORS, guard: 'last_day_reached' },
  { from: 'planned', to: 'cancelled', roles: SUPERVISORS, reasonRequired: true, cancelsAppointments: true },
  { from: 'confirmed', to: 'cancelled', roles: SUPERVISORS, reasonRequired: true, cancelsAppointments: true },
  { from: 'in_progress', to: 'cancelled', roles: SUPERVISORS, reasonRequired: true, cancelsAppointments: true },
];

/** The table with the checks every transition makes (reason, move, role). */
export const VISIT_MACHINE = stateMachine<MobileVisitState, VisitTransition>('a mobile visit', VISIT_TRANSITIONS);
export const VISIT_REASON_REQUIRED = VISIT_MACHINE.reasonRequired;
export const findVisitTransition = VISIT_MACHINE.find;
export const allowedVisitTargets = VISIT_MACHINE.allowed;
