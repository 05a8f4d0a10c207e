import { stateMachine } from '../../lib/state-machine.ts';
import type { Role } from '../../lib/access.ts';

/** SPEC §2: the protection case state machine, as data. */
export const PROTECTION_STATES = ['open', 'in_progress', 'referred', 'resolved', 'closed', 'reopened'] as const;
export type ProtectionState = (typeof PROTECTION_STATES)[number];

export const PROTECTION_CATEGORIES = [
  'detention',
  'deportation_proceedings',
  'immigration_information',
  'legal_guidance',
  'labor_rights',
  'gender_based_violence',
  'human_trafficking',
  'minor_unaccompanied',
  'death_repatriation',
  'health_emergency',
  'missing_person',
  'civil_family',
] as const;
export type ProtectionCategory = (typeof PROTECTION_CATEGORIES)[number];

/** Categories whose cases start confidential (violence, trafficking, minors). Detention does not: consular notification must be fast and visible to the team. */
export const CONFIDENTIAL_BY_DEFAULT: ReadonlySet<ProtectionCategory> = new Set([
  'gender_based_violence',
  'human_trafficking',
  'minor_unaccompanied',
]);

export const PROTECTION_PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
export type ProtectionPriority = (typeof PROTECTION_PRIORITIES)[number];

/** Still being worked on: counts as open in statistics. */
export const ACTIVE_STATES: readonly ProtectionState[] = ['open', 'in_progress', 'referred', 'reopened'];

export interface CaseTransition {
  readonly from: ProtectionState;
  readonly to: ProtectionState;
  readonly roles: readonly Role[];
  readonly reasonRequired?: boolean;
}

const TEAM: readonly Role[] = ['admin', 'supervisor', 'protection_officer'];
// Reopening a closed case overrides a supervisor's closure.
const SUPERVISORS: readonly Role[] = ['admin', 'supervisor'];

export const CASE_TRANSITIONS: readonly CaseTransition[] = [
  { from: 'open', to: 'in_progress', roles: TEAM },
  { from: 'in_progress', to: 'referred', roles: TEAM },
  { from: 'referred', to: 'in_progress', roles: TEAM },
  { from: 'in_progress', to: 'resolved', roles: TEAM, reasonRequired: true },
  { from: 'referred', to: 'resolved', roles: TEAM, reasonRequired: true },
  { from: 'resolved', to: 'closed', roles: TEAM, reasonRequired: true },
  { from: 'resolved', to: 'reopened', roles: TEAM, reasonRequired: true },
  { from: 'closed', to: 'reopened', roles: SUPERVISORS, reasonRequired: true },
  { from: 'reopened', to: 'in_progress', roles: TEAM },
];

/** Referral status: sent → accepted | declined; accepted → completed. */
export const REFERRAL_STATUSES = ['sent', 'accepted', 'declined', 'completed'] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];
export const REFERRAL_TRANSITIONS: Readonly<Record<ReferralStatus, readonly ReferralStatus[]>> = {
  sent: ['accepted', 'declined'],
  accepted: ['completed'],
  declined: [],
  completed: [],
};

/** The table with the checks every transition makes (reason, move, role). */
export const CASE_MACHINE = stateMachine<ProtectionState, CaseTransition>('a case', CASE_TRANSITIONS);
export const CASE_REASON_REQUIRED = CASE_MACHINE.reasonRequired;
export const findCaseTransition = CASE_MACHINE.find;
export const allowedCaseTargets = CASE_MACHINE.allowed;
