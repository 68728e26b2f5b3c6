/**
 * The bridge soak (docs/bridge.md, "Faults, measured"): minutes of mixed traffic from real clients through
 * Prosody and the bridge process to the local stack, with a fault every few seconds between bridge and
 * endpoint. Reports the bridge's RSS at start and end (flat within 10 %), IQs left unanswered (0), errors by
 * condition and slots granted without being counted (0). Run by hand (`npx tsx bench/bridge-soak.ts
 * [minutes]`) or as a section of `npm run bench`; never by `npm test`.
 */
import { pathToFileURL } from 'node:url';
import { xml } from '../test/e2e/support/xmpp-client.ts';
import type { Fault } from '../test/support/fault-proxy.ts';
import { countedSizes, type SentIq, tally } from '../test/support/slot-tally.ts';
import { check, newSection, note, record, type SectionResult } from './report.ts';
import { SOAK_JID, startSoakEnv } from './soak-env.ts';

const CLIENTS = 8;
const FAULT_EVERY_MS = 3000;
/** How long new connections meet the fault before the plan passes again. */
const FAULT_WINDOW_MS = 1000;
const WARM_UP_MS = 30_000;
/** Each fault in turn; `stale` drops every kept-alive connection, as an idle timeout on the far side does. */
const FAULTS: readonly (Fault | 'stale')[] = [
  'stale',
  { kind: 'reset' },
  { kind: 'delay', ms: 300 },
  { kind: 'close-mid-response', afterBytes: 60 },
  { kind: 'blackhole' },
];

/** The IQ payload of the `n`-th request of a client: slots mostly, then disco, ping and an unsupported IQ. */
function payload(n: number) {
  const kind = n % 10;
  if (kind < 6) return xml('request', { xmlns: 'urn:xmpp:http:upload:0', filename: `soak${n}.bin`, size: String(1000 + n) });
  if (kind < 8) return xml('query', { xmlns: `http://jabber.org/protocol/disco#${kind === 6 ? 'info' : 'items'}` });
  if (kind === 8) return xml('ping', { xmlns: 'urn:xmpp:ping' });
  return xml('query', { xmlns: 'jabber:iq:version' });
}

export async function benchBridgeSoak(s: SectionResult, minutes: number): Promise<void> {
  const env = await startSoakEnv(CLIENTS);
  const sent: SentIq[] = [];
  const replies = new Map<string, string | undefined>();
  const rss: number[] = [];
  try {
    const endAt = Date.now() + minutes * 60_000;
    let faultIndex = 0;
    const faults = setInterval(() => {
      const fault = FAULTS[faultIndex++ % FAULTS.length] ?? 'stale';
      env.proxy.resetAll();
      if (fault === 'stale') return;
      env.proxy.setPlan(fault);
      setTimeout(() => env.proxy.setPlan({ kind: 'pass' }), FAULT_WINDOW_MS).unref();
    }, FAULT_EVERY_MS);
    const sampler = setInterval(() => rss.push(env.bridgeRssBytes()), 10_000);
    setTimeout(() => rss.push(env.bridgeRssBytes()), WARM_UP_MS).unref();
    await Promise.all(
      env.clients.map(async (client, c) => {
        for (let n = 0; Date.now() < endAt; n += 1) {
          const id = `c${c}-${n}`;
          const jid = client.jid.split('/')[0] ?? '';
          sent.push(n % 10 < 6 ? { id, slot: { jid, sizeBytes: 1000 + n } } : { id });
          const reply = await client.iq('get', SOAK_JID, payload(n), 60_000).then(
            (stanza) => stanza.toString(),
            () => undefined,
          );
          replies.set(id, reply);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }),
    );
    clearInterval(faults);
    clearInterval(sampler);
    rss.push(env.bridgeRssBytes());
    const jids = env.clients.map((client) => client.jid.split('/')[0] ?? '');
    const t = tally(sent, replies, await countedSizes(env.stack, jids), env.ledger);
    const [start = Number.NaN, end = Number.NaN] = [rss[0], rss.at(-1)];
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
    for (const [kind, value] of Object.entries(counts)) record(s, { name: `  connections: ${kind}`, value, unit: '' });
    for (const [kind, value] of Object.entries(t.answers)) record(s, { name: `  answers: ${kind}`, value, unit: '' });
    for (const [kind, value] of Object.entries(env.outcomes)) record(s, { name: `  bridge: ${kind}`, value, unit: '' });
    record(s, { name: 'slots requested / granted to clients', value: t.slotsGot, unit: `of ${t.slotsRequested}` });
    record(s, { name: 'slots granted without being counted', value: t.grantedNotLogged + t.grantedBytesUncounted, unit: '' });
    record(s, { name: 'grants charged but not delivered (answer lost to a fault)', value: t.grantedUndelivered, unit: '' });
    record(s, { name: 'bridge RSS after 30 s warm-up', value: start / 2 ** 20, unit: 'MiB' });
    record(s, { name: 'bridge RSS at the end', value: end / 2 ** 20, unit: 'MiB' });
    record(s, {
      name: 'bridge RSS min / max',
      value: Math.min(...rss) / 2 ** 20,
      unit: `/ ${(Math.max(...rss) / 2 ** 20).toFixed(1)} MiB`,
    });
    const drift = (end - start) / start;
    check(s, { target: 'under faults, the bridge answers every IQ', measured: String(t.unanswered), pass: t.unanswered === 0 });
    check(s, {
      target: 'under faults, no slot is granted without being counted',
      measured: `${t.grantedNotLogged} not in the log, ${t.grantedBytesUncounted} bytes not in the quota table`,
      pass: t.grantedNotLogged === 0 && t.grantedBytesUncounted === 0,
    });
    check(s, {
      target: "the bridge's memory stays flat (within 10 % over the run)",
      measured: `${(drift * 100).toFixed(1)} %`,
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
  } finally {
    await env.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const s = newSection('soak', 'Bridge soak with faults');
  await benchBridgeSoak(s, Number(process.argv[2] ?? 10));
  for (const c of s.checks) console.log(`  ${c.pass ? 'met' : 'MISSED'}: ${c.target} (${c.measured})`);
  process.exit(s.checks.every((c) => c.pass) ? 0 : 1);
}
