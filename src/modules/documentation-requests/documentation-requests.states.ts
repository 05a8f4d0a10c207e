import { stateMachine } from '../../lib/state-machine.ts';
import type { Role } from '../../lib/access.ts';

/** SPEC §2: the documentation request state machine, as data. */
export const DOCUMENTATION_STATES = [
  'submitted',
  'under_review',
  'needs_information',
  'approved',
  'issued',
  'delivered',
  'rejected',
  'cancelled',
] as const;

export type DocumentationState = (typeof DOCUMENTATION_STATES)[number];

/** Flags kept beside the state. */
export const DOCUMENTATION_FLAGS = ['potential_duplicate', 'fee_pending', 'emergency'] as const;
export type DocumentationFlag = (typeof DOCUMENTATION_FLAGS)[number];

/** Not yet resolved: the statutory clock runs (or is paused, in needs_information). */
export const UNRESOLVED_STATES: readonly DocumentationState[] = ['submitted', 'under_review', 'needs_information'];
/** Nothing more will happen. */
export const FINAL_STATES: readonly DocumentationState[] = ['delivered', 'rejected', 'cancelled'];
/** Work in hand (the backlog): every state but the final ones. */
export const OPEN_STATES: readonly DocumentationState[] = DOCUMENTATION_STATES.filter((s) => !FINAL_STATES.includes(s));

export interface Transition {
  readonly from: DocumentationState;
  readonly to: DocumentationState;
  /** Roles that may make it. */
  readonly roles: readonly Role[];
  readonly reasonRequired?: boolean;
  /** Flags that must be clear first (409 otherwise). */
  readonly blockedBy?: readonly DocumentationFlag[];
}

const OFFICERS: readonly Role[] = ['admin', 'supervisor', 'documentation_officer'];
// Refusing a national's document is a supervisor's decision.
const SUPERVISORS: readonly Role[] = ['admin', 'supervisor'];

export const TRANSITIONS: readonly Transition[] = [
  { from: 'submitted', to: 'under_review', roles: OFFICERS },
  { from: 'under_review', to: 'needs_information', roles: OFFICERS, reasonRequired: true },
  { from: 'needs_information', to: 'under_review', roles: OFFICERS },
  { from: 'under_review', to: 'approved', roles: OFFICERS, blockedBy: ['potential_duplicate'] },
  { from: 'approved', to: 'issued', roles: OFFICERS, blockedBy: ['fee_pending'] },
  { from: 'issued', to: 'delivered', roles: OFFICERS },
  { from: 'under_review', to: 'rejected', roles: SUPERVISORS, reasonRequired: true },
  { from: 'needs_information', to: 'rejected', roles: SUPERVISORS, reasonRequired: true },
  { from: 'submitted', to: 'cancelled', roles: OFFICERS, reasonRequired: true },
  { from: 'under_review', to: 'cancelled', roles: OFFICERS, reasonRequired: true },
  { from: 'needs_information', to: 'cancelled', roles: OFFICERS, reasonRequired: true },
];

/** States that always need a reason to enter (checked before anything is read). */

/** The table with the checks every transition makes (reason, move, role). */
export const DOCUMENTATION_MACHINE = stateMachine<DocumentationState, Transition>('a request', TRANSITIONS);
export const REASON_REQUIRED = DOCUMENTATION_MACHINE.reasonRequired;
export const findTransition = DOCUMENTATION_MACHINE.find;
export const allowedTargets = DOCUMENTATION_MACHINE.allowed;
