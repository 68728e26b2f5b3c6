import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { CDN_FUNCTIONS, ephemeralPathPrefix, functionSource, MAX_FUNCTION_BYTES, viewerRequestCode } from '../../cdn/function-code.ts';
import { type CfEvent, type CfRequest, loadFunction } from '../../cdn/runtime.ts';
import { encodeKey, objectKey } from '../../lambda/core/keys.ts';

const UUID = '3f0c8a8e-1d0e-4c3b-9b1a-2f6f1b2c3d4e';
const EXPIRY = new Date('2026-11-23T12:00:00Z');
const EPHEMERAL = `/${encodeKey(objectKey('uploads/', UUID, 'cat picture.jpg', { purpose: 'ephemeral', expireBefore: EXPIRY }))}`;

/** A viewer-request event as CloudFront passes it (Developer Guide, "CloudFront Functions event structure"). */
function event(uri: string, method = 'GET'): CfEvent {
  return {
    version: '1.0',
    context: {
      distributionDomainName: 'd111111abcdef8.cloudfront.net',
      distributionId: 'EDFDVBD6EXAMPLE',
      eventType: 'viewer-request',
      requestId: 'EXAMPLEntjQpEXAMPLE_SG5Z-EXAMPLEPmPfEXAMPLEu3EqEXAMPLE==',
    },
    viewer: { ip: '198.51.100.11' },
    request: { method, uri, querystring: {}, headers: { host: { value: 'd111111abcdef8.cloudfront.net' } }, cookies: {} },
  };
}

type Generated = {
  statusCode: number;
  statusDescription: string;
  headers: Record<string, { value: string }>;
  body: { encoding: string; data: string };
};

/** Runs the function as rendered for `uploads/`, with its `Date.now()` at `at`. */
const run = async (uri: string, at: Date, method = 'GET', keyPrefix = 'uploads/'): Promise<CfRequest | Generated> =>
  (await loadFunction(viewerRequestCode(keyPrefix), { now: () => at })(event(uri, method))) as CfRequest | Generated;

describe('the viewer-request function', () => {
  it.each([
    ['a day before', new Date('2026-11-22T12:00:00Z')],
    ['a millisecond before', new Date(EXPIRY.getTime() - 1)],
  ])('passes an ephemeral download on %s its expiry to the origin, unchanged', async (_name, at) => {
    const result = await run(EPHEMERAL, at);

    expect(result).toEqual(event(EPHEMERAL).request);
  });

  it.each([
    ['at', EXPIRY],
    ['a year after', new Date('2027-11-23T12:00:00Z')],
  ])('answers 410 Gone %s its expiry, uncached, without reaching the origin', async (_name, at) => {
    const result = (await run(EPHEMERAL, at)) as Generated;

    expect(result.statusCode).toBe(410);
    expect(result.statusDescription).toBe('Gone');
    expect(result.headers).toEqual({ 'content-type': { value: 'text/plain; charset=utf-8' }, 'cache-control': { value: 'no-store' } });
    expect(result.body).toEqual({ encoding: 'text', data: 'This ephemeral file expired at 2026-11-23T12:00:00.000Z.\n' });
  });

  it('refuses HEAD after the expiry as GET', async () => {
    expect(((await run(EPHEMERAL, EXPIRY, 'HEAD')) as Generated).statusCode).toBe(410);
  });

  it('decodes the path as S3 does: a percent-encoded "ephemeral" or expiry does not slip past', async () => {
    const encoded = EPHEMERAL.replace('/ephemeral/', '/%65phemeral/').replace('/1795', '/%31795');

    expect(((await run(encoded, EXPIRY)) as Generated).statusCode).toBe(410);
  });

  it.each([
    ['a message upload', `/uploads/message/${UUID}/a.jpg`],
    ['a permanent upload', `/uploads/permanent/${UUID}/a.jpg`],
    ['a profile upload', `/uploads/profile/${UUID}/a.jpg`],
    ['a path outside the prefix', '/other/ephemeral/1/x'],
    ['the root', '/'],
  ])('passes %s through whatever the time', async (_name, uri) => {
    expect(await run(uri, new Date('2100-01-01T00:00:00Z'))).toEqual(event(uri).request);
  });

  it.each([
    ['a non-numeric expiry', `/uploads/ephemeral/tomorrow/${UUID}/a.jpg`],
    ['an empty expiry', `/uploads/ephemeral//${UUID}/a.jpg`],
    ['a negative expiry', `/uploads/ephemeral/-1/${UUID}/a.jpg`],
  ])('answers 404 for %s: no key the service writes looks so', async (_name, uri) => {
    expect(((await run(uri, new Date('2000-01-01T00:00:00Z'))) as Generated).statusCode).toBe(404);
  });

  it('answers 400 for a path that is not valid percent-encoding', async () => {
    expect(((await run('/uploads/ephemeral/%E0%A4%A/x', EXPIRY)) as Generated).statusCode).toBe(400);
  });

  it('takes the key prefix it was rendered with', async () => {
    const uri = `/files/x/ephemeral/1795435200/${UUID}/a.jpg`;

    expect(ephemeralPathPrefix('files/x/')).toBe('/files/x/ephemeral/');
    expect(((await run(uri, EXPIRY, 'GET', 'files/x/')) as Generated).statusCode).toBe(410);
    expect(await run(uri, EXPIRY)).toEqual(event(uri).request);
  });
});

describe('the viewer-request function code', () => {
  const code = viewerRequestCode('uploads/');

  it("is small next to CloudFront Functions' 10 KB, every placeholder replaced and comments dropped", () => {
    expect(Buffer.byteLength(code)).toBeLessThan(MAX_FUNCTION_BYTES / 4);
    expect(code).toContain('var EPHEMERAL_PREFIX = "/uploads/ephemeral/";');
    expect(code).not.toMatch(/__[A-Z_]+__|^\s*\/\//m);
    expect(functionSource('viewer-request')).toContain('__EPHEMERAL_PREFIX__');
    expect(CDN_FUNCTIONS['viewer-request'].eventType).toBe('viewer-request');
  });

  it('is plain ES5 syntax: nothing for esbuild to lower to ES5', () => {
    expect(transformSync(code, { target: 'es5' }).code).toBe(transformSync(code, { target: 'esnext' }).code);
  });

  it('reads the time through Date.now() only, the clock the runtime can move', () => {
    expect(code.match(/Date\.\w+|new Date\(\)/g)).toEqual(['Date.now']);
  });
});
