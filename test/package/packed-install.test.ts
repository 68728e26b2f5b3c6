import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecretsStandIn } from '../../bench/backends.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';

/**
 * The package as a user gets it: `npm pack`, then `npm install` of the tarball into a fresh
 * TypeScript CDK app that imports it by name and synthesizes offline without credentials, and
 * `npm install -g` of it onto an "XMPP host" where the CLI and the bridge run with plain node.
 * Needs `npm run build` first (npm test runs it).
 */
const ROOT = new URL('../..', import.meta.url).pathname;
const versionOf = (name: string): string =>
  (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

/** The environment with no AWS credentials or profile, and npm reusing its cache. */
const ENV: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('npm_'))),
  AWS_EC2_METADATA_DISABLED: 'true',
  npm_config_prefer_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = ENV): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

async function ok(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = ENV): Promise<string> {
  const result = await run(command, args, cwd, env);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.code}):\n${result.stderr}\n${result.stdout}`);
  return result.stdout;
}

const APP_TS = `import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import { XmppS3Upload } from 'xmpp-s3-upload';

const app = new App();
const stack = new Stack(app, 'ConsumerStack');
const upload = new XmppS3Upload(stack, 'Upload', { domains: ['example.org'], retentionDays: 14 });
// The declarations resolve to real types: a misspelt key is an error, and the bucket is a Bucket.
// @ts-expect-error retentionDay is not a prop
if (process.env.NEVER) new XmppS3Upload(stack, 'Misspelt', { domains: ['example.org'], retentionDay: 14 });
const bucketName: string = upload.bucket.bucketName;
new CfnOutput(stack, 'Endpoint', { value: upload.endpoint });
new CfnOutput(stack, 'Bucket', { value: bucketName });
// cdn mode reads the CloudFront Function's source at synth, from the installed package.
const cdnStack = new Stack(app, 'CdnStack');
const cdn = new XmppS3Upload(cdnStack, 'Upload', { domains: ['example.org'], downloads: 'cdn', safeTypes: ['image/*'] });
new CfnOutput(cdnStack, 'DistributionId', { value: cdn.downloads?.distribution.distributionId ?? 'none' });
{
  // The README's example, line for line (test/docs/readme.test.ts checks it is).
  const stack = new Stack(app, 'ReadmeStack');
  const upload = new XmppS3Upload(stack, 'Upload', { domains: ['example.org'], downloads: 'cdn' });
  new CfnOutput(stack, 'Endpoint', { value: upload.endpoint });
}
app.synth();
`;

/** The README's commands for the XMPP host, run here exactly as written (test/docs/readme.test.ts checks they are). */
const README = {
  installGlobal: 'npm install -g ./xmpp-s3-upload-*.tgz',
  installBridge: '"$(npm root -g)/xmpp-s3-upload/contrib/install-bridge.sh"',
  doctorOutputs: 'xmpp-s3-upload doctor --outputs cdk-outputs.json',
} as const;

let work: string;
let host: string;
let tarball: string;
let app: string;
let hostBin: string;
let hostPackage: string;
let stack: LocalStack;

beforeAll(async () => {
  for (const built of ['dist/index.js', 'dist/index.d.ts', 'dist/bin/cli.js', 'dist/handler/index.mjs']) {
    if (!existsSync(join(ROOT, built))) throw new Error(`${built} is missing: run "npm run build" first`);
  }
  work = mkdtempSync(join(tmpdir(), 'xmpp-s3-upload-pack-'));
  const packed = JSON.parse(await ok('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], ROOT)) as {
    filename: string;
  }[];
  tarball = join(work, packed[0]?.filename ?? '');

  app = join(work, 'app');
  mkdirSync(app);
  const dependencies = Object.fromEntries(
    ['aws-cdk-lib', 'constructs', 'typescript', '@types/node'].map((name) => [name, versionOf(name)]),
  );
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'consumer-app',
      private: true,
      type: 'module',
      dependencies: { 'xmpp-s3-upload': `file:${tarball}`, ...dependencies },
    }),
  );
  writeFileSync(
    join(app, 'tsconfig.json'),
    // skipLibCheck as CDK apps have it (checking aws-cdk-lib's declarations triples the time); the app above
    // proves ours resolve.
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        types: ['node'],
        skipLibCheck: true,
      },
    }),
  );
  writeFileSync(join(app, 'app.ts'), APP_TS);
  host = join(work, 'host');
  [stack] = await Promise.all([
    startLocalStack(),
    ok('npm', ['install', '--ignore-scripts'], app),
    // The README's own line, as an operator types it next to the tarball; the prefix comes from the environment.
    ok('sh', ['-c', README.installGlobal], work, { ...ENV, npm_config_prefix: host }),
  ]);
  hostBin = join(host, 'bin', 'xmpp-s3-upload');
  hostPackage = join(host, 'lib', 'node_modules', 'xmpp-s3-upload');
});

afterAll(async () => {
  await stack?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball in a fresh CDK app', () => {
  it('type-checks against the declarations and synthesizes offline, with neither esbuild nor a lockfile of ours', async () => {
    await ok(process.execPath, [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], app);
    const synth = await run(process.execPath, ['app.js'], app, { ...ENV, CDK_OUTDIR: join(app, 'cdk.out') });

    expect(synth).toMatchObject({ code: 0, stderr: '' });
    expect(existsSync(join(app, 'node_modules', 'esbuild'))).toBe(false);
    const template = JSON.parse(readFileSync(join(app, 'cdk.out', 'ConsumerStack.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({ Runtime: 'nodejs24.x', Handler: 'index.handler', Architectures: ['arm64'] }),
      }),
    ]);
    const cdnTemplate = JSON.parse(readFileSync(join(app, 'cdk.out', 'CdnStack.template.json'), 'utf8')) as typeof template;
    const cdnFunctions = Object.values(cdnTemplate.Resources).filter((r) => r.Type === 'AWS::CloudFront::Function');
    // Both function sources travel in dist/cdn: viewer-response (safeTypes) and viewer-request (the ephemeral purpose).
    expect(cdnFunctions).toEqual([
      expect.objectContaining({ Properties: expect.objectContaining({ FunctionCode: expect.stringContaining('["image/*"]') }) }),
      expect.objectContaining({ Properties: expect.objectContaining({ FunctionCode: expect.stringContaining('"/uploads/ephemeral/"') }) }),
    ]);
    const assets = readdirSync(join(app, 'cdk.out')).filter((name) => name.startsWith('asset.'));
    expect(assets.map((name) => readdirSync(join(app, 'cdk.out', name)))).toEqual([['index.mjs']]);
  });
});

describe('the packed tarball installed globally on an XMPP host', () => {
  it('brings no CDK, no esbuild and no tsx', () => {
    for (const name of ['aws-cdk-lib', 'constructs', 'esbuild', 'tsx'])
      expect(existsSync(join(hostPackage, 'node_modules', name))).toBe(false);
    expect(existsSync(join(hostPackage, 'dist', 'local'))).toBe(false);
  });

  it.each([
    [['--help'], /Commands:[\s\S]*component[\s\S]*doctor/],
    [['component', '--help'], /Usage: xmpp-s3-upload component/],
    [['doctor', '--help'], /Usage: xmpp-s3-upload doctor/],
  ])('runs "xmpp-s3-upload %s" with plain node', async (args, usage) => {
    const result = await run(hostBin, args, work);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(usage);
  });

  it('says that "local" needs a clone instead of crashing', async () => {
    const result = await run(hostBin, ['local'], work);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/"local" runs from a clone of the xmpp-s3-upload repository/);
  });

  it('runs doctor against a running stack', async () => {
    const result = await run(hostBin, ['doctor', '--endpoint', stack.endpoint], work, { ...ENV, UPLOAD_SECRET: stack.secret });

    expect(result.stdout).toContain('doctor: all 8 checks passed');
    expect(result.code).toBe(0);
  });

  it("runs the README's doctor line against a cdk outputs file, reading the secret from Secrets Manager", async () => {
    const secrets = await startSecretsStandIn(stack.secret);
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:XmppS3UploadSlotSecret-abc';
    writeFileSync(join(work, 'cdk-outputs.json'), JSON.stringify({ XmppS3Upload: { SlotEndpoint: stack.endpoint, SlotSecretArn: arn } }));
    try {
      const result = await run('sh', ['-c', README.doctorOutputs], work, {
        ...ENV,
        PATH: `${join(host, 'bin')}:${ENV.PATH ?? ''}`,
        AWS_ACCESS_KEY_ID: 'AKIAOPERATOREXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'operator-secret-access-key',
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      });

      expect(result.stdout).toMatch(/^✓ secret from Secrets Manager\s+read arn:aws:secretsmanager:us-east-1:/m);
      expect(result.stdout).toContain('doctor: all 9 checks passed');
      expect(result.code).toBe(0);
      expect(secrets.hits()).toBe(1);
    } finally {
      await secrets.close();
    }
  });

  it('runs "files" with its AWS SDK clients from the package: no credentials, then AccessDenied, each exit 5', async () => {
    // CloudWatch Logs as an operator without the policy meets it: every call refused.
    const logs = createServer((req, res) => {
      req.resume();
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'AccessDeniedException' });
      res.end(JSON.stringify({ __type: 'AccessDeniedException', message: 'User is not authorized to perform: logs:StartQuery' }));
    });
    await new Promise<void>((resolve) => logs.listen(0, '127.0.0.1', resolve));
    const outputs = {
      XmppS3Upload: {
        BucketName: 'upload-bucket',
        LogGroupName: '/aws/lambda/upload-fn',
        SlotSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:s',
        DistributionId: 'E1ABCDEF',
      },
    };
    writeFileSync(join(work, 'files-outputs.json'), JSON.stringify(outputs));
    const args = ['files', 'list', '--jid', 'alice@example.org', '--outputs', 'files-outputs.json'];
    try {
      const anonymous = await run(hostBin, args, work);
      const denied = await run(hostBin, args, work, {
        ...ENV,
        AWS_ACCESS_KEY_ID: 'AKIAOPERATOREXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'operator-secret-access-key',
        AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: `http://127.0.0.1:${(logs.address() as AddressInfo).port}`,
      });

      expect(anonymous.code).toBe(5);
      expect(anonymous.stderr).toContain('no AWS credentials');
      expect(denied.code).toBe(5);
      expect(denied.stderr).toMatch(
        /querying the ledger in \/aws\/lambda\/upload-fn: access denied \(AccessDeniedException\): attach the managed policy of the stack output OperatorPolicyArn/,
      );
    } finally {
      await new Promise((resolve) => logs.close(resolve));
    }
  });

  it("installs the bridge as a service with the README's line, into a private copy of /etc", async () => {
    // A mount namespace with a copy of /etc: the script creates its user and files there, not on this machine.
    // systemd does not run here, so a stand-in systemctl records what the script asks of it.
    const sandbox = mkdtempSync(join(tmpdir(), 'xmpp-s3-upload-etc-'));
    const stubs = join(sandbox, 'bin');
    mkdirSync(stubs);
    writeFileSync(join(stubs, 'systemctl'), `#!/bin/sh\necho "systemctl $*" >> ${sandbox}/systemctl.log\n`, { mode: 0o755 });
    const script = [
      'set -e',
      `cp -a /etc ${sandbox}/etc`,
      `mount --bind ${sandbox}/etc /etc`,
      README.installBridge,
      "stat -c '%n %a %U %G' /etc/xmpp-s3-upload /etc/xmpp-s3-upload/bridge.conf /etc/xmpp-s3-upload/slot-secret /etc/xmpp-s3-upload/component-secret",
      'getent passwd xmpp-s3-upload | cut -d: -f1,7',
      'systemd-analyze verify /etc/systemd/system/xmpp-s3-upload-bridge.service && echo unit-verified',
    ].join('\n');
    try {
      const result = await run('unshare', ['--mount', 'sh', '-c', script], work, {
        ...ENV,
        npm_config_prefix: host,
        PATH: `${stubs}:${join(host, 'bin')}:${ENV.PATH ?? ''}`,
      });

      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('/etc/xmpp-s3-upload 750 root xmpp-s3-upload');
      expect(result.stdout).toContain('/etc/xmpp-s3-upload/bridge.conf 640 root xmpp-s3-upload');
      expect(result.stdout).toContain('/etc/xmpp-s3-upload/slot-secret 600 xmpp-s3-upload xmpp-s3-upload');
      expect(result.stdout).toContain('/etc/xmpp-s3-upload/component-secret 600 xmpp-s3-upload xmpp-s3-upload');
      expect(result.stdout).toContain('xmpp-s3-upload:/usr/sbin/nologin');
      expect(result.stdout).toContain('unit-verified');
      expect(readFileSync(join(sandbox, 'systemctl.log'), 'utf8')).toBe('systemctl daemon-reload\n');
      expect(existsSync('/etc/xmpp-s3-upload')).toBe(false);
    } finally {
      rmSync(sandbox, { recursive: true, force: true });
    }
  });
});
