/**
 * Turns an HTTP body into one stanza element: the strict check of {@link findXmlProblem}
 * first, then the `@xmpp/xml` parser (ltx) to build the tree, then the stanza rules of
 * docs/architecture.md "Slot endpoint" (root `iq`/`message`/`presence` in a stanza namespace).
 */
import { type Element, Parser } from '@xmpp/xml';
import { NS, STANZA_NAMESPACES } from './namespaces.ts';
import { findXmlProblem, shown } from './xml-check.ts';

/** A parsed stanza and the attributes every route needs. */
export interface Stanza {
  readonly element: Element;
  readonly name: 'iq' | 'message' | 'presence';
  /** The stanza namespace; `jabber:client` when the body declared none (docs/architecture.md). */
  readonly ns: string;
  /** Whether the body declared the namespace; replies then declare it too. */
  readonly declaredNs: boolean;
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly id: string | undefined;
  readonly type: string | undefined;
}

export type ParsedStanza = { readonly ok: true; readonly stanza: Stanza } | { readonly ok: false; readonly text: string };

/** An attribute the element itself carries (never one inherited from `Object.prototype`). */
export function attribute(element: Element, name: string): string | undefined {
  const value: unknown = Object.hasOwn(element.attrs, name) ? element.attrs[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/**
 * The namespace URI of an element, resolving a prefix or the default namespace through its
 * ancestors (Namespaces in XML §6); '' when it is in no namespace.
 */
export function namespaceOf(element: Element): string {
  const colon = element.name.indexOf(':');
  const declaration = colon === -1 ? 'xmlns' : `xmlns:${element.name.slice(0, colon)}`;
  for (let scope: Element | null = element; scope !== null; scope = scope.parent) {
    const value = attribute(scope, declaration);
    if (value !== undefined) return value;
  }
  return '';
}

/** Builds the tree of text that passed {@link findXmlProblem}; undefined if ltx disagrees. */
function buildTree(text: string): Element | undefined {
  const parser = new Parser();
  let root: Element | undefined;
  let closed = false;
  let failed = false;
  parser.on('start', (element: Element) => {
    root = element;
  });
  // The @xmpp/xml parser hands over each completed child of the root separately.
  parser.on('element', (element: Element) => root?.append(element));
  parser.on('end', () => {
    closed = true;
  });
  parser.on('error', () => {
    failed = true;
  });
  parser.write(text);
  return closed && !failed ? root : undefined;
}

/**
 * Parses a body that must be exactly one stanza.
 * @returns the stanza, or a text saying why the body is not one (an HTTP 400 upstream).
 */
export function parseStanza(body: string): ParsedStanza {
  const problem = findXmlProblem(body);
  if (problem !== undefined) return { ok: false, text: problem };
  let element: Element | undefined;
  try {
    element = buildTree(body);
  } catch {
    element = undefined;
  }
  if (element === undefined) return { ok: false, text: 'The body is not well-formed XML.' };
  const name = element.getName();
  if (name !== 'iq' && name !== 'message' && name !== 'presence') {
    return { ok: false, text: `The body must be an <iq>, <message> or <presence> stanza, not <${shown(name)}>.` };
  }
  const declared = namespaceOf(element);
  const ns = declared === '' ? NS.client : declared;
  if (!STANZA_NAMESPACES.includes(ns)) return { ok: false, text: `A stanza must be in ${STANZA_NAMESPACES.join(', ')}, not ${shown(ns)}.` };
  const [from, to, id, type] = ['from', 'to', 'id', 'type'].map((key) => attribute(element, key));
  return { ok: true, stanza: { element, name, ns, declaredNs: declared !== '', from, to, id, type } };
}
