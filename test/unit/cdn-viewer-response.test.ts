import { transformSync } from 'esbuild';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CDN_FUNCTIONS, functionSource, MAX_FUNCTION_BYTES, renderFunction, viewerResponseCode } from '../../cdn/function-code.ts';
import { type CfEvent, type CfHeaders, type CfResponse, loadFunction } from '../../cdn/runtime.ts';
import { PROSODY_SAFE_TYPES } from '../../lambda/core/config-downloads.ts';
import { isTypeAllowed } from '../../lambda/core/mime.ts';

/** A viewer-response event as CloudFront passes it (Developer Guide, "Example event object"). */
function event(options: { method?: string; uri?: string; status?: number; headers?: CfHeaders }): CfEvent {
  return {
    version: '1.0',
    context: {
      distributionDomainName: 'd111111abcdef8.cloudfront.net',
      distributionId: 'EDFDVBD6EXAMPLE',
      eventType: 'viewer-response',
      requestId: 'EXAMPLEntjQpEXAMPLE_SG5Z-EXAMPLEPmPfEXAMPLEu3EqEXAMPLE==',
    },
    viewer: { ip: '198.51.100.11' },
    request: {
      method: options.method ?? 'GET',
      uri: options.uri ?? '/uploads/3f0c8a8e-1d0e-4c3b-9b1a-2f6f1b2c3d4e/cat.jpg',
      querystring: {},
      headers: { host: { value: 'd111111abcdef8.cloudfront.net' }, accept: { value: '*/*' } },
      cookies: {},
    },
    response: {
      statusCode: options.status ?? 200,
      statusDescription: 'OK',
      headers: {
        'content-length': { value: '5' },
        etag: { value: '"d41d8cd98f00b204e9800998ecf8427e"' },
        'last-modified': { value: 'Mon, 23 Nov 2026 10:00:00 GMT' },
        'accept-ranges': { value: 'bytes' },
        ...options.headers,
      },
      cookies: {},
    },
  };
}

const run = async (e: CfEvent, safeTypes: readonly string[] = PROSODY_SAFE_TYPES): Promise<CfResponse> =>
  (await loadFunction(viewerResponseCode(safeTypes))(e)) as CfResponse;
const type = (value: string): CfHeaders => ({ 'content-type': { value } });

