/**
 * Typed access to the parts of xmpp.js 0.13 (CommonJS, untyped) that the bridge uses.
 *
 * Why not `component()` from `@xmpp/component`: its `iqCallee` middleware answers every IQ that has no
 * registered handler with `service-unavailable` and every IQ without exactly one child with `bad-request`.
 * The bridge holds no policy and must answer each IQ exactly once with what the endpoint says, so it builds
 * the same entity from `@xmpp/component-core` + `@xmpp/reconnect` (XEP-0114 handshake included) without the
 * middleware. Both are resolved from `@xmpp/component`'s own dependency tree, so the versions it pins are used.
 */
import { createRequire } from 'node:module';

/** An ltx element as xmpp.js parses and builds it. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string | undefined>;
  children: Array<XmlElement | string>;
  is(name: string, xmlns?: string): boolean;
  getChild(name: string, xmlns?: string): XmlElement | undefined;
  getChildElements(): XmlElement[];
  getText(): string;
  toString(): string;
}

/** `xml(name, attrs, ...children)` from `@xmpp/xml`. */
export type XmlFactory = (name: string, attrs?: Record<string, string | undefined>, ...children: Array<XmlElement | string>) => XmlElement;

/** A stream error (RFC 6120 §4.9) as `@xmpp/connection` emits it. */
export interface StreamErrorLike extends Error {
  condition?: string;
}

/** The component connection (`@xmpp/component-core` `Component`). */
export interface ComponentEntity {
  readonly status: string;
  on(event: 'stanza', listener: (stanza: XmlElement) => void): this;
  on(event: 'status', listener: (status: string) => void): this;
  on(event: 'open', listener: (header: XmlElement) => void): this;
  on(event: 'error', listener: (error: StreamErrorLike) => void): this;
  emit(event: 'error', error: unknown): boolean;
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
  disconnect(): Promise<void>;
  send(stanza: XmlElement): Promise<void>;
  authenticate(streamId: string, password: string): Promise<void>;
}

/** `@xmpp/reconnect`: reconnects `delay` ms after every `disconnect` until stopped. */
export interface Reconnector {
  delay: number;
  on(event: 'reconnecting' | 'reconnected', listener: () => void): this;
  stop(): void;
}

const requireHere = createRequire(import.meta.url);
const requireFromComponent = createRequire(requireHere.resolve('@xmpp/component'));
/** The streaming parser of `@xmpp/xml`: `start` (root), `element` (each child of the root), `end` (root closed). */
interface XmlParser {
  on(event: 'start' | 'element' | 'end', listener: (element: XmlElement) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  write(text: string): void;
}
const core = requireFromComponent('@xmpp/component-core') as {
  Component: new (options: { service: string; domain: string }) => ComponentEntity;
  xml: XmlFactory & { Parser: new () => XmlParser };
};
const startReconnect = requireFromComponent('@xmpp/reconnect') as (deps: { entity: ComponentEntity }) => Reconnector;

/** Builds elements with the same ltx version that serialises them on the stream. */
export const xml: XmlFactory = core.xml;

/**
 * Parses exactly one complete XML element; throws on malformed, truncated or several elements (the streaming
 * parser alone would accept an unclosed `<iq>` or fold a second element into the first).
 */
export function parseXml(text: string): XmlElement {
  const parser = new core.xml.Parser();
  let root: XmlElement | undefined;
  let closed = false;
  let problem: Error | undefined;
  parser.on('start', (element) => {
    root = element;
  });
  parser.on('element', (element) => {
    if (closed) problem ??= new Error('more than one element');
    else root?.children.push(element);
  });
  parser.on('end', () => {
    closed = true;
  });
  parser.on('error', (error) => {
    problem ??= error;
  });
  parser.write(text);
  if (problem) throw problem;
  if (!root || !closed) throw new Error('incomplete XML');
  return root;
}

/**
 * Creates an XEP-0114 component connection that authenticates with `password()` (read anew on every stream
 * open, so that a changed secret takes effect at the next login) and is
 * reconnected by `@xmpp/reconnect` after every disconnect. Call `entity.start()` to connect.
 */
export function createComponent(options: { service: string; domain: string; password: () => string }): {
  entity: ComponentEntity;
  reconnect: Reconnector;
} {
  const entity = new core.Component({ service: options.service, domain: options.domain });
  const reconnect = startReconnect({ entity });
  entity.on('open', (header) => {
    // XEP-0114 §3: the handshake is SHA-1(stream id + secret); a failure is reported, then the socket is
    // dropped so that the reconnect loop tries again instead of idling on an unauthenticated stream.
    entity.authenticate(header.attrs.id ?? '', options.password()).catch((error: unknown) => {
      // A stream error (e.g. not-authorized) was already emitted by the connection itself.
      if (!(error instanceof Error && error.name === 'StreamError')) entity.emit('error', error);
      entity.disconnect().catch(() => {});
    });
  });
  return { entity, reconnect };
}
