/**
 * The bridge soak (docs/bridge.md, "Faults, measured"): minutes of mixed traffic from real clients through
 * Prosody and the bridge process to the local stack, with a fault every few seconds between bridge and
 * endpoint. Reports IQs left unanswered (0), errors by condition, slots granted without being counted (0), and
 * the bridge's memory every 10 s after two full GCs in it: RSS and heapUsed after a stated warm-up and at the
 * end (RSS flat within 10 %), and the trend of heapUsed, which a leak makes rise steadily (docs/development.md,
 * "The bridge soak's memory"). Run by hand (`npx tsx bench/bridge-soak.ts [minutes]`, or `SOAK_MINUTES`) or as
 * a section of `npm run bench`; never by `npm test`.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { xml } from '../test/e2e/support/xmpp-client.ts';
import type { Fault } from '../test/support/fault-proxy.ts';
import { countedSizes, type SentIq, tally } from '../test/support/slot-tally.ts';
import { check, markdown, newSection, note, record, type SectionResult } from './report.ts';
import { SEMI_SPACE_MB, SOAK_JID, startSoakEnv } from './soak-env.ts';
import type { MemorySample } from './soak-probe.ts';
import { sleep, slope } from './stats.ts';

const CLIENTS = 8;
const FAULT_EVERY_MS = 3000;
/** How long new connections meet the fault before the plan passes again. */
const FAULT_WINDOW_MS = 1000;
/** Traffic (and faults) before the "start" memory sample: module loading, JIT and heap sizing settle in it. */
export const WARM_UP_MS = 60_000;
/** The bridge's memory is sampled this often, after a full GC in it (bench/soak-probe.ts). */
const SAMPLE_EVERY_MS = 10_000;
/** Each fault in turn; `stale` drops every kept-alive connection, as an idle timeout on the far side does. */
const FAULTS: readonly (Fault | 'stale')[] = [
  'stale',
  { kind: 'reset' },
  { kind: 'delay', ms: 300 },
  { kind: 'close-mid-response', afterBytes: 60 },
  { kind: 'blackhole' },
];

/** One memory sample of the bridge, `atMs` after the traffic began, when `iqs` IQs had been answered. */
interface Sample {
  readonly atMs: number;
  readonly iqs: number;
  readonly mem: MemorySample;
}

const MiB = 2 ** 20;

/** One sample as printed while the soak runs. */
function progress(atMs: number, iqs: number, mem: MemorySample): string {
  const space = (name: string) => {
    const { used = 0, size = 0 } = mem.spaces[name] ?? {};
    return `${(used / MiB).toFixed(1)}/${(size / MiB).toFixed(0)}`;
  };
  return [
    `  t=${String(atMs / 1000).padStart(4)} s`,
    `${String(iqs).padStart(6)} IQs answered`,
    `RSS ${(mem.rss / MiB).toFixed(1)} MiB`,
    `heapUsed ${(mem.heapUsed / MiB).toFixed(2)} MiB (new ${space('new_space')}, old ${space('old_space')}, code ${space('code_space')} MiB used/size)`,
    `sockets ${mem.resources.TCPSocketWrap ?? 0}, timers ${mem.resources.Timeout ?? 0}`,
  ].join('  ');
}
/** A folder to write the bridge's heap snapshots to, after the warm-up and at the end (`SOAK_HEAP_SNAPSHOTS`). */
const SNAPSHOTS = process.env.SOAK_HEAP_SNAPSHOTS;

/** The IQ payload of the `n`-th request of a client: slots mostly, then disco, ping and an unsupported IQ. */
function payload(n: number) {
  const kind = n % 10;
  if (kind < 6) return xml('request', { xmlns: 'urn:xmpp:http:upload:0', filename: `soak${n}.bin`, size: String(1000 + n) });
  if (kind < 8) return xml('query', { xmlns: `http://jabber.org/protocol/disco#${kind === 6 ? 'info' : 'items'}` });
  if (kind === 8) return xml('ping', { xmlns: 'urn:xmpp:ping' });
  return xml('query', { xmlns: 'jabber:iq:version' });
}

