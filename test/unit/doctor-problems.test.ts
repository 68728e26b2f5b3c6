import { describe, expect, it } from 'vitest';
import { PROBLEMS } from '../../bin/doctor-problems.ts';

const refused = (headers: Record<string, string>) =>
  PROBLEMS.get({ ok: true, status: 403, headers: new Headers(headers), body: new Uint8Array(), ms: 1 });

describe("doctor's download (GET) problems", () => {
  it('blames Block Public Access for a 403 from S3, and points to cdn mode', () => {
    const problem = refused({ 'x-amz-request-id': 'ABC' });

    expect(problem.cause).toMatch(/Block Public Access/);
    expect(problem.fix).toMatch(/downloads=cdn/);
  });

  it.each([
    ['CloudFront', { 'x-amz-cf-id': 'abc==', via: '1.1 d111.cloudfront.net (CloudFront)' }],
    ['the local CDN', { via: '1.1 local-cdn (xmpp-s3-upload)' }],
  ])("blames the distribution's bucket grant for a 403 from %s", (_cdn, headers) => {
    const problem = refused(headers);

    expect(problem.cause).toMatch(/grant for this distribution/);
    expect(problem.cause).not.toMatch(/Block Public Access/);
    expect(problem.fix).toMatch(/get-distribution/);
  });
});