describe('the viewer-response function', () => {
  it.each([
    ['text/html', 'attachment'],
    ['application/xhtml+xml', 'attachment'],
    ['image/svg+xml', 'inline'],
    ['image/png', 'inline'],
    ['IMAGE/PNG', 'inline'],
    ['video/mp4', 'inline'],
    ['audio/ogg; codecs=opus', 'inline'],
    ['text/plain; charset=utf-8', 'inline'],
    ['text/plainx', 'attachment'],
    ['application/octet-stream', 'attachment'],
    ['binary/octet-stream', 'attachment'],
    ['application/pdf', 'attachment'],
  ])("serves %s as %s with Prosody's safe types", async (contentType, disposition) => {
    const response = await run(event({ headers: type(contentType), uri: '/uploads/u/file.bin' }));

    expect(response.headers['content-disposition']).toEqual({ value: `${disposition}; filename*=UTF-8''file.bin` });
    expect(response.headers['content-type']).toEqual({ value: contentType });
  });

  it('serves a response without a content type as an attachment', async () => {
    const response = await run(event({}));

    expect(response.headers['content-disposition']?.value).toMatch(/^attachment;/);
  });

  it('replaces the Content-Disposition an uploader stored, and strips its encoding and caching headers', async () => {
    const response = await run(
      event({
        headers: {
          ...type('text/html'),
          'content-disposition': { value: 'inline; filename="invoice.html"' },
          'content-encoding': { value: 'gzip' },
          'cache-control': {
            value: 'public, max-age=31536000',
            multiValue: [{ value: 'public, max-age=31536000' }, { value: 'immutable' }],
          },
          expires: { value: 'Fri, 01 Jan 2100 00:00:00 GMT' },
          'content-language': { value: 'de' },
        },
      }),
    );

    expect(Object.keys(response.headers).sort()).toEqual(
      ['accept-ranges', 'content-disposition', 'content-length', 'content-type', 'etag', 'last-modified'].sort(),
    );
    expect(response.headers['content-disposition']?.value).toBe("attachment; filename*=UTF-8''cat.jpg");
    expect(response.statusCode).toBe(200);
  });

  it('sets the disposition on a HEAD and a 206, but not on a 304 or a preflight', async () => {
    const head = await run(event({ method: 'HEAD', headers: type('image/png') }));
    const partial = await run(event({ status: 206, headers: type('text/html') }));
    const notModified = await run(event({ status: 304, headers: { 'cache-control': { value: 'max-age=1' } } }));
    const preflight = await run(event({ method: 'OPTIONS' }));

    expect(head.headers['content-disposition']?.value).toMatch(/^inline;/);
    expect(partial.headers['content-disposition']?.value).toMatch(/^attachment;/);
    expect(notModified.headers['content-disposition']).toBeUndefined();
    expect(notModified.headers['cache-control']).toBeUndefined();
    expect(preflight.headers['content-disposition']).toBeUndefined();
  });

  it.each([
    ['/uploads/u/caf%C3%A9%20(1).txt', "attachment; filename*=UTF-8''caf%C3%A9%20%281%29.txt"],
    ["/uploads/u/it's*.txt", "attachment; filename*=UTF-8''it%27s%2A.txt"],
    ['/uploads/u/%22%3B%20x%3Dy', "attachment; filename*=UTF-8''%22%3B%20x%3Dy"],
    ['/uploads/u/bad%E0%A4%A', 'attachment'],
    ['/uploads/u/', 'attachment'],
  ])('names %s as an RFC 8187 value: %s', async (uri, value) => {
    const response = await run(event({ uri, headers: type('text/html') }));

    expect(response.headers['content-disposition']?.value).toBe(value);
  });

  it('takes the safeTypes it was rendered with; an empty list serves everything as an attachment', async () => {
    const pdf = await run(event({ headers: type('application/pdf') }), ['application/pdf']);
    const png = await run(event({ headers: type('image/png') }), ['application/pdf']);
    const none = await run(event({ headers: type('text/plain') }), []);

    expect(pdf.headers['content-disposition']?.value).toMatch(/^inline;/);
    expect(png.headers['content-disposition']?.value).toMatch(/^attachment;/);
    expect(none.headers['content-disposition']?.value).toMatch(/^attachment;/);
  });

  it('matches types exactly as allowedTypes does (lambda/core/mime.ts)', async () => {
    const token = fc.stringMatching(/^[a-z0-9][a-z0-9.+-]{0,8}$/);
    const mime = fc.tuple(fc.constantFrom('image', 'text', 'video', 'application', 'audio'), token).map(([t, s]) => `${t}/${s}`);
    const entry = fc.oneof(mime, fc.constantFrom('image/*', 'text/*', 'audio/*', 'text/plain'));
    const served = fc.oneof(mime, fc.constantFrom('image/png', 'TEXT/plain; charset=utf-8', 'image/', 'text/plain;x=1'));
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 5 }), served, async (list, contentType) => {
        const response = await run(event({ headers: type(contentType) }), list);
        const inline = response.headers['content-disposition']?.value.startsWith('inline') ?? false;
        expect(inline).toBe(isTypeAllowed(contentType, list));
      }),
      { numRuns: 300 },
    );
  });
});

describe('the function code', () => {
  it("stays within CloudFront Functions' 10 KB with the default list, and refuses to render past it", () => {
    expect(Buffer.byteLength(viewerResponseCode(PROSODY_SAFE_TYPES))).toBeLessThan(MAX_FUNCTION_BYTES / 4);
    const huge = Array.from({ length: 500 }, (_, i) => `application/vnd.example-${i}`);

    expect(() => viewerResponseCode(huge)).toThrow(/more than CloudFront Functions' 10240-byte limit/);
  });

  it('is plain ES5 syntax: nothing for esbuild to lower to ES5', () => {
    const code = viewerResponseCode(PROSODY_SAFE_TYPES);

    expect(transformSync(code, { target: 'es5' }).code).toBe(transformSync(code, { target: 'esnext' }).code);
  });

  it('replaces every placeholder, and refuses a missing value', () => {
    expect(viewerResponseCode(['image/*'])).toContain('var SAFE_TYPES = ["image/*"];');
    expect(viewerResponseCode(['image/*'])).not.toMatch(/__[A-Z_]+__/);
    expect(viewerResponseCode(['image/*'])).not.toMatch(/^\s*\/\//m);
    expect(functionSource('viewer-response')).toContain('__SAFE_TYPES__');
    expect(() => renderFunction('viewer-response', {} as never)).toThrow(/no value for the placeholder __SAFE_TYPES__/);
    expect(CDN_FUNCTIONS['viewer-response'].eventType).toBe('viewer-response');
  });

  it('uses no Node global: it runs in a context that has none', async () => {
    const withRequire = `${viewerResponseCode([])}\nfunction handler() { return require('fs'); }`;

    await expect(loadFunction(withRequire)(event({}))).rejects.toThrow(/require is not defined/);
  });
});
