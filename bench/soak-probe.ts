/**
 * Loaded into the bridge process by the soak only (`node --expose-gc --import tsx --import bench/soak-probe.ts
 * bin/cli.ts component …`; bench/soak-env.ts): answers the soak's `sample` messages on the IPC channel with the
 * process's memory, measured after two full garbage collections, and its live handles by type. The bridge's own
 * code is unchanged; without the IPC channel (a bridge started by hand) this module does nothing.
 */
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';

/** What one sample reports; every size in bytes. */
export interface MemorySample {
  readonly rss: number;
  /** The part of the RSS that is anonymous memory (heaps, stacks), from /proc/self/smaps_rollup; NaN elsewhere. */
  readonly anonymous: number;
  /** Threads of the process (V8's GC and compiler helpers, libuv's pool, loader threads). */
  readonly threads: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
  /** Whether a full GC ran first (the process was started with --expose-gc). */
  readonly collected: boolean;
  /** Live libuv handles and pending requests by type (`TCPSocketWrap`, `Timeout`, …). */
  readonly resources: Readonly<Record<string, number>>;
  /** V8's heap spaces (`new_space`, `old_space`, `code_space`, …): the bytes each holds and its size. */
  readonly spaces: Readonly<Record<string, { readonly used: number; readonly size: number }>>;
}

export interface SampleRequest {
  readonly type: 'sample';
  readonly seq: number;
  /** Also writes a V8 heap snapshot (after the GCs) to this file, to compare two moments in DevTools. */
  readonly snapshot?: string;
}

export interface SampleReply {
  readonly type: 'sample';
  readonly seq: number;
  readonly sample: MemorySample;
}

const gc = (globalThis as { gc?: () => void }).gc;

async function sample(snapshot: string | undefined): Promise<MemorySample> {
  if (gc !== undefined) {
    // Two collections a turn apart: the first runs finalizers and weak callbacks that free more for the second.
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  if (snapshot !== undefined) writeHeapSnapshot(snapshot);
  const resources: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) resources[name] = (resources[name] ?? 0) + 1;
  const spaces: Record<string, { used: number; size: number }> = {};
  for (const space of getHeapSpaceStatistics()) spaces[space.space_name] = { used: space.space_used_size, size: space.space_size };
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  const proc = (file: string, field: string) => {
    try {
      return Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/self/${file}`, 'utf8'))?.[1] ?? Number.NaN);
    } catch {
      return Number.NaN;
    }
  };
  const anonymous = proc('smaps_rollup', 'Anonymous') * 1024;
  const threads = proc('status', 'Threads');
  return { rss, anonymous, threads, heapUsed, heapTotal, external, arrayBuffers, collected: gc !== undefined, resources, spaces };
}

if (process.send !== undefined) {
  process.on('message', (message: SampleRequest) => {
    if (message?.type !== 'sample') return;
    void sample(message.snapshot).then((measured) =>
      process.send?.({ type: 'sample', seq: message.seq, sample: measured } satisfies SampleReply),
    );
  });
  // The channel must not keep the bridge alive once SIGTERM stopped it.
  (process.channel as { unref?: () => void } | undefined)?.unref?.();
}