export async function benchBridgeSoak(s: SectionResult, minutes: number): Promise<void> {
  const durationMs = minutes * 60_000;
  if (durationMs < WARM_UP_MS + 6 * SAMPLE_EVERY_MS)
    throw new Error(`a soak needs at least ${(WARM_UP_MS + 6 * SAMPLE_EVERY_MS) / 60_000} minutes`);
  const env = await startSoakEnv(CLIENTS);
  const sent: SentIq[] = [];
  const replies = new Map<string, string | undefined>();
  const samples: Sample[] = [];
  let faults: NodeJS.Timeout | undefined;
  try {
    let stopped = false;
    let faultIndex = 0;
    faults = setInterval(() => {
      const fault = FAULTS[faultIndex++ % FAULTS.length] ?? 'stale';
      env.proxy.resetAll();
      if (fault === 'stale') return;
      env.proxy.setPlan(fault);
      setTimeout(() => env.proxy.setPlan({ kind: 'pass' }), FAULT_WINDOW_MS).unref();
    }, FAULT_EVERY_MS);
    const began = performance.now();
    // Samples at 0, 10 s, 20 s, … up to the end, under traffic; the traffic stops after the last one.
    const sampling = (async () => {
      try {
        for (let k = 0; k * SAMPLE_EVERY_MS <= durationMs; k += 1) {
          await sleep(Math.max(0, began + k * SAMPLE_EVERY_MS - performance.now()));
          const iqs = replies.size;
          const at = k * SAMPLE_EVERY_MS;
          const snapshot =
            SNAPSHOTS !== undefined && (at === WARM_UP_MS || at + SAMPLE_EVERY_MS > durationMs)
              ? join(SNAPSHOTS, `bridge-${at / 1000}s.heapsnapshot`)
              : undefined;
          const mem = await env.sampleBridge(snapshot);
          samples.push({ atMs: at, iqs, mem });
          console.log(progress(at, iqs, mem));
        }
      } finally {
        stopped = true;
      }
    })();
    await Promise.all([
      sampling,
      ...env.clients.map(async (client, c) => {
        for (let n = 0; !stopped; n += 1) {
          const id = `c${c}-${n}`;
          const jid = client.jid.split('/')[0] ?? '';
          sent.push(n % 10 < 6 ? { id, slot: { jid, sizeBytes: 1000 + n } } : { id });
          const reply = await client.iq('get', SOAK_JID, payload(n), 60_000).then(
            (stanza) => stanza.toString(),
            () => undefined,
          );
          replies.set(id, reply);
          await sleep(20);
        }
      }),
    ]);
    clearInterval(faults);
    const jids = env.clients.map((client) => client.jid.split('/')[0] ?? '');
    const t = tally(sent, replies, await countedSizes(env.stack, jids), env.ledger);
    const steady = samples.filter((sample) => sample.atMs >= WARM_UP_MS);
    const [first, start, end] = [samples[0], steady[0], steady.at(-1)];
    if (first === undefined || start === undefined || end === undefined) throw new Error('no memory samples');
    const counts = env.proxy.counts();
    record(s, { name: 'duration', value: minutes, unit: 'min' });
    record(s, { name: 'IQs sent', value: t.sent, unit: '' });
    record(s, { name: 'IQs answered', value: t.answered, unit: '' });
    record(s, { name: 'IQs left unanswered', value: t.unanswered, unit: '' });
    record(s, {
      name: 'faults injected (connections reset, delayed, blackholed, cut off)',
      value: counts.reset + counts.delay + counts.blackhole + counts['close-mid-response'],
      unit: '',
    });
    record(s, { name: 'kept-alive connections dropped (every 5th fault)', value: Math.ceil(faultIndex / FAULTS.length), unit: 'times' });
    for (const [kind, value] of Object.entries(counts)) record(s, { name: `  connections: ${kind}`, value, unit: '' });
    for (const [kind, value] of Object.entries(t.answers)) record(s, { name: `  answers: ${kind}`, value, unit: '' });
    for (const [kind, value] of Object.entries(env.outcomes)) record(s, { name: `  bridge: ${kind}`, value, unit: '' });
    record(s, { name: 'slots requested / granted to clients', value: t.slotsGot, unit: `of ${t.slotsRequested}` });
    record(s, { name: 'slots granted without being counted', value: t.grantedNotLogged + t.grantedBytesUncounted, unit: '' });
    record(s, { name: 'grants charged but not delivered (answer lost to a fault)', value: t.grantedUndelivered, unit: '' });
    const warm = `after the ${WARM_UP_MS / 1000} s warm-up (${start.iqs} IQs)`;
    record(s, { name: 'bridge RSS before any traffic', value: first.mem.rss / MiB, unit: 'MiB' });
    record(s, { name: `bridge RSS ${warm}`, value: start.mem.rss / MiB, unit: 'MiB' });
    record(s, { name: 'bridge RSS at the end', value: end.mem.rss / MiB, unit: 'MiB' });
    const rss = steady.map((sample) => sample.mem.rss / MiB);
    record(s, { name: 'bridge RSS min / max after the warm-up', value: Math.min(...rss), unit: `/ ${Math.max(...rss).toFixed(1)} MiB` });
    record(s, { name: `bridge heapUsed after GC, ${warm}`, value: start.mem.heapUsed / MiB, unit: 'MiB', digits: 2 });
    record(s, { name: 'bridge heapUsed after GC at the end', value: end.mem.heapUsed / MiB, unit: 'MiB', digits: 2 });
    const perMin = (pick: (m: MemorySample) => number) => slope(steady.map((x) => [x.atMs / 60_000, pick(x.mem) / 2 ** 10]));
    const iqsPerMin = slope(steady.map((x) => [x.atMs / 60_000, x.iqs]));
    record(s, {
      name: 'bridge heapUsed after GC, trend after the warm-up',
      value: perMin((m) => m.heapUsed),
      unit: 'KiB/min',
      digits: 1,
      note: `least squares over ${steady.length} samples; ${iqsPerMin.toFixed(0)} IQs/min`,
    });
    record(s, { name: 'bridge RSS, trend after the warm-up', value: perMin((m) => m.rss), unit: 'KiB/min', digits: 1 });
    const drift = (end.mem.rss - start.mem.rss) / start.mem.rss;
    const heapDrift = (end.mem.heapUsed - start.mem.heapUsed) / start.mem.heapUsed;
    s.tables.push({
      title: 'The bridge process over the run (each sample after two full GCs in it)',
      columns: ['t (s)', 'IQs answered', 'RSS (MiB)', 'heapUsed (MiB)', 'heapTotal (MiB)', 'external (MiB)', 'sockets', 'timers'],
      rows: samples
        .filter((sample, i) => i === samples.length - 1 || sample.atMs % 60_000 === 0 || sample.atMs === WARM_UP_MS)
        .map(({ atMs, iqs, mem }) => [
          String(atMs / 1000),
          String(iqs),
          (mem.rss / MiB).toFixed(1),
          (mem.heapUsed / MiB).toFixed(2),
          (mem.heapTotal / MiB).toFixed(1),
          (mem.external / MiB).toFixed(2),
          String(mem.resources.TCPSocketWrap ?? 0),
          String(mem.resources.Timeout ?? 0),
        ]),
    });
    check(s, { target: 'under faults, the bridge answers every IQ', measured: String(t.unanswered), pass: t.unanswered === 0 });
    check(s, {
      target: 'under faults, no slot is granted without being counted',
      measured: `${t.grantedNotLogged} not in the log, ${t.grantedBytesUncounted} bytes not in the quota table`,
      pass: t.grantedNotLogged === 0 && t.grantedBytesUncounted === 0,
    });
    check(s, {
      target: `the bridge's memory stays flat: RSS within 10 % from the end of the ${WARM_UP_MS / 1000} s warm-up to the end`,
      measured: `${(start.mem.rss / MiB).toFixed(1)} → ${(end.mem.rss / MiB).toFixed(1)} MiB (${drift >= 0 ? '+' : ''}${(drift * 100).toFixed(1)} %); heapUsed after GC ${(start.mem.heapUsed / MiB).toFixed(2)} → ${(end.mem.heapUsed / MiB).toFixed(2)} MiB (${heapDrift >= 0 ? '+' : ''}${(heapDrift * 100).toFixed(1)} %)`,
      pass: Math.abs(drift) <= 0.1,
    });
    note(
      s,
      `${CLIENTS} clients through Prosody, one IQ each at a time (6 in 10 slot requests, then disco#info, disco#items, ping, jabber:iq:version), 20 ms apart.`,
    );
    note(
      s,
      `A fault every ${FAULT_EVERY_MS / 1000} s in turn: all kept-alive connections dropped, then new connections reset, delayed 300 ms, cut off after 60 bytes, or blackholed for ${FAULT_WINDOW_MS / 1000} s.`,
    );
    note(
      s,
      `Memory: the bridge (bin/cli.ts bundled, run by plain node) runs with --expose-gc and bench/soak-probe.ts, which answers a sample every ${SAMPLE_EVERY_MS / 1000} s after two full GCs; "start" is the first sample after ${WARM_UP_MS / 1000} s of traffic and faults, "end" the last one, both under load; a leak shows as a steady rise of heapUsed after GC (the trend), the RSS is the process's resident set at the same moment.`,
    );
    note(
      s,
      SEMI_SPACE_MB > 0
        ? `V8's young generation is fixed at ${SEMI_SPACE_MB} MiB per semi-space (--min-/--max-semi-space-size), the size V8 grows it to under this traffic anyway: left to itself V8 starts it small and doubles it in steps that each add up to ${SEMI_SPACE_MB} MiB of RSS at an unforeseeable minute (SOAK_SEMI_SPACE_MB=0 shows them).`
        : "V8's young generation grows by itself (SOAK_SEMI_SPACE_MB=0): a doubling of it between the samples shows as a step of the RSS, not of heapUsed.",
    );
  } finally {
    clearInterval(faults);
    await env.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const minutes = Number(process.argv[2] ?? process.env.SOAK_MINUTES ?? 10);
  const s = newSection('8', `Bridge soak: ${minutes} minutes of mixed traffic with faults`);
  const startedAt = new Date();
  await benchBridgeSoak(s, minutes);
  // The section as BENCHMARKS.md would show it (the file itself is written by `npm run bench` only).
  console.log(`\n${markdown([s], { startedAt, durationMs: Date.now() - startedAt.getTime(), machine: `Node ${process.version}` })}`);
  process.exit(s.checks.every((c) => c.pass) ? 0 : 1);
}
