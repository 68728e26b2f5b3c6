/**
 * XEP-0363 1.2.0 upload purposes (`urn:xmpp:http:upload:purpose:0`): which the service honours,
 * where each lands in the bucket and how long it stays (docs/architecture.md "Purposes"). Every
 * purpose has its own prefix under `keyPrefix`, so one lifecycle rule per prefix does the
 * deleting; `ephemeral` also carries its expiry in the key, which the `cdn` download function
 * enforces to the second.
 */

import type { DownloadMode } from './config-downloads.ts';
import type { Parsed } from './config-values.ts';
import { parseList } from './config-values.ts';
import { DAY_MS } from './quota-window.ts';

/** The four purposes of XEP-0363 1.2.0, in the XEP's order (disco#info lists them so). */
export const PURPOSES = ['message', 'profile', 'ephemeral', 'permanent'] as const;
export type Purpose = (typeof PURPOSES)[number];

/** The purpose of a request that names none (XEP-0363 1.2.0: `message` is the default). */
export const DEFAULT_PURPOSE: Purpose = 'message';

/** The namespace of the purpose child of `<request/>`. */
export const PURPOSE_NS = 'urn:xmpp:http:upload:purpose:0';

/**
 * The longest lifetime of an ephemeral upload when `retentionDays` is 0 (files kept): the same
 * 7 days the global quota window falls back to (lambda/core/quota.ts).
 */
export const EPHEMERAL_DAYS_WHEN_KEPT = 7;

export function isPurpose(value: unknown): value is Purpose {
  return typeof value === 'string' && (PURPOSES as readonly string[]).includes(value);
}

/** The disco#info feature of a purpose (`urn:xmpp:http:upload:purpose:0#message`). */
export function purposeFeature(purpose: Purpose): string {
  return `${PURPOSE_NS}#${purpose}`;
}

/**
 * The purposes a download mode can keep its promise for: `ephemeral` only where a GET can be
 * refused after its time (the `cdn` mode's function); a public bucket serves until the
 * day-granular lifecycle rule runs.
 */
export function honourablePurposes(downloads: DownloadMode): Purpose[] {
  return PURPOSES.filter((purpose) => purpose !== 'ephemeral' || downloads === 'cdn');
}

/** The config key `purposes`: a subset of {@link honourablePurposes}, always with `message`, in the XEP's order. */
export function parsePurposes(value: unknown, downloads: DownloadMode | undefined): Parsed<Purpose[]> {
  const mode = downloads ?? 'bucket';
  const list = parseList(value);
  if (!list.ok) return list;
  if (list.value.length === 0) return { ok: true, value: honourablePurposes(mode) };
  const unknown = list.value.filter((item) => !isPurpose(item));
  if (unknown.length > 0) {
    return {
      ok: false,
      problem: `unknown purpose ${unknown.map((u) => JSON.stringify(u)).join(', ')}; expected some of ${PURPOSES.join(', ')}`,
    };
  }
  if (!list.value.includes('message')) {
    return { ok: false, problem: 'must include "message": a request that names no purpose is a message upload' };
  }
  if (mode === 'bucket' && list.value.includes('ephemeral')) {
    return {
      ok: false,
      problem:
        '"ephemeral" needs downloads "cdn": a public bucket cannot refuse a GET after expire-before, and lifecycle rules are day-granular',
    };
  }
  return { ok: true, value: PURPOSES.filter((purpose) => list.value.includes(purpose)) };
}

/** What the placement of a key reads of the configuration. */
export interface PurposeConfig {
  readonly keyPrefix: string;
  readonly purposes: readonly Purpose[];
  readonly retentionDays: number;
  readonly profileRetentionDays: number;
}

/** The prefix of a purpose: `<keyPrefix><purpose>/`. */
export function purposePrefix(keyPrefix: string, purpose: Purpose): string {
  return `${keyPrefix}${purpose}/`;
}

/** The longest lifetime of an ephemeral upload, in days: `retentionDays`, or {@link EPHEMERAL_DAYS_WHEN_KEPT} when that is 0. */
export function ephemeralMaxDays(config: Pick<PurposeConfig, 'retentionDays'>): number {
  return config.retentionDays === 0 ? EPHEMERAL_DAYS_WHEN_KEPT : config.retentionDays;
}

/** The latest expiry an ephemeral slot granted at `now` may have; a later `expire-before` is capped to it. */
export function latestEphemeralExpiry(config: Pick<PurposeConfig, 'retentionDays'>, now: Date): Date {
  return new Date(now.getTime() + ephemeralMaxDays(config) * DAY_MS);
}

/** One honoured purpose's prefix and lifecycle: expire after `expireAfterDays`, or never (undefined). */
export interface PurposeRetention {
  readonly purpose: Purpose;
  readonly prefix: string;
  readonly expireAfterDays: number | undefined;
}

/**
 * The prefixes and lifecycle of the honoured purposes, one each: `message` → `retentionDays`,
 * `profile` → `profileRetentionDays`, 0 meaning kept; `permanent` kept; `ephemeral` after its
 * longest lifetime (the download function refuses it from its own expiry on). The construct
 * writes one lifecycle rule per entry with a number; the strict local S3 applies the same.
 */
export function purposeRetentions(config: PurposeConfig): PurposeRetention[] {
  const days = (n: number): number | undefined => (n === 0 ? undefined : n);
  const expiry: Record<Purpose, number | undefined> = {
    message: days(config.retentionDays),
    profile: days(config.profileRetentionDays),
    ephemeral: ephemeralMaxDays(config),
    permanent: undefined,
  };
  return config.purposes.map((purpose) => ({
    purpose,
    prefix: purposePrefix(config.keyPrefix, purpose),
    expireAfterDays: expiry[purpose],
  }));
}

/**
 * How long the longest-lived file of the honoured purposes is kept, in days; 0 when some are kept
 * forever (`permanent`, or `message`/`profile` with a retention of 0). The upload ledger (the log
 * group) must be kept at least this long.
 */
export function longestRetentionDays(config: PurposeConfig): number {
  const days = purposeRetentions(config).map((r) => r.expireAfterDays);
  return days.includes(undefined) ? 0 : Math.max(...(days as number[]));
}

/** The honoured purposes whose files expire, each with its days: one lifecycle rule each (the construct's and the local S3's). */
export function expiringRetentions(config: PurposeConfig): (PurposeRetention & { readonly expireAfterDays: number })[] {
  return purposeRetentions(config).flatMap((r) => (r.expireAfterDays === undefined ? [] : [{ ...r, expireAfterDays: r.expireAfterDays }]));
}
