/**
 * Deciding and granting a slot. {@link decideSlot} is the one ordered policy (after Prosody's
 * `may_upload`): access → purpose → filename → size → type; the quotas come last because admission
 * charges them atomically, and a request that a pure check refuses must never be charged.
 */
import type { ServiceConfig } from './config.ts';
import { SlotError, toSlotError } from './errors.ts';
import { bareJid, parseJid } from './jid.ts';
import { objectKey } from './keys.ts';
import { isTypeAllowed } from './mime.ts';
import type { QuotaStore, Slot, SlotRequest, UploadSigner } from './ports.ts';
import { decidePurpose } from './purpose-request.ts';
import { checkContentType, checkFilename, checkSize, type RawSlotRequest } from './slot-request.ts';
import { checkWellFormed } from './unicode.ts';

/** Whether a bare JID may upload: listed itself, its domain listed, or (empty list) a served domain. */
export function isAllowed(jid: string, config: Pick<ServiceConfig, 'access' | 'domains'>): boolean {
  const domain = jid.slice(jid.indexOf('@') + 1);
  if (config.access.length === 0) return config.domains.includes(domain);
  return config.access.includes(jid) || config.access.includes(domain);
}

/**
 * The pure part of the policy: validates and decides a raw request. `now` is the grant time,
 * against which an ephemeral `expire-before` is checked and capped.
 * @throws SlotError with the first condition that refuses it.
 */
export function decideSlot(raw: RawSlotRequest, config: ServiceConfig, now: Date): SlotRequest {
  checkWellFormed(raw.from, "The requester's JID");
  const from = typeof raw.from === 'string' ? parseJid(raw.from) : undefined;
  if (from === undefined) throw new SlotError('bad-request', 'The requester is not a valid JID.');
  const jid = bareJid(from);
  if (!isAllowed(jid, config)) throw new SlotError('not-allowed', `${jid} may not upload files to this service.`);
  const purpose = decidePurpose(raw.purpose, raw.expireBefore, config, now);
  const filename = checkFilename(raw.filename);
  const sizeBytes = checkSize(raw.size);
  if (sizeBytes > config.maxFileSizeBytes) {
    throw new SlotError('file-too-large', `The file is too large; the limit is ${config.maxFileSizeBytes} bytes.`, {
      maxFileSizeBytes: config.maxFileSizeBytes,
    });
  }
  const contentType = checkContentType(raw.contentType);
  if (!isTypeAllowed(contentType, config.allowedTypes)) {
    throw new SlotError('type-not-allowed', `Files of type ${contentType ?? '(none)'} are not allowed here.`);
  }
  return { jid, filename, sizeBytes, contentType, ...purpose };
}

export interface SlotServiceDeps {
  readonly config: ServiceConfig;
  readonly quota: QuotaStore;
  readonly signer: UploadSigner;
  readonly now: () => Date;
  /** A random UUID v4 (`crypto.randomUUID`). */
  readonly newId: () => string;
}

export type SlotService = (raw: RawSlotRequest) => Promise<Slot>;

/** Grants slots: decide, charge the quotas, presign; a charge whose slot fails is refunded. */
export function createSlotService(deps: SlotServiceDeps): SlotService {
  return async (raw) => {
    const now = deps.now();
    const request = decideSlot(raw, deps.config, now);
    const slotId = deps.newId();
    const charge = { jid: request.jid, sizeBytes: request.sizeBytes, slotId, now };
    await deps.quota.admit(charge);
    try {
      const key = objectKey(deps.config.keyPrefix, slotId, request.filename, request);
      const put = await deps.signer.presignPut({ key, sizeBytes: request.sizeBytes, contentType: request.contentType, now });
      const headers: Record<string, string> = { 'Content-Length': String(request.sizeBytes) };
      if (request.contentType !== undefined) headers['Content-Type'] = request.contentType;
      return {
        key,
        sizeBytes: request.sizeBytes,
        put: { url: put.url, headers },
        get: { url: deps.signer.publicUrl(key) },
        expiresAt: put.expiresAt,
        slotId,
        jid: request.jid,
        contentType: request.contentType,
        grantedAt: now,
        purpose: request.purpose,
        ...(request.expireBefore === undefined ? {} : { expireBefore: request.expireBefore }),
      };
    } catch (error) {
      await deps.quota.refund(charge).catch(() => undefined);
      throw toSlotError(error);
    }
  };
}
