/**
 * A real, independent S3 implementation for the tests: Ceph's RADOS Gateway from Debian's packages,
 * with one mon and one memstore OSD, on 127.0.0.1 with free ports and all state in a temporary folder.
 * One per test process at most; start it once per file in `beforeAll`, close it in `afterAll`. It
 * throws (never skips) when Ceph is missing and cannot be installed, or when a daemon does not start.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { freePort, waitFor } from '../e2e/support/run-dir.ts';
import { RGW_NAME, renderCephConf } from './rgw-config.ts';
import { type Daemon, killDaemonsNow, spawnDaemon, stopDaemons } from './rgw-daemons.ts';
import { assumeRoleWithPolicy, type SessionCredentials, type StaticCredentials } from './rgw-iam.ts';
import { ensureCeph } from './rgw-install.ts';

const run = promisify(execFile);

/** RGW signs and checks SigV4 with any region; the tests use this one. */
export const RGW_REGION = 'us-east-1';
const USER_ID = 'xmpp-s3-upload-test';
const START_TIMEOUT_MS = 60_000;

export interface RgwOptions {
  /** Seconds of a lifecycle "day" (`rgw lc debug interval`); absent: real days. */
  readonly lifecycleDaySeconds?: number;
  /** Turns on STS, so {@link Rgw.assumeRole} hands out temporary credentials. */
  readonly sts?: boolean;
  /** RAM cap of the object store. @default 256 MiB */
  readonly memstoreBytes?: number;
}

export interface Rgw {
  /** `http://127.0.0.1:<port>`; buckets path-style at `<endpoint>/<bucket>`. */
  readonly endpoint: string;
  readonly region: string;
  /** The static keys of the one user, who owns every bucket. */
  readonly credentials: StaticCredentials;
  /** An S3 client of the user (path style, no flexible checksums). */
  client(credentials?: StaticCredentials | SessionCredentials): S3Client;
  /**
   * Creates a role with `policyDocument` as its permissions and returns its temporary credentials
   * (STS AssumeRole, with a session token), as Lambda hands them to a function; needs `sts`.
   */
  assumeRole(roleName: string, policyDocument: unknown, durationSeconds?: number): Promise<SessionCredentials>;
  /** Stops the daemons it started (by PID) and deletes the folder. */
  close(): Promise<void>;
}

let current: Rgw | undefined;

