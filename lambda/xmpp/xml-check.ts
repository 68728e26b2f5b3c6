/**
 * A strict check that a body is one well-formed element in the restricted XML that XMPP
 * allows (RFC 6120 §11.1): no comments, processing instructions, DTDs or entity references
 * other than the five predefined ones. ltx, the parser behind `@xmpp/xml`, is lenient (it
 * skips a DOCTYPE as a comment, glues a second root under the first, accepts unquoted
 * attributes), so this check runs first and ltx only ever sees XML that passed it. Having
 * no DTD also means no entity expansion at all: no XXE, no billion laughs.
 */

/** Deeper nesting than any stanza needs; bounds the recursion of serialising and copying elements. */
export const MAX_DEPTH = 64;
/** The problem text of a body nested deeper than {@link MAX_DEPTH}; `POST /xmpp` answers it as a policy violation. */
export const TOO_DEEP = `Elements are nested deeper than ${MAX_DEPTH} levels.`;

// XML 1.0 (5th ed.) §2.3 NameStartChar / NameChar without ":"; Namespaces in XML §3 QName.
const START =
  'A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NCNAME = `[${START}][${START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040]*`;
const QNAME = new RegExp(`(?:(${NCNAME}):)?(${NCNAME})`, 'uy');
const SPACE = /[ \t\r\n]*/y;
const XML_DECLARATION =
  /<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.0\1(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])[Uu][Tt][Ff]-8\2)?[ \t\r\n]*\?>/y;
const ATTRIBUTE_VALUE = /[ \t\r\n]*=[ \t\r\n]*(?:"([^"<]*)"|'([^'<]*)')/y;
const END_TAG = /<\/([^ \t\r\n>]*)[ \t\r\n]*>/y;
const REFERENCE = /&(?:amp|lt|gt|quot|apos|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));/y;
// XML 1.0 §2.2 Char; with the u flag a lone surrogate is a code point outside every range.
const NOT_A_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** A name or value as problem texts show it: problems are returned to the sender, so keep them short. */
export const shown = (text: string): string => (text.length > 40 ? `${text.slice(0, 40)}…` : text);

interface Open {
  readonly name: string;
  /** Prefixes declared on this element (`xmlns:p`). */
  readonly prefixes: ReadonlySet<string>;
}

function isDeclared(prefix: string, open: readonly Open[]): boolean {
  return prefix === 'xml' || open.some((element) => element.prefixes.has(prefix));
}

/** Checks character data or an attribute value: every `&` starts a predefined or character reference. */
function checkReferences(text: string, offset: number): string | undefined {
  for (let at = text.indexOf('&'); at !== -1; at = text.indexOf('&', REFERENCE.lastIndex)) {
    REFERENCE.lastIndex = at;
    const match = REFERENCE.exec(text);
    if (match === null) return `"&" at offset ${offset + at} is not a predefined entity or character reference (no custom entities).`;
    const code = match[1] === undefined ? (match[2] === undefined ? undefined : Number.parseInt(match[2], 16)) : Number(match[1]);
    if (code !== undefined && (code > 0x10ffff || NOT_A_CHAR.test(String.fromCodePoint(code))))
      return `Character reference at offset ${offset + at} is not an XML character.`;
  }
}

interface Tag extends Open {
  readonly selfClosing: boolean;
  readonly end: number;
}

