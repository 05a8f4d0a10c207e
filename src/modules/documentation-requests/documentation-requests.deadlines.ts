import { BoundedMap } from '../../lib/bounded-map.ts';
import {
  addBusinessDays,
  businessDaysBetween,
  endOfLocalDay,
  localDate,
  type BusinessCalendar,
} from '../../lib/calendar.ts';
import { UNRESOLVED_STATES, type DocumentationState } from './documentation-requests.states.ts';

/**
 * Statutory deadlines, derived from the timeline and the consulate calendar
 * alone — so they can always be recomputed (a holiday added later moves them)
 * and explained (`pausedBusinessDays` says why a date moved).
 *
 * - Due: the end (local time) of the N-th business day after the submission
 *   day, the submission day not counted.
 * - The clock stops while the request is `needs_information`: the business
 *   days after the day information was asked for, up to and including the day
 *   the request came back, do not count. It restarts the next business day.
 */
export interface TimelineTransition {
  fromState: DocumentationState | null;
  toState: DocumentationState | null;
  at: Date;
}

export interface DeadlineInput {
  state: DocumentationState;
  submittedAt: Date;
  resolvedAt: Date | null;
  deadlineDays: number;
  infoDeadlineDays: number;
  /** Transitions in time order. */
  transitions: readonly TimelineTransition[];
}

export interface Deadline {
  /** End of the due day; while paused, where it stands if the clock restarted tomorrow. */
  dueAt: string;
  dueDate: string;
  /** Business days after today up to the due date; negative when overdue; null once resolved. */
  daysRemaining: number | null;
  clockPaused: boolean;
  overdue: boolean;
  businessDays: number;
  pausedBusinessDays: number;
  /** Deadline for asking the applicant for missing information. */
  informationRequestDueAt: string;
  /** Whether approval or rejection came by the due time; null until then (and for cancellations). */
  resolvedWithinDeadline: boolean | null;
}

export function computeDeadline(
  input: DeadlineInput,
  calendar: BusinessCalendar,
  now: Date = new Date(),
): Deadline & { storedDueAt: Date | null } {
  const tz = calendar.timeZone;
  const submitted = localDate(input.submittedAt, tz);
  const today = localDate(now, tz);

  let paused = 0;
  let pausedSince: string | null = null;
  for (const t of input.transitions) {
    if (t.toState === 'needs_information' && pausedSince === null) {
      pausedSince = localDate(t.at, tz);
    } else if (t.fromState === 'needs_information' && pausedSince !== null) {
      paused += businessDaysBetween(pausedSince, localDate(t.at, tz), calendar);
      pausedSince = null;
    }
  }
  const clockPaused = pausedSince !== null && input.state === 'needs_information';
  if (clockPaused) paused += businessDaysBetween(pausedSince!, today, calendar);

  const dueDate = addBusinessDays(submitted, input.deadlineDays + paused, calendar);
  const dueAt = endOfLocalDay(dueDate, tz);
  const unresolved = UNRESOLVED_STATES.includes(input.state);
  const daysRemaining = !unresolved
    ? null
    : today <= dueDate
      ? businessDaysBetween(today, dueDate, calendar)
      : -businessDaysBetween(dueDate, today, calendar);

  return {
    dueAt: dueAt.toISOString(),
    dueDate,
    daysRemaining,
    clockPaused,
    overdue: unresolved && !clockPaused && now > dueAt,
    businessDays: input.deadlineDays,
    pausedBusinessDays: paused,
    informationRequestDueAt: endOfLocalDay(
      addBusinessDays(submitted, input.infoDeadlineDays, calendar),
      tz,
    ).toISOString(),
    resolvedWithinDeadline: input.resolvedAt ? input.resolvedAt <= dueAt : null,
    storedDueAt: clockPaused ? null : dueAt,
  };
}

type Computed = Deadline & { storedDueAt: Date | null };

interface Remembered {
  input: DeadlineInput;
  calendar: BusinessCalendar;
  today: string;
  dueAtMs: number;
  unresolved: boolean;
  deadline: Computed;
}

const sameTransitions = (a: readonly TimelineTransition[], b: readonly TimelineTransition[]) =>
  a === b ||
  (a.length === b.length &&
    a.every(
      (t, i) => t.fromState === b[i]!.fromState && t.toState === b[i]!.toState && t.at.getTime() === b[i]!.at.getTime(),
    ));

const sameInput = (a: DeadlineInput, b: DeadlineInput) =>
  a.state === b.state &&
  a.submittedAt.getTime() === b.submittedAt.getTime() &&
  (a.resolvedAt?.getTime() ?? null) === (b.resolvedAt?.getTime() ?? null) &&
  a.deadlineDays === b.deadlineDays &&
  a.infoDeadlineDays === b.infoDeadlineDays &&
  sameTransitions(a.transitions, b.transitions);

/**
 * The deadlines of requests read lately (at most `max`; the oldest gives
 * way). A deadline depends on the request's timeline, the calendar and the
 * local day — and, for `overdue`, on the instant: an answer is reused only
 * for the same inputs, the same calendar (a holiday change makes a new one)
 * and the same local day, with `overdue` computed afresh. Reads of a busy
 * request, and list pages read again, skip the business-day arithmetic.
 */
export class RecentDeadlines {
  private readonly known: BoundedMap<string, Remembered>;

  constructor(max = 5_000) {
    this.known = new BoundedMap(max);
  }

  compute(id: string, input: DeadlineInput, calendar: BusinessCalendar, now: Date): Computed {
    const today = localDate(now, calendar.timeZone);
    const hit = this.known.get(id);
    if (hit && hit.calendar === calendar && hit.today === today && sameInput(hit.input, input)) {
      const overdue = hit.unresolved && !hit.deadline.clockPaused && now.getTime() > hit.dueAtMs;
      return overdue === hit.deadline.overdue ? hit.deadline : { ...hit.deadline, overdue };
    }
    const deadline = computeDeadline(input, calendar, now);
    this.known.set(id, {
      input,
      calendar,
      today,
      dueAtMs: Date.parse(deadline.dueAt),
      unresolved: UNRESOLVED_STATES.includes(input.state),
      deadline,
    });
    return deadline;
  }
}