async function cli(dir: string, command: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run(command, ['-c', join(dir, 'ceph.conf'), ...args], { timeout: 30_000 });
    return stdout;
  } catch (error) {
    const out = error as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${out.stderr || out.message}`);
  }
}

async function writeKeyring(dir: string): Promise<void> {
  const keyring = join(dir, 'keyring');
  const tool = (args: string[]) => run('ceph-authtool', [keyring, ...args]);
  await tool(['--create-keyring', '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']);
  await tool(['--gen-key', '-n', 'client.admin', '--cap', 'mon', 'allow *', '--cap', 'osd', 'allow *', '--cap', 'mgr', 'allow *']);
  await tool(['--gen-key', '-n', 'osd.0', '--cap', 'mon', 'allow profile osd', '--cap', 'osd', 'allow *']);
  await tool(['--gen-key', '-n', RGW_NAME, '--cap', 'mon', 'allow rw', '--cap', 'osd', 'allow rwx']);
}

async function tail(file: string): Promise<string> {
  return (await readFile(file, 'utf8').catch(() => '')).slice(-3000);
}

/** Starts mon, OSD and radosgw and creates the user; see {@link Rgw}. */
export async function startRgw(options: RgwOptions = {}): Promise<Rgw> {
  if (current !== undefined) throw new Error('an RGW is already running in this test process: reuse it or close it first');
  ensureCeph();
  const dir = await mkdtemp(join(tmpdir(), 'xmpp-s3-upload-rgw-'));
  const daemons: Daemon[] = [];
  const onExit = () => killDaemonsNow(daemons);
  process.once('exit', onExit);
  const close = async () => {
    await stopDaemons(daemons);
    process.removeListener('exit', onExit);
    await rm(dir, { recursive: true, force: true });
    current = undefined;
  };
  try {
    const fsid = randomUUID();
    const [monPort, rgwPort] = [await freePort(), await freePort()];
    for (const sub of ['run', 'log', 'mon', 'osd/osd.0', `rgw/${RGW_NAME}`]) await mkdir(join(dir, sub), { recursive: true });
    const stsKey = options.sts === true ? randomBytes(8).toString('hex') : undefined;
    const conf = renderCephConf({
      dir,
      fsid,
      monPort,
      rgwPort,
      stsKey,
      memstoreBytes: options.memstoreBytes ?? 256 * 1024 ** 2,
      lifecycleDaySeconds: options.lifecycleDaySeconds,
    });
    await writeFile(join(dir, 'ceph.conf'), conf);
    await writeKeyring(dir);
    await run('monmaptool', ['--create', '--fsid', fsid, '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, join(dir, 'monmap')]);
    await cli(dir, 'ceph-mon', ['--mkfs', '-i', 'a', '--monmap', join(dir, 'monmap'), '--keyring', join(dir, 'keyring')]);
    daemons.push(spawnDaemon('ceph-mon', join(dir, 'log', 'mon.a.log'), ['-c', join(dir, 'ceph.conf'), '-f', '-i', 'a']));
    const osdUuid = randomUUID();
    await cli(dir, 'ceph', ['--connect-timeout', '20', 'osd', 'new', osdUuid, '0']);
    await cli(dir, 'ceph-osd', ['-i', '0', '--mkfs', '--osd-uuid', osdUuid]);
    daemons.push(spawnDaemon('ceph-osd', join(dir, 'log', 'osd.0.log'), ['-c', join(dir, 'ceph.conf'), '-f', '-i', '0']));
    daemons.push(spawnDaemon('radosgw', join(dir, 'log', `${RGW_NAME}.log`), ['-c', join(dir, 'ceph.conf'), '-f', '-n', RGW_NAME]));
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    await waitFor(
      `radosgw on ${endpoint}`,
      async () => {
        const dead = daemons.find((d) => d.process.exitCode !== null || d.process.signalCode !== null);
        if (dead) throw new Error(`${dead.name} exited: ${dead.output()}\n${await tail(dead.logFile)}`);
        return fetch(endpoint).then(
          () => true,
          () => false,
        );
      },
      START_TIMEOUT_MS,
      50,
    );
    const credentials = {
      accessKeyId: `AK${randomBytes(9).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(20).toString('base64url'),
    };
    await cli(dir, 'radosgw-admin', [
      'user',
      'create',
      `--uid=${USER_ID}`,
      '--display-name=xmpp-s3-upload tests',
      `--access-key=${credentials.accessKeyId}`,
      `--secret-key=${credentials.secretAccessKey}`,
    ]);
    // Roles and their policies are made through RGW's IAM API, which needs these capabilities.
    if (stsKey !== undefined) await cli(dir, 'radosgw-admin', ['caps', 'add', `--uid=${USER_ID}`, '--caps=user-policy=*;roles=*']);
    const rgw: Rgw = {
      endpoint,
      region: RGW_REGION,
      credentials,
      client: (creds = credentials) =>
        new S3Client({
          region: RGW_REGION,
          endpoint,
          forcePathStyle: true,
          credentials: creds,
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
          maxAttempts: 1,
        }),
      async assumeRole(roleName, policyDocument, durationSeconds = 900) {
        if (stsKey === undefined) throw new Error('startRgw({ sts: true }) is needed for role credentials');
        return assumeRoleWithPolicy(endpoint, credentials, { userId: USER_ID, roleName, policyDocument, durationSeconds });
      },
      close,
    };
    current = rgw;
    return rgw;
  } catch (error) {
    await close();
    throw error;
  }
}
