import { describe, expect, it } from 'vitest';
import { createS3Signer } from '../../lambda/adapters/s3-presigner.ts';
import { parseConfig, type ServiceConfig } from '../../lambda/core/config.ts';
import { SlotError } from '../../lambda/core/errors.ts';
import type { QuotaCharge, QuotaStore, UploadSigner } from '../../lambda/core/ports.ts';
import { createSlotService, decideSlot, isAllowed } from '../../lambda/core/slot-service.ts';
import { loneSurrogate } from '../../lambda/core/unicode.ts';

const NOW = new Date('2026-11-22T12:00:00.000Z');
const UUID = '0f8fad5b-d9cb-469f-a165-70867728950e';

const config = (overrides: Record<string, unknown> = {}): ServiceConfig =>
  parseConfig({ domains: ['example.org'], maxFileSizeBytes: 1000, ...overrides });

/** A signer twin: deterministic URLs, records what it was asked to sign. */
function fakeSigner(fail = false): UploadSigner & { inputs: unknown[] } {
  const inputs: unknown[] = [];
  return {
    inputs,
    async presignPut(input) {
      inputs.push(input);
      if (fail) throw new Error('credentials expired');
      return { url: `https://put.example/${input.key}`, expiresAt: new Date(input.now.getTime() + 300_000) };
    },
    publicUrl: (key) => `https://get.example/${key}`,
  };
}

function recordingQuota(refuse?: SlotError): QuotaStore & { admitted: QuotaCharge[]; refunded: QuotaCharge[] } {
  const admitted: QuotaCharge[] = [];
  const refunded: QuotaCharge[] = [];
  return {
    admitted,
    refunded,
    async admit(charge) {
      if (refuse) throw refuse;
      admitted.push(charge);
    },
    async refund(charge) {
      refunded.push(charge);
    },
  };
}

const refusal = (fn: () => unknown): SlotError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof SlotError) return error;
  }
  throw new Error('expected a SlotError');
};

describe('decideSlot', () => {
  const request = { from: 'Alice@Example.org/phone', filename: 'cat.jpg', size: '100', contentType: 'image/jpeg' };

  it('returns the bare, normalised JID and the checked request', () => {
    expect(decideSlot(request, config(), NOW)).toEqual({
      jid: 'alice@example.org',
      filename: 'cat.jpg',
      sizeBytes: 100,
      contentType: 'image/jpeg',
      purpose: 'message',
    });
  });

  it.each([
    ['a user of a domain not served', { from: 'mallory@evil.example/x' }, 'not-allowed'],
    ['an invalid requester', { from: 'no jid here' }, 'bad-request'],
    ['size 10000000000 (Prosody)', { size: '10000000000' }, 'file-too-large'],
    ['a negative size (Prosody)', { size: '-1' }, 'bad-request'],
    ['invalid/filename.dat (Prosody)', { filename: 'invalid/filename.dat' }, 'bad-request'],
    ['a size just above maxFileSizeBytes', { size: '1001' }, 'file-too-large'],
  ])('refuses %s', (_name, change, condition) => {
    expect(refusal(() => decideSlot({ ...request, ...change }, config(), NOW)).condition).toBe(condition);
  });

  it('carries the limit on file-too-large', () => {
    expect(refusal(() => decideSlot({ ...request, size: 1001 }, config(), NOW)).maxFileSizeBytes).toBe(1000);
  });

  it('refuses a disallowed type with type-not-allowed', () => {
    const error = refusal(() =>
      decideSlot({ ...request, contentType: 'application/x-msdownload' }, config({ allowedTypes: ['image/*'] }), NOW),
    );

    expect(error.condition).toBe('type-not-allowed');
    expect(error.text).toContain('application/x-msdownload');
  });

  it('checks access before anything else', () => {
    const error = refusal(() => decideSlot({ from: 'm@evil.example', filename: '..', size: '-1' }, config(), NOW));

    expect(error.condition).toBe('not-allowed');
  });
});

describe('isAllowed', () => {
  it.each([
    ['alice@example.org', [], true],
    ['alice@other.example', [], false],
    ['alice@other.example', ['other.example'], true],
    ['alice@example.org', ['bob@example.org'], false],
    ['bob@example.org', ['bob@example.org'], true],
    ['bob@sub.example.org', ['example.org'], false],
  ])('%s with access %j is %s', (jid, access, expected) => {
    expect(isAllowed(jid, { domains: ['example.org'], access })).toBe(expected);
  });
});

