/**
 * Marks of recently charged slots on the global quota item, so that a write sent twice charges
 * (or refunds) once. The global item keeps only byte counters per bucket, which cannot tell a
 * second copy of a write from a new slot; so each charge also adds its short slot id to a string
 * set `m<slice>`, named after the 10-second slice of its grant time, and a write whose id is
 * already in its slice's set is refused by its condition.
 *
 * The sets must stay small, because every write to the item is billed by the item's size: each
 * fast-path write removes the sets of the slices before the previous one, and a prune rewrite
 * keeps only the previous slice's and later ones. A set thus lives at least 10 s after its last
 * write (the SDK's copies of a write come within the 3 s admission budget) and holds the slot ids
 * of at most 20 s: about 13 bytes per slot granted in the last 20 seconds.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** Length of one mark slice. */
export const MARK_SLICE_MS = 10_000;
/**
 * Older slices each fast-path write removes by name (two to 31 slices back, five minutes). A gap
 * in traffic longer than that leaves one set behind until the next prune rewrite, which comes
 * at least once per bucket length: a few hundred bytes in the worst case.
 */
export const MARK_CLEANUP_SLICES = 30;

/** Slot ids marked per slice. */
export type Marks = ReadonlyMap<number, readonly string[]>;

const MARK_ATTRIBUTE = /^m(\d+)$/;

/** The slice of a grant time. */
export function markSlice(nowMs: number): number {
  return Math.floor(nowMs / MARK_SLICE_MS);
}

/** The set a charge granted at `nowMs` is marked in. */
export function markAttribute(nowMs: number): string {
  return `m${markSlice(nowMs)}`;
}

/** The sets a write at `nowMs` removes: all but the current and the previous slice's, five minutes back. */
export function staleMarkAttributes(nowMs: number): string[] {
  const slice = markSlice(nowMs);
  return Array.from({ length: MARK_CLEANUP_SLICES }, (_, i) => `m${slice - 2 - i}`);
}

/** The marks of an item as read. */
export function readMarks(item: Record<string, AttributeValue> | undefined): Marks {
  const marks = new Map<number, string[]>();
  for (const [name, value] of Object.entries(item ?? {})) {
    const match = MARK_ATTRIBUTE.exec(name);
    if (match?.[1] !== undefined && value.SS !== undefined) marks.set(Number(match[1]), value.SS);
  }
  return marks;
}

/** Whether the charge of `id` granted at `nowMs` was applied already. */
export function isMarked(marks: Marks, nowMs: number, id: string): boolean {
  return marks.get(markSlice(nowMs))?.includes(id) ?? false;
}

/**
 * The sets a rewrite at `nowMs` keeps: the previous slice's and every later one's (a writer whose
 * clock runs a little ahead may have marked the next slice already), with `id` added to the
 * current slice's.
 */
export function keptMarks(marks: Marks, nowMs: number, id: string): [number, string[]][] {
  const slice = markSlice(nowMs);
  const kept = new Map<number, string[]>([[slice, [id]]]);
  for (const [at, ids] of marks) {
    if (at >= slice - 1) kept.set(at, [...new Set([...(kept.get(at) ?? []), ...ids])]);
  }
  return [...kept].filter(([, ids]) => ids.length > 0);
}
