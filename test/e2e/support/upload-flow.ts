/**
 * What an XEP-0363 client does, step by step, and the case table both server tests compare replies against.
 */
import { type Stanza, type TestClient, xml } from './xmpp-client.ts';

export const NS_UPLOAD = 'urn:xmpp:http:upload:0';
export const NS_LEGACY = 'urn:xmpp:http:upload';
/** XEP-0363 1.2.0 upload purposes: one empty child of `<request/>`. */
export const NS_PURPOSE = 'urn:xmpp:http:upload:purpose:0';
const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
const NS_DISCO_ITEMS = 'http://jabber.org/protocol/disco#items';
const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

export interface FileRequest {
  readonly filename: string;
  readonly size: number;
  readonly contentType?: string;
}

/** An XEP-0363 1.2.0 purpose child (`<profile xmlns='urn:xmpp:http:upload:purpose:0'/>`, …). */
export function purpose(name: string, attrs: Record<string, string> = {}): Stanza {
  return xml(name, { xmlns: NS_PURPOSE, ...attrs });
}

/** A slot request payload in either namespace (XEP-0363 §4, legacy v0.2 §4), with an optional purpose child. */
export function slotRequest(ns: string, file: FileRequest, ...purposeChild: Stanza[]): Stanza {
  if (ns === NS_UPLOAD) {
    return xml(
      'request',
      { xmlns: ns, filename: file.filename, size: String(file.size), 'content-type': file.contentType },
      ...purposeChild,
    );
  }
  const children = [xml('filename', {}, file.filename), xml('size', {}, String(file.size))];
  if (file.contentType !== undefined) children.push(xml('content-type', {}, file.contentType));
  return xml('request', { xmlns: ns }, ...children);
}

/**
 * One line per reply, for the case table: `result slot <ns>`, `result`, or
 * `error <type> <condition>[ file-too-large max=<n>]`.
 */
export function summarise(reply: Stanza): string {
  if (reply.attrs.type === 'error') {
    const error = reply.getChild('error');
    const condition = error?.getChildElements().find((c) => c.attrs.xmlns === NS_STANZAS && c.name !== 'text');
    const tooLarge = error?.getChild('file-too-large');
    const extra = tooLarge ? ` file-too-large max=${tooLarge.getChildText('max-file-size')}` : '';
    return `error ${error?.attrs.type} ${condition?.name}${extra}`;
  }
  const [payload] = reply.getChildElements();
  if (!payload) return `${reply.attrs.type}`;
  return `${reply.attrs.type} ${payload.name} ${payload.attrs.xmlns}`;
}

/** XEP-0030 §4: the items the server lists for its domain. */
export async function discoItems(client: TestClient, domain: string): Promise<string[]> {
  const reply = await client.iq('get', domain, xml('query', { xmlns: NS_DISCO_ITEMS }));
  return (reply.getChild('query', NS_DISCO_ITEMS)?.getChildren('item') ?? []).map((item) => item.attrs.jid ?? '');
}

export interface UploadService {
  readonly features: string[];
  readonly identity: string;
  /** `max-file-size` from the XEP-0128 form of each namespace (XEP-0363 §2). */
  readonly maxFileSize: Record<string, number | undefined>;
}

/** XEP-0363 §2: disco#info of the upload service. */
export async function discoInfo(client: TestClient, service: string): Promise<UploadService> {
  const reply = await client.iq('get', service, xml('query', { xmlns: NS_DISCO_INFO }));
  const query = reply.getChild('query', NS_DISCO_INFO);
  if (!query) throw new Error(`disco#info of ${service} failed: ${reply.toString()}`);
  const maxFileSize: Record<string, number | undefined> = {};
  for (const form of query.getChildren('x', 'jabber:x:data')) {
    const fields = form.getChildren('field');
    const value = (name: string) => fields.find((f) => f.attrs.var === name)?.getChildText('value') ?? undefined;
    const formType = value('FORM_TYPE');
    const max = value('max-file-size');
    if (formType) maxFileSize[formType] = max === undefined ? undefined : Number(max);
  }
  const identity = query.getChild('identity');
  return {
    features: query.getChildren('feature').map((f) => f.attrs.var ?? ''),
    identity: `${identity?.attrs.category}/${identity?.attrs.type}`,
    maxFileSize,
  };
}

/** The service JIDs among the domain's disco#items that announce XEP-0363 (how clients find them), in the server's order. */
export async function findUploadServices(client: TestClient, domain: string): Promise<string[]> {
  const found: string[] = [];
  for (const jid of await discoItems(client, domain)) {
    const info = await discoInfo(client, jid).catch(() => undefined);
    if (info?.features.includes(NS_UPLOAD)) found.push(jid);
  }
  return found;
}

/** The PUT and GET URLs of a slot reply in either namespace, and the slot's `<header>` names. */
export function slotUrls(reply: Stanza, ns: string): { put: string; get: string; headers: string[] } {
  const slot = reply.getChild('slot', ns);
  const put = slot?.getChild('put');
  const get = slot?.getChild('get');
  if (!slot || !put || !get) throw new Error(`not a slot: ${reply.toString()}`);
  if (ns === NS_UPLOAD) {
    return { put: put.attrs.url ?? '', get: get.attrs.url ?? '', headers: put.getChildren('header').map((h) => h.attrs.name ?? '') };
  }
  return { put: put.getText(), get: get.getText(), headers: [] };
}

/**
 * PUTs like real clients do (docs/servers.md, "What clients send"): the body as is, `Content-Type` equal to the requested type and the
 * `Content-Length` fetch derives from the body, nothing else from the slot; then GETs the file back.
 */
export async function putAndGet(
  urls: { put: string; get: string },
  body: Uint8Array,
  contentType: string,
): Promise<{ put: number; get: number; bytes: Uint8Array }> {
  const put = await fetch(urls.put, { method: 'PUT', headers: { 'content-type': contentType }, body: new Uint8Array(body) });
  await put.arrayBuffer();
  const got = await fetch(urls.get);
  return { put: put.status, get: got.status, bytes: new Uint8Array(await got.arrayBuffer()) };
}
