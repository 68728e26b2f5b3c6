import { describe, expect, it } from 'vitest';
import {
  isMarked,
  keptMarks,
  MARK_SLICE_MS,
  markAttribute,
  markOf,
  readMarks,
  staleMarkAttributes,
} from '../../lambda/adapters/quota-marks.ts';

const T0 = 1_800_000_000_000 - (1_800_000_000_000 % MARK_SLICE_MS);
const SLOT = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('quota marks', () => {
  it('marks a slot with its slice tag and 48 bits of its UUID, the same for every copy of its write', () => {
    expect(markOf(SLOT, T0)).toHaveLength(9);
    expect(markOf(SLOT, T0 + MARK_SLICE_MS - 1)).toBe(markOf(SLOT, T0));
    expect(markOf(SLOT, T0 + MARK_SLICE_MS)).not.toBe(markOf(SLOT, T0));
  });

  it('never removes the set of the previous, the current or the next slice', () => {
    for (let k = 0; k < 30; k += 1) {
      const now = T0 + k * MARK_SLICE_MS;
      const kept = [-1, 0, 1].map((d) => markAttribute(now + d * MARK_SLICE_MS));
      expect(
        staleMarkAttributes(now).filter((name) => kept.includes(name)),
        String(k),
      ).toEqual([]);
      expect(new Set([...staleMarkAttributes(now), ...kept]).size).toBe(11);
    }
  });

  it.each([10, 30, 60, 120, 300, 600, 900, 1800, 3600])(
    'clears the marks of a writer that comes back every %i s within 3 visits',
    (seconds) => {
      const period = seconds * 1000;
      const cleared = [1, 2, 3].some((k) => staleMarkAttributes(T0 + k * period).includes(markAttribute(T0)));
      expect(cleared).toBe(true);
    },
  );

  it('keeps, on a rewrite, only the marks tagged with their own slice, and adds the new one', () => {
    const now = T0 + 100 * MARK_SLICE_MS;
    const current = markOf(SLOT, now);
    const previous = markOf(crypto.randomUUID(), now - MARK_SLICE_MS);
    const ancient = markOf(crypto.randomUUID(), now - 11 * MARK_SLICE_MS);
    const marks = readMarks({
      [markAttribute(now)]: { SS: [ancient] },
      [markAttribute(now - MARK_SLICE_MS)]: { SS: [previous] },
      [markAttribute(now - 5 * MARK_SLICE_MS)]: { SS: ['zzzzzzzzz'] },
    });

    expect(isMarked(marks, now, current)).toBe(false);
    expect(keptMarks(marks, now, current)).toEqual([
      [markAttribute(now - MARK_SLICE_MS), [previous]],
      [markAttribute(now), [current]],
    ]);
  });
});