/** Reads a start tag at `start` (which holds "<"); returns the tag or a problem. */
function readStartTag(text: string, start: number, open: readonly Open[]): Tag | string {
  QNAME.lastIndex = start + 1;
  const name = QNAME.exec(text);
  if (name === null) return `Invalid element name at offset ${start + 1}.`;
  if (name[1] === 'xmlns') return 'An element may not have the prefix "xmlns".';
  let pos = QNAME.lastIndex;
  const seen = new Set<string>();
  const prefixes = new Set<string>();
  const prefixed: string[] = name[1] === undefined ? [] : [name[1]];
  for (;;) {
    SPACE.lastIndex = pos;
    SPACE.exec(text);
    const spaced = SPACE.lastIndex > pos;
    pos = SPACE.lastIndex;
    if (text.startsWith('/>', pos) || text[pos] === '>') {
      const selfClosing = text[pos] === '/';
      const scope = [...open, { name: name[0], prefixes }];
      const undeclared = prefixed.find((prefix) => !isDeclared(prefix, scope));
      if (undeclared !== undefined) return `Namespace prefix "${shown(undeclared)}" is not declared.`;
      return { name: name[0], prefixes, selfClosing, end: pos + (selfClosing ? 2 : 1) };
    }
    if (pos >= text.length) return `The tag <${shown(name[0])}> is not finished.`;
    QNAME.lastIndex = pos;
    const attr = spaced ? QNAME.exec(text) : null;
    if (attr === null) return `Malformed attribute in <${shown(name[0])}> at offset ${pos}.`;
    if (seen.has(attr[0])) return `Attribute "${shown(attr[0])}" appears twice in <${shown(name[0])}>.`;
    seen.add(attr[0]);
    ATTRIBUTE_VALUE.lastIndex = QNAME.lastIndex;
    const quoted = ATTRIBUTE_VALUE.exec(text);
    if (quoted === null) return `Attribute "${shown(attr[0])}" in <${shown(name[0])}> needs a quoted value without "<".`;
    const valueText = quoted[1] ?? quoted[2] ?? '';
    const problem = checkReferences(valueText, QNAME.lastIndex);
    if (problem !== undefined) return problem;
    if (attr[1] === 'xmlns') {
      if (valueText === '') return `Namespace prefix "${shown(attr[2] ?? '')}" is declared empty.`;
      prefixes.add(attr[2] ?? '');
    } else if (attr[1] !== undefined) prefixed.push(attr[1]);
    pos = ATTRIBUTE_VALUE.lastIndex;
  }
}

/**
 * Finds what makes `text` something other than exactly one well-formed, namespace-well-formed
 * element in XMPP's XML subset (an XML declaration and surrounding whitespace are allowed).
 * @returns a sentence describing the first problem, or undefined when there is none.
 */
export function findXmlProblem(text: string): string | undefined {
  const illegal = NOT_A_CHAR.exec(text);
  if (illegal !== null) return `The body holds a character XML forbids (U+${(illegal[0].codePointAt(0) ?? 0).toString(16).toUpperCase()}).`;
  XML_DECLARATION.lastIndex = 0;
  let pos = XML_DECLARATION.exec(text) === null ? 0 : XML_DECLARATION.lastIndex;
  const open: Open[] = [];
  let done = false;
  while (pos < text.length) {
    const lt = text.indexOf('<', pos);
    const end = lt === -1 ? text.length : lt;
    if (end > pos) {
      const chars = text.slice(pos, end);
      if (open.length === 0 && /[^ \t\r\n]/.test(chars)) return `Text outside the stanza at offset ${pos}.`;
      if (chars.includes(']]>')) return `"]]>" in text at offset ${pos}.`;
      const problem = checkReferences(chars, pos);
      if (problem !== undefined) return problem;
      pos = end;
    } else if (text.startsWith('<!--', pos)) return 'XML comments are not allowed in XMPP (RFC 6120 §11.1).';
    else if (text.startsWith('<![CDATA[', pos)) {
      if (open.length === 0) return `Text outside the stanza at offset ${pos}.`;
      const close = text.indexOf(']]>', pos);
      if (close === -1) return `A CDATA section at offset ${pos} is not closed.`;
      pos = close + 3;
    } else if (text.startsWith('<!', pos)) return 'Document type declarations and entities are not allowed in XMPP (RFC 6120 §11.1).';
    else if (text.startsWith('<?', pos)) return 'Processing instructions are not allowed in XMPP (RFC 6120 §11.1).';
    else if (done) return 'More than one element: the body must be exactly one stanza.';
    else if (text.startsWith('</', pos)) {
      END_TAG.lastIndex = pos;
      const match = END_TAG.exec(text);
      const top = open.at(-1);
      if (match === null || top === undefined || match[1] !== top.name) return `Unexpected end tag at offset ${pos}.`;
      open.pop();
      done = open.length === 0;
      pos = END_TAG.lastIndex;
    } else {
      if (open.length >= MAX_DEPTH) return TOO_DEEP;
      const tag = readStartTag(text, pos, open);
      if (typeof tag === 'string') return tag;
      if (tag.selfClosing) done = open.length === 0;
      else open.push(tag);
      pos = tag.end;
    }
  }
  const unclosed = open.at(-1);
  if (unclosed !== undefined) return `<${shown(unclosed.name)}> is not closed.`;
  return done ? undefined : 'The body holds no element: it must be exactly one stanza.';
}
