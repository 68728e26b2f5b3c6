/**
 * Faults between the bridge and the real local stack (strict S3, dynalite, the real routes): the fault proxy
 * resets, delays, blackholes and cuts off connections while IQs flow. Every IQ must be answered, and no slot a
 * client got may be missing from the quota table or the request log. Prints the run's figures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bridge, type BridgeLogLine, startBridge } from '../../component/bridge.ts';
import type { RequestRecord } from '../../lambda/http/routes.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';
import { type Fault, type FaultProxy, startFaultProxy } from '../support/fault-proxy.ts';
import { countedSizes, type SentIq, type Tally, tally } from '../support/slot-tally.ts';
import { type FakeComponentServer, startFakeComponentServer } from './fake-component-server.ts';

const JID = 'upload.test';
const USERS = Array.from({ length: 8 }, (_, i) => `user${i}@localhost`);
const DEADLINE_MS = 1000;
/** The faults new connections meet, in turn; half the connections pass. */
const PLAN: readonly Fault[] = [
  { kind: 'pass' },
  { kind: 'reset' },
  { kind: 'pass' },
  { kind: 'close-mid-response', afterBytes: 40 },
  { kind: 'pass' },
  { kind: 'delay', ms: 30 },
  { kind: 'pass' },
  { kind: 'reset' },
  { kind: 'pass' },
  { kind: 'blackhole' },
];

describe('the bridge between faults and the local stack', () => {
  let stack: LocalStack;
  let proxy: FaultProxy;
  let xmpp: FakeComponentServer;
  let bridge: Bridge;
  const ledger: RequestRecord[] = [];
  const sent: SentIq[] = [];
  const replies = new Map<string, string | undefined>();
  /** The bridge's outcome of each IQ, with the first word of its cause. */
  const outcomes: Record<string, number> = {};
  const count = (line: BridgeLogLine) => {
    if (line.event !== 'iq') return;
    const key = line.cause === undefined ? line.outcome : `${line.outcome} (${line.cause.split(';')[0]})`;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  };
  let figures: Tally | undefined;

  beforeAll(async () => {
    stack = await startLocalStack({ env: { UPLOAD_DOMAINS: 'localhost', UPLOAD_SERVICE_JID: JID }, log: (r) => ledger.push(r) });
    proxy = await startFaultProxy(Number(new URL(stack.endpoint).port), (index) => PLAN[index % PLAN.length] ?? { kind: 'pass' });
    xmpp = await startFakeComponentServer('component-secret-f');
    bridge = await startBridge({
      jid: JID,
      server: `127.0.0.1:${xmpp.port}`,
      componentSecret: 'component-secret-f',
      endpoint: proxy.url,
      secret: stack.secret,
      timeoutMs: DEADLINE_MS,
      discoCacheMs: 0,
      log: count,
    });
    await bridge.connected;
  }, 60_000);

  afterAll(async () => {
    await bridge?.stop();
    await xmpp?.close();
    await proxy?.close();
    await stack?.close();
  });

  /** One IQ: a slot request of a size no other has, a disco#info or a ping. */
  const send = (n: number): Promise<void> => {
    const id = `f${n}`;
    const from = `${USERS[n % USERS.length]}/r`;
    let payload = "<ping xmlns='urn:xmpp:ping'/>";
    if (n % 5 === 3) payload = "<query xmlns='http://jabber.org/protocol/disco#info'/>";
    const sizeBytes = 1000 + n;
    const slot = n % 5 < 3;
    if (slot)
      payload = `<request xmlns='urn:xmpp:http:upload:0' filename='f${n}.bin' size='${sizeBytes}' content-type='application/octet-stream'/>`;
    sent.push(slot ? { id, slot: { jid: from.split('/')[0] ?? '', sizeBytes } } : { id });
    return xmpp.request(`<iq type='get' id='${id}' from='${from}' to='${JID}'>${payload}</iq>`, id, DEADLINE_MS + 3000).then(
      (reply) => void replies.set(id, reply),
      () => void replies.set(id, undefined),
    );
  };

  it('answers every IQ through resets, delays, blackholes and cut-off answers', async () => {
    let n = 0;
    for (let round = 0; round < 10; round += 1) {
      await Promise.all(Array.from({ length: 10 }, () => send(n++)));
      // Kept-alive sockets would carry the next round untouched: drop them, so new connections meet new faults.
      proxy.resetAll();
    }
    figures = tally(sent, replies, await countedSizes(stack, USERS), ledger);
    console.log(`bridge faults: ${JSON.stringify({ faults: proxy.counts(), ...figures, outcomes })}`);
    expect(figures.unanswered).toBe(0);
    // A reset connection costs the requester nothing: the one retry on a new connection answers it.
    expect(Object.keys(outcomes).filter((key) => key.startsWith('result (retried after'))).not.toEqual([]);
  }, 120_000);

  it('injected every kind of fault', () => {
    const counts = proxy.counts();
    for (const kind of ['reset', 'delay', 'blackhole', 'close-mid-response'] as const) expect(counts[kind]).toBeGreaterThan(0);
  });

  it('granted no slot that the quota table and the request log do not hold', () => {
    expect(figures?.slotsGot).toBeGreaterThan(0);
    expect(figures?.grantedNotLogged).toBe(0);
    expect(figures?.grantedBytesUncounted).toBe(0);
  });

  it('answered only results and wait/service-unavailable, never an internal error', () => {
    expect(Object.keys(figures?.answers ?? {}).sort()).toEqual(expect.arrayContaining(['result']));
    expect(Object.keys(figures?.answers ?? {}).filter((kind) => kind !== 'result' && kind !== 'wait/service-unavailable')).toEqual([]);
  });
});
