/**
 * Just enough of RFC 7622 for access decisions: split a JID, reduce it to its bare form,
 * normalise case. Localparts are case-folded with `toLowerCase`, which matches nodeprep for
 * the ASCII names servers hand out; the domain is always lower-cased.
 */
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
// RFC 7622 §3.3.1: these may not appear in a localpart; nor may spaces or control characters.
const LOCALPART = /^[^\s"&'/:<>@\p{Cc}]{1,1023}$/u;

export interface Jid {
  readonly local: string | undefined;
  readonly domain: string;
  readonly resource: string | undefined;
}

/** Whether `value` is a DNS name or IPv4 literal usable as an XMPP domain (lower case). */
export function isDomain(value: string): boolean {
  if (value.length === 0 || value.length > 253) return false;
  return value.split('.').every((label) => DOMAIN_LABEL.test(label));
}

/** Parses a full or bare JID; undefined when it is not one. */
export function parseJid(value: string): Jid | undefined {
  const slash = value.indexOf('/');
  const resource = slash === -1 ? undefined : value.slice(slash + 1);
  const bare = slash === -1 ? value : value.slice(0, slash);
  if (resource !== undefined && (resource.length === 0 || resource.length > 1023)) return undefined;
  const at = bare.indexOf('@');
  const local = at === -1 ? undefined : bare.slice(0, at).toLowerCase();
  const domain = (at === -1 ? bare : bare.slice(at + 1)).toLowerCase().replace(/\.$/, '');
  if (local !== undefined && !LOCALPART.test(local)) return undefined;
  if (!isDomain(domain)) return undefined;
  return { local, domain, resource };
}

/** The bare JID (`local@domain`, or `domain`) in normal form. */
export function bareJid(jid: Jid): string {
  return jid.local === undefined ? jid.domain : `${jid.local}@${jid.domain}`;
}
