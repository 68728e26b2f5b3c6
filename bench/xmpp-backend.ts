/**
 * The slot side of the XMPP benchmarks, in a process of its own (as in production, where the bridge and the
 * endpoint never share the XMPP client's event loop): two local stacks (default quotas, and quotas off) and a
 * component bridge to each. Prints one `BENCH-BACKEND {json}` line when everything is connected; closes all
 * on SIGTERM.
 *
 * Usage: tsx bench/xmpp-backend.ts <component-port> <component-secret>
 */
import { startBridge } from '../component/bridge.ts';
import { startLocalStack } from '../local/stack.ts';

const [portText, componentSecret] = process.argv.slice(2);
if (portText === undefined || componentSecret === undefined) throw new Error('usage: xmpp-backend.ts <component-port> <component-secret>');

const closers: Array<() => Promise<unknown>> = [];
const close = async () => {
  for (const closeOne of closers.reverse()) await closeOne().catch(() => undefined);
  process.exit(0);
};
process.once('SIGTERM', () => void close());

const quotaOn = await startLocalStack({});
closers.push(quotaOn.close);
const quotaOff = await startLocalStack({ env: { UPLOAD_DAILY_QUOTA_BYTES: '0', UPLOAD_SERVICE_JID: 'noquota.localhost' } });
closers.push(quotaOff.close);
for (const [jid, stack] of [
  ['upload.localhost', quotaOn],
  ['noquota.localhost', quotaOff],
] as const) {
  const bridge = await startBridge({
    jid,
    server: `127.0.0.1:${portText}`,
    componentSecret,
    endpoint: stack.endpoint,
    secret: stack.secret,
  });
  closers.push(() => bridge.stop());
  await bridge.connected;
}
const stacks = { endpoint: quotaOn.endpoint, secret: quotaOn.secret, offEndpoint: quotaOff.endpoint, offSecret: quotaOff.secret };
process.stdout.write(`BENCH-BACKEND ${JSON.stringify(stacks)}\n`);
