/**
 * Finds a second component connected with the same JID. Prosody refuses the second login (`conflict`), but
 * ejabberd 23.01 accepts it and spreads the stanzas for the JID between both connections at random, so a
 * forgotten second bridge (perhaps pointing at another endpoint) silently answers half the clients.
 * (Measured with the Debian packages; docs/bridge.md.)
 *
 * After each login the bridge sends a few headline messages to its own JID. With one connection every one
 * comes back; with two, some reach the other bridge, which recognises another instance's probe. Either side
 * then reports the twin. None returning means the server does not route a component's stanzas back to it:
 * that proves nothing and is not reported.
 */
import { randomUUID } from 'node:crypto';
import { type XmlElement, xml } from './xmpp-runtime.ts';

const RESOURCE = 'xmpp-s3-upload-probe';
/** `<resource>-<instance uuid>-<round>-<n>`. */
const PROBE_ID = /^xmpp-s3-upload-probe-([0-9a-f-]{36})-(\d+)-\d+$/;
/** With two connections taking stanzas at random, all 8 come back (or none) with probability 1/256 each. */
export const PROBE_COUNT = 8;
export const PROBE_WAIT_MS = 3000;

export interface TwinProbe {
  /** Sends this login's probes and judges what came back after the wait. */
  start(send: (stanza: XmlElement) => Promise<void>): void;
  /** Takes a probe (true) or leaves the stanza alone (false). */
  receive(stanza: XmlElement): boolean;
  stop(): void;
}

export interface TwinProbeOptions {
  readonly jid: string;
  /** Called with a sentence for the log when a twin shows. */
  readonly onTwin: (evidence: string) => void;
  readonly count?: number;
  readonly waitMs?: number;
}

export function createTwinProbe(options: TwinProbeOptions): TwinProbe {
  const count = options.count ?? PROBE_COUNT;
  const instance = randomUUID();
  const reported = new Set<string>();
  let round = 0;
  let returned = 0;
  let timer: NodeJS.Timeout | undefined;

  return {
    start(send) {
      round += 1;
      returned = 0;
      const thisRound = round;
      clearTimeout(timer);
      for (let n = 0; n < count; n += 1) {
        const id = `${RESOURCE}-${instance}-${thisRound}-${n}`;
        send(xml('message', { type: 'headline', id, from: options.jid, to: `${options.jid}/${RESOURCE}` })).catch(() => {});
      }
      timer = setTimeout(() => {
        if (round === thisRound && returned > 0 && returned < count)
          options.onTwin(`${count - returned} of ${count} probes sent to ${options.jid} reached another connection`);
      }, options.waitMs ?? PROBE_WAIT_MS);
      timer.unref();
    },
    receive(stanza) {
      const match = stanza.name === 'message' ? PROBE_ID.exec(stanza.attrs.id ?? '') : null;
      if (match === null) return false;
      const [, sender, senderRound] = match;
      if (sender === instance) {
        if (senderRound === String(round)) returned += 1;
      } else if (!reported.has(`${sender}/${senderRound}`)) {
        reported.add(`${sender}/${senderRound}`);
        options.onTwin(`received a probe from another connection logged in as ${options.jid}`);
      }
      return true;
    },
    stop() {
      clearTimeout(timer);
    },
  };
}
