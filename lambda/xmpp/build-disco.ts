/**
 * Service discovery answers for the upload service (XEP-0030), announcing both XEP-0363
 * namespaces with their size limit (XEP-0363 §3, XEP-0128 extended info) and the honoured
 * XEP-0363 1.2.0 purposes.
 */
import xml, { type Element } from '@xmpp/xml';
import { type Purpose, purposeFeature } from '../core/purposes.ts';
import { NS } from './namespaces.ts';

/** The features always advertised, in this order: disco itself, both upload versions, ping; the purposes follow. */
export const FEATURES: readonly string[] = [NS.discoInfo, NS.upload, NS.uploadLegacy, NS.ping];

/** The identity XEP-0363 §3 prescribes for an upload service. */
export const IDENTITY = { category: 'store', type: 'file', name: 'HTTP File Upload' } as const;

/**
 * An XEP-0128 form (XEP-0004 type `result`) whose hidden FORM_TYPE is an upload namespace and
 * whose `max-file-size` is the limit; clients read the limit from the form of the namespace
 * they speak (XEP-0363 §3).
 */
export function buildUploadForm(ns: string, maxFileSizeBytes: number): Element {
  return xml(
    'x',
    { xmlns: NS.dataForms, type: 'result' },
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, ns)),
    xml('field', { var: 'max-file-size' }, xml('value', {}, String(maxFileSizeBytes))),
  );
}

/** The disco#info `<query/>`: identity, features (one `…purpose:0#<name>` per honoured purpose), one form per upload namespace. */
export function buildDiscoInfo(maxFileSizeBytes: number, purposes: readonly Purpose[]): Element {
  return xml(
    'query',
    { xmlns: NS.discoInfo },
    xml('identity', { ...IDENTITY }),
    ...[...FEATURES, ...purposes.map(purposeFeature)].map((feature) => xml('feature', { var: feature })),
    buildUploadForm(NS.upload, maxFileSizeBytes),
    buildUploadForm(NS.uploadLegacy, maxFileSizeBytes),
  );
}

/** The disco#items `<query/>`: the service has no items. */
export function buildDiscoItems(): Element {
  return xml('query', { xmlns: NS.discoItems });
}
