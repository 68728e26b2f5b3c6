/**
 * Marks of recently charged slots on the global quota item, so that a write sent twice charges
 * (or refunds) once. The global item keeps only byte counters per bucket, which cannot tell a
 * second copy of a write from a new slot; so each charge also adds a mark of its slot to a string
 * set, and a write whose mark is already there is refused by its condition.
 *
 * A mark is needed only while its write can still be sent again: within the admission budget
 * (3 s, lambda/adapters/quota-deadline.ts), every copy carrying the same grant time. Time is cut
 * into 5-second slices; slice `s` marks into set `m<s mod 11>`, and every write removes all sets
 * but those of the previous, its own and the next slice (a writer whose clock runs a little
 * ahead), so a mark lives at least 5 s after its grant time.
 * Each mark starts with its slice's tag (`s mod 36`), so a rewrite can drop marks a set kept from
 * an older slice when no write came to clear it; a set reaching {@link MAX_MARKS} makes the next
 * write take the rewrite path.
 *
 * The price is item size, which DynamoDB bills every write by: about 10 bytes per slot granted in
 * the last 5 to 15 seconds (100 bytes at 1 slot/s, 1 KB at 10 slots/s).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { shortSlotId } from '../core/quota-grants.ts';

/** Length of one mark slice: longer than the admission budget, with room for clock differences. */
export const MARK_SLICE_MS = 5000;
/** Marks a set may hold before a write prunes it; far above a slice's worth below DynamoDB's per-item write limit. */
export const MAX_MARKS = 1000;
const SETS = 11;
const MARK_SET = /^m(\d+)$/;

/** Slot marks per set index (0 to 10). */
export type Marks = ReadonlyMap<number, readonly string[]>;

const mod = (value: number, by: number) => ((value % by) + by) % by;
const sliceOf = (nowMs: number) => Math.floor(nowMs / MARK_SLICE_MS);
const tag = (slice: number) => mod(slice, 36).toString(36);

/** The mark of a slot granted at `nowMs`: its slice's tag and 48 bits of its UUID (9 characters). */
export function markOf(slotId: string, nowMs: number): string {
  return tag(sliceOf(nowMs)) + Buffer.from(shortSlotId(slotId), 'hex').toString('base64url');
}

/** The set a charge granted at `nowMs` is marked in. */
export function markAttribute(nowMs: number): string {
  return `m${mod(sliceOf(nowMs), SETS)}`;
}

/**
 * The sets a write at `nowMs` removes: all but the previous, the current and the next slice's.
 * With 11 sets a writer that comes back at a fixed period still clears its old marks, unless the
 * period is a multiple of 55 s (no common schedule is: 1, 2, 5, 10, 15, 30 or 60 minutes).
 */
export function staleMarkAttributes(nowMs: number): string[] {
  const slice = sliceOf(nowMs);
  return Array.from({ length: SETS - 3 }, (_, i) => `m${mod(slice + 2 + i, SETS)}`);
}

/** The marks of an item as read. */
export function readMarks(item: Record<string, AttributeValue> | undefined): Marks {
  const marks = new Map<number, string[]>();
  for (const [name, value] of Object.entries(item ?? {})) {
    const match = MARK_SET.exec(name);
    if (match?.[1] !== undefined && value.SS !== undefined) marks.set(Number(match[1]), value.SS);
  }
  return marks;
}

/** Whether the charge with `mark` granted at `nowMs` was applied already. */
export function isMarked(marks: Marks, nowMs: number, mark: string): boolean {
  return marks.get(mod(sliceOf(nowMs), SETS))?.includes(mark) ?? false;
}

/**
 * The sets a rewrite at `nowMs` writes: those of the previous, the current (with `mark` added)
 * and the next slice, each holding only marks tagged with its own slice.
 */
export function keptMarks(marks: Marks, nowMs: number, mark: string): [string, string[]][] {
  const slice = sliceOf(nowMs);
  const kept: [string, string[]][] = [];
  for (const at of [slice - 1, slice, slice + 1]) {
    const fresh = (marks.get(mod(at, SETS)) ?? []).filter((m) => m.startsWith(tag(at)));
    const set = at === slice ? [...new Set([...fresh, mark])] : fresh;
    if (set.length > 0) kept.push([`m${mod(at, SETS)}`, set]);
  }
  return kept;
}
