/**
 * The README as a new user meets it: its shape (operator first, at most 300 lines), and every
 * command in its shell blocks either run here exactly as written — on a fresh clone of this
 * repository — or run verbatim by the test named for it. A command added to the README without
 * a test fails here.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The order issue #10 set: what and why, then what an operator does, in the order they do it. */
const SECTIONS = [
  'Quick start',
  'Deploy',
  'Connect your XMPP server',
  'Verify',
  'Operate',
  'Cost',
  'Security and limitations',
  'Troubleshooting',
  'Links',
];

/** Every command of the README's `sh` blocks: continuation lines joined, comments and blank lines dropped. */
function readmeCommands(markdown: string): string[] {
  const commands: string[] = [];
  for (const block of markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    let pending = '';
    for (const raw of (block[1] ?? '').split('\n')) {
      const line = raw.replace(/\s+#\s.*$/, '').trim();
      if (line === '' || line.startsWith('#')) continue;
      pending = pending === '' ? line : `${pending} ${line}`;
      if (pending.endsWith('\\')) pending = pending.slice(0, -1).trimEnd();
      else {
        commands.push(pending);
        pending = '';
      }
    }
  }
  return commands;
}

/** Commands this file runs on a fresh clone, exactly as written (the clone's URL is this repository). */
const RUN_HERE = [
  'git clone <repository URL> xmpp-s3-upload && cd xmpp-s3-upload',
  'npm start',
  'npm run cli -- upload README.md --jid alice@localhost',
  'npm run cli -- doctor',
  'npm install',
];
/** Commands another test runs verbatim: the file must contain the command's text. */
const RUN_BY: Record<string, string> = {
  'npm install -g ./xmpp-s3-upload-*.tgz': 'test/package/packed-install.test.ts',
  '"$(npm root -g)/xmpp-s3-upload/contrib/install-bridge.sh"': 'test/package/packed-install.test.ts',
  'xmpp-s3-upload doctor --outputs cdk-outputs.json': 'test/package/packed-install.test.ts',
  'npm test': '.ci/run',
};
/**
 * Commands that need what this machine has not: an AWS account (their offline part, `cdk synth` with
 * the same context, runs here) or a running systemd (the unit is verified by the install test).
 */
const NEEDS_AWS = /^npx cdk (bootstrap|deploy)\b/;
const NEEDS_SYSTEMD = /^systemctl enable --now xmpp-s3-upload-bridge$/;

describe('README.md', () => {
  it('is at most 300 lines', () => {
    expect(README.split('\n').length).toBeLessThanOrEqual(300);
  });

  it('has the operator sections in order, after what it is and a diagram', () => {
    const headings = [...README.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual(SECTIONS);
    expect(README.indexOf('```mermaid')).toBeLessThan(README.indexOf('## Quick start'));
  });

  it('has no command that is neither run here nor by a named test', () => {
    const unexercised = readmeCommands(README).filter(
      (command) => !RUN_HERE.includes(command) && !(command in RUN_BY) && !NEEDS_AWS.test(command) && !NEEDS_SYSTEMD.test(command),
    );
    expect(unexercised).toEqual([]);
    for (const [command, file] of Object.entries(RUN_BY)) expect(readFileSync(join(ROOT, file), 'utf8'), file).toContain(command);
  });

  it('shows only TypeScript that the packed-install test compiles and synthesizes, line for line', () => {
    const app = readFileSync(join(ROOT, 'test/package/packed-install.test.ts'), 'utf8');
    const lines = [...README.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].flatMap((m) => (m[1] ?? '').split('\n').filter((l) => l.trim() !== ''));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((line) => !app.includes(line))).toEqual([]);
  });

  it('splits commands as a shell reads them (the check above can fail)', () => {
    const sample = '```sh\nnpm a   # note\n# only a comment\nnpx b \\\n  --c d\n```\n```ts\nnot(a, command)\n```\n';
    expect(readmeCommands(sample)).toEqual(['npm a', 'npx b --c d']);
  });
});

interface Run {
  readonly code: number;
  readonly out: string;
}

function sh(command: string, cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    execFile('sh', ['-c', command], { cwd, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, out: `${stdout}${stderr}` }),
    );
  });
}

