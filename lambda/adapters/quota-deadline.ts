/**
 * Time budgets of the quota store. A slot request must be answered well inside the Lambda's
 * 10 s timeout, or Lambda answers it with a 502 and nothing is refunded; so every quota
 * operation runs against a deadline: SDK calls are aborted when it passes, optimistic rounds stop,
 * and the answer is `store-unavailable`, which never grants anything.
 *
 * Worst case of one request: 3 s secret load (cold start only, lambda/adapters/secret.ts) + 3 s
 * admission + 1.5 s taking a failed admission's charges back = 7.5 s, inside 10 s; a PUT that
 * fails to presign is refunded in the same 1.5 s instead of the admission's undo.
 */

/** Admission: both quota items, every optimistic round and SDK retry included. */
export const ADMIT_BUDGET_MS = 3000;
/** Taking a charge back, after a failed admission or a slot that could not be presigned. */
export const REFUND_BUDGET_MS = 1500;

/** A point in time after which store calls are abandoned. */
export interface Deadline {
  readonly budgetMs: number;
  /** Milliseconds left; 0 or less once spent. */
  remainingMs(): number;
  /** Aborts the SDK calls (their retries and back-off too) once the budget is spent. */
  readonly signal: AbortSignal;
}

/** A deadline `budgetMs` from now; `clock` (ms, monotonic) is for tests of the rounds' logic. */
export function startDeadline(budgetMs: number, clock: () => number = () => performance.now()): Deadline {
  const endMs = clock() + budgetMs;
  return { budgetMs, remainingMs: () => endMs - clock(), signal: AbortSignal.timeout(budgetMs) };
}

/** Whether the deadline has passed, by the clock or by the abort signal. */
export function isSpent(deadline: Deadline): boolean {
  return deadline.signal.aborted || deadline.remainingMs() <= 0;
}
