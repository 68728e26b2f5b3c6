/**
 * The XML namespaces the slot endpoint reads and writes, in one place so that routing and
 * building can never disagree on a spelling.
 */
export const NS = {
  /** RFC 6120 §4.8.3: the default namespace of client streams; a stanza without `xmlns` is in it. */
  client: 'jabber:client',
  /** XEP-0114 §3: what the component bridge's stream puts stanzas in. */
  component: 'jabber:component:accept',
  /** RFC 6120 §4.8.3: server-to-server streams. */
  server: 'jabber:server',
  /** RFC 6120 §8.3.3: the defined stanza error conditions and `<text/>`. */
  stanzas: 'urn:ietf:params:xml:ns:xmpp-stanzas',
  /** XEP-0030 Service Discovery. */
  discoInfo: 'http://jabber.org/protocol/disco#info',
  discoItems: 'http://jabber.org/protocol/disco#items',
  /** XEP-0004 data forms, used by XEP-0128 to extend disco#info. */
  dataForms: 'jabber:x:data',
  /** XEP-0199 XMPP Ping. */
  ping: 'urn:xmpp:ping',
  /** XEP-0363 HTTP File Upload, current (0.3 and later): request with attributes. */
  upload: 'urn:xmpp:http:upload:0',
  /** XEP-0363 0.2: request with `<filename>`/`<size>`/`<content-type>` children; older clients still use it. */
  uploadLegacy: 'urn:xmpp:http:upload',
} as const;

/** The stanza namespaces the endpoint accepts on `<iq>`, `<message>` and `<presence>`. */
export const STANZA_NAMESPACES: readonly string[] = [NS.client, NS.component, NS.server];

/** One of the two XEP-0363 namespaces; replies and extra error elements use the request's own. */
export type UploadNamespace = typeof NS.upload | typeof NS.uploadLegacy;

export function isUploadNamespace(ns: string): ns is UploadNamespace {
  return ns === NS.upload || ns === NS.uploadLegacy;
}