describe('createSlotService', () => {
  const raw = { from: 'alice@example.org/phone', filename: 'a b.jpg', size: 100, contentType: 'image/jpeg' };

  it('charges the quota, then presigns under <prefix>message/<uuid>/<filename>', async () => {
    const quota = recordingQuota();
    const signer = fakeSigner();
    const requestSlot = createSlotService({ config: config(), quota, signer, now: () => NOW, newId: () => UUID });

    const slot = await requestSlot(raw);

    expect(slot.key).toBe(`uploads/message/${UUID}/a b.jpg`);
    expect(slot.purpose).toBe('message');
    expect(slot.put.headers).toEqual({ 'Content-Length': '100', 'Content-Type': 'image/jpeg' });
    expect(slot.get.url).toBe(`https://get.example/uploads/message/${UUID}/a b.jpg`);
    expect(slot.expiresAt).toEqual(new Date('2026-11-22T12:05:00.000Z'));
    expect(quota.admitted).toEqual([{ jid: 'alice@example.org', sizeBytes: 100, slotId: UUID, now: NOW }]);
    expect(signer.inputs).toEqual([{ key: slot.key, sizeBytes: 100, contentType: 'image/jpeg', now: NOW }]);
  });

  it('sends no Content-Type header for a request without a type', async () => {
    const requestSlot = createSlotService({
      config: config(),
      quota: recordingQuota(),
      signer: fakeSigner(),
      now: () => NOW,
      newId: () => UUID,
    });

    const slot = await requestSlot({ ...raw, contentType: '' });

    expect(slot.put.headers).toEqual({ 'Content-Length': '100' });
  });

  it('never charges a request the policy refuses', async () => {
    const quota = recordingQuota();
    const requestSlot = createSlotService({ config: config(), quota, signer: fakeSigner(), now: () => NOW, newId: () => UUID });

    await expect(requestSlot({ ...raw, size: 5000 })).rejects.toMatchObject({ condition: 'file-too-large' });
    expect(quota.admitted).toEqual([]);
  });

  it('passes a quota refusal through and presigns nothing', async () => {
    const signer = fakeSigner();
    const retryAt = new Date('2026-11-23T00:00:00Z');
    const quota = recordingQuota(new SlotError('quota-exceeded', 'over', { retryAt }));
    const requestSlot = createSlotService({ config: config(), quota, signer, now: () => NOW, newId: () => UUID });

    await expect(requestSlot(raw)).rejects.toMatchObject({ condition: 'quota-exceeded', retryAt });
    expect(signer.inputs).toEqual([]);
  });

  it('refunds the charge when presigning fails, and hides the cause', async () => {
    const quota = recordingQuota();
    const requestSlot = createSlotService({ config: config(), quota, signer: fakeSigner(true), now: () => NOW, newId: () => UUID });

    const error = await requestSlot(raw).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SlotError);
    expect((error as SlotError).condition).toBe('internal');
    expect((error as SlotError).text).not.toContain('credentials');
    expect(quota.refunded).toEqual(quota.admitted);
    expect(quota.refunded).toHaveLength(1);
  });

  // JSON's "\ud800" escape yields a lone surrogate: charged, then encodeURIComponent threw, refunded, 500.
  it.each([
    ['filename', { filename: 'a\ud800b.jpg' }, 'filename'],
    ['JID', { from: 'al\udc00ice@example.org/phone' }, 'requester'],
    ['resource of the JID', { from: 'alice@example.org/ph\ud800one' }, 'requester'],
    ['content type', { contentType: 'image/jp\ud800eg' }, 'content type'],
  ])('refuses a lone UTF-16 surrogate in the %s with bad-request before charging anything', async (_name, field, named) => {
    const quota = recordingQuota();
    const signer = createS3Signer({
      bucket: 'b',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      putUrlTtlSeconds: 300,
    });
    const requestSlot = createSlotService({ config: config(), quota, signer, now: () => NOW, newId: () => UUID });

    const error = await requestSlot({ ...raw, ...field }).catch((e: unknown) => e);

    expect(error).toMatchObject({ condition: 'bad-request' });
    expect((error as SlotError).text).toContain(named);
    expect((error as SlotError).text).toContain('lone UTF-16 surrogate');
    expect(loneSurrogate((error as SlotError).text)).toBeUndefined();
    expect(quota.admitted).toEqual([]);
  });
});
