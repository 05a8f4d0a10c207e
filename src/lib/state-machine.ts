import type { Role } from './access.ts';
import { BadRequestError, ConflictError, ForbiddenError } from './errors.ts';

/** One allowed move of a state machine, and who may make it. */
export interface TransitionRule<S extends string> {
  readonly from: S;
  readonly to: S;
  readonly roles: readonly Role[];
  readonly reasonRequired?: boolean;
}

/**
 * A state machine as data (a table of transitions) with the checks every
 * resource applies in the same order and words: a reason where one is
 * required (400), a move that exists from the current state (409, naming the
 * current state and the allowed moves), a role that may make it (403).
 */
export function stateMachine<S extends string, T extends TransitionRule<S>>(noun: string, transitions: readonly T[]) {
  const reasonRequired: ReadonlySet<S> = new Set(transitions.filter((t) => t.reasonRequired).map((t) => t.to));
  const find = (from: S, to: S): T | undefined => transitions.find((t) => t.from === from && t.to === to);
  const allowed = (from: S): S[] => transitions.filter((t) => t.from === from).map((t) => t.to);
  return {
    transitions,
    reasonRequired,
    find,
    allowed,
    /** 400 when entering `to` needs a reason and there is none (checked before anything is read). */
    assertReason(to: S, reason: string | undefined): void {
      if (reasonRequired.has(to) && !reason) {
        throw new BadRequestError(`A reason is required to move ${noun} to ${to}.`, [
          { path: 'body.reason', message: `is required for ${to}` },
        ]);
      }
    },
    /** The move from `from` to `to`: 409 when there is none, 403 when `role` may not make it. */
    authorize(from: S, to: S, role: Role): T {
      const transition = find(from, to);
      if (!transition) {
        const targets = allowed(from);
        throw new ConflictError(
          `${noun[0]!.toUpperCase()}${noun.slice(1)} in state ${from} cannot move to ${to}. Allowed: ${targets.length ? targets.join(', ') : 'none (final state)'}.`,
          'illegal-transition',
          { currentState: from, allowedTransitions: targets },
        );
      }
      if (!transition.roles.includes(role)) {
        throw new ForbiddenError(`Moving ${noun} to ${to} needs one of the roles: ${transition.roles.join(', ')}.`);
      }
      return transition;
    },
  };
}