describe('the README on a fresh clone', () => {
  let parent: string;
  let clone: string;
  let started: ChildProcess | undefined;
  let startLog = '';

  beforeAll(async () => {
    parent = mkdtempSync(join(tmpdir(), 'xmpp-s3-upload-readme-'));
    const cloned = await sh(RUN_HERE[0]?.replace('<repository URL>', ROOT).replace(/ && cd .*$/, '') ?? '', parent);
    if (cloned.code !== 0) throw new Error(`git clone failed: ${cloned.out}`);
    clone = join(parent, 'xmpp-s3-upload');
    // The dependencies as `npm install` left them here, linked rather than downloaded again; marked
    // newer than the clone's lockfile, as a finished install leaves them.
    const linked = await sh(`cp -al '${join(ROOT, 'node_modules')}' node_modules`, clone);
    if (linked.code !== 0) throw new Error(`cannot link node_modules: ${linked.out}`);
    const marker = join(clone, 'node_modules', '.package-lock.json');
    if (existsSync(marker)) utimesSync(marker, new Date(), new Date());
    // `npm start` on any free port: the commands below find it through .local-data, as on 5050.
    started = spawn('sh', ['-c', 'npm start'], { cwd: clone, env: { ...process.env, PORT: '0' }, detached: true });
    started.stdout?.on('data', (chunk: Buffer) => {
      startLog += String(chunk);
    });
    started.stderr?.on('data', (chunk: Buffer) => {
      startLog += String(chunk);
    });
    const deadline = Date.now() + 120_000;
    while (!startLog.includes('Stop with Ctrl-C.')) {
      if (Date.now() > deadline || started.exitCode !== null) throw new Error(`npm start did not come up:\n${startLog}`);
      await new Promise((wait) => setTimeout(wait, 200));
    }
  }, 180_000);

  afterAll(async () => {
    if (started?.pid !== undefined && started.exitCode === null) {
      const exited = new Promise((done) => started?.once('exit', done));
      process.kill(-started.pid, 'SIGTERM');
      await exited;
    }
    if (parent !== undefined) rmSync(parent, { recursive: true, force: true });
  });

  it('"npm start" prints its endpoint, its secret and the commands to try', () => {
    expect(startLog).toMatch(/slot endpoint {2}http:\/\/127\.0\.0\.1:\d+/);
    expect(startLog).toContain('npm run cli -- upload README.md --jid alice@localhost');
    expect(startLog).toContain('npm run cli -- doctor');
  });

  it('uploads README.md through a slot and finds it at its GET URL', async () => {
    const result = await sh('npm run cli -- upload README.md --jid alice@localhost', clone);

    expect(result.out).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\S+\/README\.md$/m);
    expect(result.code).toBe(0);
  });

  it('passes every doctor check against the local stack', async () => {
    const result = await sh('npm run cli -- doctor', clone);

    expect(result.out).toMatch(/doctor: all \d+ checks passed/);
    expect(result.code).toBe(0);
  });

  it("runs the deploy section offline as far as it goes: npm install, then cdk synth with the deploy line's context", async () => {
    const deploy = readmeCommands(README).find((command) => command.startsWith('npx cdk deploy'));
    expect(deploy).toBeDefined();
    const synth = (deploy ?? '').replace('npx cdk deploy', 'npx cdk synth --quiet').replace(/ --outputs-file \S+/, '');
    const env = Object.fromEntries(
      Object.keys(process.env)
        .filter((name) => name.startsWith('AWS_'))
        .map((name) => [name, '']),
    );

    const install = await sh('npm install', clone, {
      npm_config_prefer_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
    });
    const synthesized = await sh(synth, clone, env);

    expect(install.code, install.out).toBe(0);
    expect(synthesized.out).not.toMatch(/\bwarn(ing)?\b/i);
    expect(synthesized.code, synthesized.out).toBe(0);
  }, 180_000);
});
