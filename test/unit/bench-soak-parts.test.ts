/**
 * The parts of the bridge soak (bench/bridge-soak.ts) that decide its memory figures without running it: the
 * probe loaded into the bridge process, the trend, and the table BENCHMARKS.md shows.
 */
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatValue, markdown, newSection } from '../../bench/report.ts';
import type { SampleReply } from '../../bench/soak-probe.ts';
import { slope } from '../../bench/stats.ts';

const PROBE = pathToFileURL(resolve(dirname(fileURLToPath(import.meta.url)), '../../bench/soak-probe.ts')).href;

describe('bench/soak-probe.ts', () => {
  it('answers a sample after a full GC over the IPC channel, and does not keep the process alive', async () => {
    // The child allocates garbage, then idles for a moment and has nothing left to do: it must exit by itself.
    const script =
      'globalThis.junk = Array.from({ length: 1e5 }, (_, i) => ({ i })); setTimeout(() => { globalThis.junk = undefined; }, 300);';
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', '--import', PROBE, '-e', script], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const exited = new Promise<number | null>((resolveExit) => child.once('exit', resolveExit));
    const reply = await new Promise<SampleReply>((resolveReply) => {
      child.once('message', (message: SampleReply) => resolveReply(message));
      child.send({ type: 'sample', seq: 7 });
    });
    expect(reply.seq).toBe(7);
    expect(reply.sample.collected).toBe(true);
    expect(reply.sample.rss).toBeGreaterThan(reply.sample.heapUsed);
    expect(reply.sample.heapUsed).toBeGreaterThan(0);
    expect(Object.keys(reply.sample.spaces)).toEqual(expect.arrayContaining(['new_space', 'old_space']));
    expect(await exited).toBe(0);
  });
});

describe('slope', () => {
  it('is the rise per unit of a line, and the least-squares one of scattered points', () => {
    expect(
      slope([
        [0, 5],
        [1, 7],
        [2, 9],
        [3, 11],
      ]),
    ).toBeCloseTo(2, 12);
    expect(
      slope([
        [0, 1],
        [1, 0],
        [2, 1],
        [3, 0],
      ]),
    ).toBeCloseTo(-0.2, 12);
    expect(
      slope([
        [0, 8],
        [1, 8],
        [2, 8],
      ]),
    ).toBe(0);
  });

  it('is NaN when no trend can be drawn', () => {
    expect(slope([])).toBeNaN();
    expect(slope([[1, 2]])).toBeNaN();
    expect(
      slope([
        [1, 2],
        [1, 3],
      ]),
    ).toBeNaN();
  });
});

describe('markdown tables of a section', () => {
  it('renders each table under the figures, right-aligned, with pipes escaped', () => {
    const s = newSection('8', 'Soak');
    s.figures.push({ name: 'IQs', value: 3, unit: '' });
    s.tables.push({
      title: 'Memory',
      columns: ['t (s)', 'RSS (MiB)'],
      rows: [
        ['0', '60.1'],
        ['60', 'a|b'],
      ],
    });
    const text = markdown([s], { startedAt: new Date(0), durationMs: 1000, machine: 'test' });
    const lines = text.split('\n');
    const at = lines.indexOf('Memory:');
    expect(at).toBeGreaterThan(lines.indexOf('| IQs | 3.00 |  |  |'));
    expect(lines.slice(at, at + 6)).toEqual(['Memory:', '', '| t (s) | RSS (MiB) |', '| ---: | ---: |', '| 0 | 60.1 |', '| 60 | a\\|b |']);
  });
});

describe('formatValue', () => {
  it('prints counts as whole numbers and other figures to three significant digits', () => {
    expect([0, 73, 1394, 83962].map((v) => formatValue(v))).toEqual(['0', '73', '1394', '83962']);
    expect([0.406, 2.81, 7.88, 273.4].map((v) => formatValue(v))).toEqual(['0.406', '2.81', '7.88', '273']);
    expect(formatValue(1.5, 3)).toBe('1.500');
  });
});
