/**
 * A small fault-injecting TCP proxy for the fault tests: put it between a client and a server
 * on 127.0.0.1 and choose, per accepted connection, what goes wrong. It works below HTTP, so it
 * produces the faults operators meet on real networks: a reset socket, a slow peer, a peer that
 * accepts and never answers, a response cut off half way.
 */
import { createServer, type Server, Socket } from 'node:net';

/** What happens to one connection. */
export type Fault =
  /** Forward both ways untouched. */
  | { readonly kind: 'pass' }
  /** Accept, then reset the client's socket (TCP RST) before anything is forwarded. */
  | { readonly kind: 'reset' }
  /** Forward, holding each chunk from the client back by `ms` first. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Accept and read, never forward, never answer. */
  | { readonly kind: 'blackhole' }
  /** Forward the request; pass `afterBytes` bytes of the answer, then reset the client's socket. */
  | { readonly kind: 'close-mid-response'; readonly afterBytes: number };

export type FaultKind = Fault['kind'];

/** Chooses the fault of the `index`-th connection (0-based). */
export type FaultPlan = Fault | ((index: number) => Fault);

export interface FaultProxy {
  /** The proxy's own port on 127.0.0.1. */
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Replaces the plan for connections accepted from now on. */
  setPlan(plan: FaultPlan): void;
  /** Resets every open connection, as a peer that lost its state does with a kept-alive socket. */
  resetAll(): void;
  /** Connections accepted so far, by the fault they got. */
  counts(): Readonly<Record<FaultKind, number>>;
  close(): Promise<void>;
}

const PASS: Fault = { kind: 'pass' };

/** Starts a proxy on an ephemeral port of 127.0.0.1 forwarding to `127.0.0.1:targetPort`. */
export async function startFaultProxy(targetPort: number, plan: FaultPlan = PASS): Promise<FaultProxy> {
  let current = plan;
  let accepted = 0;
  const counts: Record<FaultKind, number> = { pass: 0, reset: 0, delay: 0, blackhole: 0, 'close-mid-response': 0 };
  const open = new Set<Socket>();

  const server: Server = createServer((client) => {
    const fault = typeof current === 'function' ? current(accepted) : current;
    accepted += 1;
    counts[fault.kind] += 1;
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => {});
    if (fault.kind === 'reset') {
      client.resetAndDestroy();
      return;
    }
    if (fault.kind === 'blackhole') {
      client.resume();
      return;
    }
    const upstream = new Socket();
    open.add(upstream);
    upstream.on('close', () => {
      open.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.connect(targetPort, '127.0.0.1');
    client.on('data', (chunk: Buffer) => {
      if (fault.kind !== 'delay') upstream.write(chunk);
      else {
        client.pause();
        setTimeout(() => {
          upstream.write(chunk);
          client.resume();
        }, fault.ms);
      }
    });
    client.on('end', () => upstream.end());
    let passed = 0;
    upstream.on('data', (chunk: Buffer) => {
      if (fault.kind !== 'close-mid-response') {
        client.write(chunk);
        return;
      }
      const room = fault.afterBytes - passed;
      passed += chunk.length;
      if (room > 0) client.write(chunk.subarray(0, room));
      if (passed >= fault.afterBytes) {
        client.resetAndDestroy();
        upstream.destroy();
      }
    });
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    setPlan(next) {
      current = next;
    },
    resetAll() {
      for (const socket of open) socket.resetAndDestroy();
    },
    counts: () => ({ ...counts }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
