/**
 * The figures of a fault run or a soak (docs/bridge.md, "Faults, measured"): IQs answered, errors by condition,
 * and the check that matters most, slots granted without being counted. Every slot request of a JID carries a
 * size no other request of that JID has, so each slot a client got is matched with a `granted` line of the
 * request log, and the bytes the log granted each JID with the bytes its quota item counts (by sum: the item
 * merges old grants once it holds 64).
 */

import { parseXml } from '../../component/xmpp-runtime.ts';
import { createQuotaDynamoClient, LOCAL_DYNAMO_CREDENTIALS } from '../../lambda/adapters/dynamo-client.ts';
import { DynamoQuotaStore } from '../../lambda/adapters/dynamo-quota-store.ts';
import { quotaLimits } from '../../lambda/core/quota.ts';
import type { RequestRecord } from '../../lambda/http/routes.ts';
import { LOCAL_REGION, LOCAL_TABLE, type LocalStack } from '../../local/stack.ts';

const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

/** One IQ sent: a slot request (bare JID and its unique size) or anything else. */
export interface SentIq {
  readonly id: string;
  readonly slot?: { readonly jid: string; readonly sizeBytes: number };
}

export interface Tally {
  readonly sent: number;
  readonly answered: number;
  readonly unanswered: number;
  readonly slotsRequested: number;
  readonly slotsGot: number;
  /** `result`, or `<type>/<condition>` of each error answer. */
  readonly answers: Readonly<Record<string, number>>;
  /** Bytes the quota table counts for the JIDs used. */
  readonly countedBytes: number;
  /** `granted` lines of the request log. */
  readonly ledgerGrants: number;
  /** Slots a client got that the request log never granted: must be 0. */
  readonly grantedNotLogged: number;
  /** Bytes the log granted that the quota table does not count: must be 0. */
  readonly grantedBytesUncounted: number;
  /** Grants logged whose slot never reached a client (an answer lost to a fault): charged, not delivered. */
  readonly grantedUndelivered: number;
}

/** `result` or `<error type>/<condition>` of a reply stanza. */
export function answerKind(reply: string): string {
  const stanza = parseXml(reply);
  if (stanza.attrs.type !== 'error') return 'result';
  const error = stanza.getChild('error');
  const condition = error?.getChildElements().find((child) => child.attrs.xmlns === NS_STANZAS && child.name !== 'text');
  return `${error?.attrs.type ?? '?'}/${condition?.name ?? '?'}`;
}

/** The sizes of the grants (or merged grants) the quota table still counts for each JID. */
export async function countedSizes(stack: LocalStack, jids: readonly string[]): Promise<Map<string, number[]>> {
  const client = createQuotaDynamoClient({ endpoint: stack.dynamoEndpoint, region: LOCAL_REGION, credentials: LOCAL_DYNAMO_CREDENTIALS });
  const store = new DynamoQuotaStore({ client, tableName: LOCAL_TABLE, ...quotaLimits(stack.config) });
  const sizes = new Map<string, number[]>();
  for (const jid of jids)
    sizes.set(
      jid,
      (await store.usage(jid, new Date())).grants.map((grant) => grant.bytes),
    );
  client.destroy();
  return sizes;
}

/** Adds up a run: `replies` maps each IQ id to its reply, or undefined when none came. */
export function tally(
  sent: readonly SentIq[],
  replies: ReadonlyMap<string, string | undefined>,
  counted: ReadonlyMap<string, readonly number[]>,
  ledger: readonly RequestRecord[],
): Tally {
  const answers: Record<string, number> = {};
  const got = new Set<string>();
  let answered = 0;
  for (const iq of sent) {
    const reply = replies.get(iq.id);
    if (reply === undefined) continue;
    answered += 1;
    const kind = answerKind(reply);
    answers[kind] = (answers[kind] ?? 0) + 1;
    if (iq.slot && kind === 'result') got.add(`${iq.slot.jid} ${iq.slot.sizeBytes}`);
  }
  const granted = ledger.filter((r) => r.outcome === 'granted');
  const inLedger = new Set(granted.map((r) => `${r.jid} ${r.sizeBytes}`));
  const ledgerBytes = new Map<string, number>();
  for (const r of granted) ledgerBytes.set(r.jid ?? '', (ledgerBytes.get(r.jid ?? '') ?? 0) + (r.sizeBytes ?? 0));
  const sum = (sizes: readonly number[] | undefined) => (sizes ?? []).reduce((total, size) => total + size, 0);
  return {
    sent: sent.length,
    answered,
    unanswered: sent.length - answered,
    slotsRequested: sent.filter((iq) => iq.slot).length,
    slotsGot: got.size,
    answers,
    countedBytes: [...counted.values()].reduce((total, sizes) => total + sum(sizes), 0),
    ledgerGrants: granted.length,
    grantedNotLogged: [...got].filter((slot) => !inLedger.has(slot)).length,
    grantedBytesUncounted: [...ledgerBytes].reduce((total, [jid, bytes]) => total + Math.max(0, bytes - sum(counted.get(jid))), 0),
    grantedUndelivered: granted.length - got.size,
  };
}
