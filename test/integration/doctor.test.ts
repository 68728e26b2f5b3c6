import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runDoctor } from '../../bin/doctor-command.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';

/** `doctor` against the real local stack (strict S3, dynalite) over HTTP, as an operator runs it. */
let open: LocalStack;
let blocked: LocalStack;
let narrowCors: LocalStack;
let cdn: LocalStack;
let dir: string;

beforeAll(async () => {
  [open, blocked, narrowCors, cdn] = await Promise.all([
    startLocalStack(),
    // What S3 does when Block Public Access on the account overrides the bucket's public-read policy.
    startLocalStack({ publicRead: false }),
    startLocalStack({ env: { UPLOAD_CORS_ORIGINS: 'https://chat.example.org' } }),
    startLocalStack({ env: { UPLOAD_DOWNLOADS: 'cdn' } }),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'doctor-test-'));
});

afterAll(async () => {
  await Promise.all([open?.close(), blocked?.close(), narrowCors?.close(), cdn?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.restoreAllMocks();
});

interface Line {
  check: string;
  status: 'pass' | 'fail' | 'skip';
  detail: string;
  cause?: string;
  fix?: string;
}

/** Runs doctor, capturing what it prints. */
async function doctor(argv: string[], env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => void out.push(String(line)));
  vi.spyOn(console, 'error').mockImplementation((line: unknown) => void err.push(String(line)));
  const code = await runDoctor(argv, env);
  vi.restoreAllMocks();
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const targetOf = (stack: LocalStack) => ({ UPLOAD_ENDPOINT: stack.endpoint, UPLOAD_SECRET: stack.secret });
const statusOf = (lines: Line[]) => Object.fromEntries(lines.map((l) => [l.check, l.status]));

describe('xmpp-s3-upload doctor', () => {
  it('passes every check on a working stack, one ✓ line each, and exits 0', async () => {
    const { code, out } = await doctor([], targetOf(open));

    expect(code).toBe(0);
    for (const check of [
      'reachable',
      'secret accepted',
      'service info',
      'probe slot',
      'upload (PUT)',
      'download (GET)',
      'size (HEAD)',
      'CORS',
    ]) {
      expect(out).toMatch(new RegExp(`^✓ ${check.replace(/[()]/g, '\\$&')}\\s`, 'm'));
    }
    expect(out).toContain('doctor: all 8 checks passed');
    expect(out).not.toContain(open.secret);
  });

  it('names S3 Block Public Access when anonymous GETs are refused, skips what needs the download, and exits 4', async () => {
    const { code, out } = await doctor(['--json'], targetOf(blocked));
    const { results } = JSON.parse(out) as { results: Line[] };

    expect(code).toBe(4);
    expect(statusOf(results)).toMatchObject({ 'upload (PUT)': 'pass', 'download (GET)': 'fail', 'size (HEAD)': 'skip', CORS: 'skip' });
    const get = results.find((l) => l.check === 'download (GET)');
    expect(get?.detail).toMatch(/403 AccessDenied/);
    expect(get?.cause).toMatch(/Block Public Access/);
    expect(get?.fix).toMatch(/s3control get-public-access-block/);
    expect(get?.fix).toMatch(/downloads=cdn/);
  });

  it('passes every check in cdn mode, where the GET URL is the CDN and the bucket refuses anonymous reads', async () => {
    const { code, out } = await doctor([], targetOf(cdn));

    expect(out).toContain('doctor: all 8 checks passed');
    expect(code).toBe(0);
  });

  it('explains a wrong secret and runs nothing that needs it', async () => {
    const { code, out } = await doctor([], { UPLOAD_ENDPOINT: open.endpoint, UPLOAD_SECRET: 'not-the-secret-0123456789' });

    expect(code).toBe(4);
    expect(out).toMatch(/^✓ reachable/m);
    expect(out).toMatch(/^✗ secret accepted\s+GET \/v1\/info with the secret: 401/m);
    expect(out).toMatch(/likely cause: the secret is not this endpoint's/);
    expect(out).toMatch(/^- probe slot\s+skipped: needs "secret accepted"/m);
    expect(out).toContain('doctor: 1 of 8 checks failed');
  });

  it('explains an endpoint where nothing listens', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server: Server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const { code, out } = await doctor(['--endpoint', `http://127.0.0.1:${closed}`, '--secret', 'whatever-secret-0123'], {});

    expect(code).toBe(4);
    expect(out).toMatch(/^✗ reachable\s+GET \/healthz: no answer/m);
    expect(out).toMatch(/fix: use the SlotEndpoint output of cdk deploy/);
  });

  it('reports a browser origin the bucket CORS rule does not allow, and passes with --origin of an allowed one', async () => {
    const refused = await doctor(['--origin', 'https://evil.example.net'], targetOf(narrowCors));
    const allowed = await doctor(['--origin', 'https://chat.example.org'], targetOf(narrowCors));

    expect(refused.code).toBe(4);
    expect(refused.out).toMatch(/^✗ CORS\s+preflight of a PUT from https:\/\/evil\.example\.net: 403/m);
    expect(refused.out).toContain(`cdk deploy -c corsOrigins='["https://evil.example.net"]'`);
    expect(allowed.code).toBe(0);
  });

  it('reads the endpoint and the secret ARN from a cdk outputs file, and the secret from Secrets Manager', async () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:XmppS3UploadSlotSecret-abc';
    const requests: string[] = [];
    const secrets = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += String(chunk);
      });
      req.on('end', () => {
        requests.push(`${req.headers['x-amz-target']} ${body}`);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ ARN: arn, Name: 'XmppS3UploadSlotSecret', SecretString: open.secret }));
      });
    });
    await new Promise<void>((resolve) => secrets.listen(0, '127.0.0.1', resolve));
    const file = join(dir, 'outputs.json');
    writeFileSync(file, JSON.stringify({ XmppS3Upload: { SlotEndpoint: open.endpoint, SlotSecretArn: arn, BucketName: 'b' } }));
    // The SDK reads the operator's credentials and the endpoint override from the process environment.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAOPERATOREXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'operator-secret-access-key');
    vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', `http://127.0.0.1:${(secrets.address() as AddressInfo).port}`);
    try {
      const { code, out } = await doctor(['--outputs', file], {});

      expect(code).toBe(0);
      expect(out).toMatch(/^✓ secret from Secrets Manager\s+read arn:aws:secretsmanager:eu-west-1:/m);
      expect(requests).toEqual([`secretsmanager.GetSecretValue ${JSON.stringify({ SecretId: arn })}`]);
    } finally {
      vi.unstubAllEnvs();
      await new Promise((resolve) => secrets.close(resolve));
    }
  });

  it.each([
    [['--outputs', '/nonexistent/outputs.json'], /cannot read the outputs file \/nonexistent\/outputs\.json \(ENOENT\)/],
    [['--outputs', 'two'], /holds the stacks A, B: name one with --stack/],
    [['--outputs', 'two', '--stack', 'C'], /has no stack "C" \(it has: A, B\)/],
    [['--outputs', 'two', '--stack', 'A'], /has no output SlotEndpoint/],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('refuses %j as a usage error with a clear text', async (argv, message) => {
    const file = join(dir, 'two.json');
    writeFileSync(file, JSON.stringify({ A: { BucketName: 'a' }, B: { BucketName: 'b' } }));
    const { code, err } = await doctor(
      argv.map((a) => (a === 'two' ? file : a)),
      {},
    );

    expect(code).toBe(2);
    expect(err).toMatch(message);
  });
});
