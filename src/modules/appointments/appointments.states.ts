import { stateMachine } from '../../lib/state-machine.ts';
import type { Role } from '../../lib/access.ts';

/** SPEC §2: the appointment state machine, as data. */
export const APPOINTMENT_STATES = ['booked', 'checked_in', 'served', 'no_show', 'cancelled'] as const;

export type AppointmentState = (typeof APPOINTMENT_STATES)[number];

/** States that hold the person's place for the day (the partial unique index uses the same list). */
export const DAY_HOLDING_STATES: readonly AppointmentState[] = ['booked', 'checked_in', 'served'];
/** States a cancelled mobile visit cancels. */
export const PENDING_STATES: readonly AppointmentState[] = ['booked', 'checked_in'];

/**
 * Conditions on the app's clock (409 when unmet):
 * - `on_the_day`: today, in the office's time zone, is the appointment's local date;
 * - `slot_ended`: the slot is over (a no-show is known only then).
 */
export type AppointmentGuard = 'on_the_day' | 'slot_ended';

export interface AppointmentTransition {
  readonly from: AppointmentState;
  readonly to: AppointmentState;
  readonly roles: readonly Role[];
  readonly reasonRequired?: boolean;
  readonly guard?: AppointmentGuard;
  /** Gives the slot's place back (the capacity counter goes down). */
  readonly freesCapacity?: boolean;
}

// Whoever books appointments at the window also checks people in, serves and cancels.
const STAFF: readonly Role[] = ['admin', 'supervisor', 'documentation_officer', 'protection_officer'];

export const APPOINTMENT_TRANSITIONS: readonly AppointmentTransition[] = [
  { from: 'booked', to: 'checked_in', roles: STAFF, guard: 'on_the_day' },
  { from: 'checked_in', to: 'served', roles: STAFF },
  { from: 'booked', to: 'no_show', roles: STAFF, guard: 'slot_ended' },
  { from: 'booked', to: 'cancelled', roles: STAFF, reasonRequired: true, freesCapacity: true },
  { from: 'checked_in', to: 'cancelled', roles: STAFF, reasonRequired: true, freesCapacity: true },
];

/** The table with the checks every transition makes (reason, move, role). */
export const APPOINTMENT_MACHINE = stateMachine<AppointmentState, AppointmentTransition>(
  'an appointment',
  APPOINTMENT_TRANSITIONS,
);
export const APPOINTMENT_REASON_REQUIRED = APPOINTMENT_MACHINE.reasonRequired;
export const findAppointmentTransition = APPOINTMENT_MACHINE.find;
export const allowedAppointmentTargets = APPOINTMENT_MACHINE.allowed;
