/**
 * The shipped systemd unit, its example configuration and its install script: systemd's own checks
 * (`systemd-analyze verify`, and `security` for the hardening), and the example read by the bridge's parser.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigFile, resolveBridgeSettings } from '../../component/bridge-config.ts';

const CONTRIB = resolve(import.meta.dirname, '../../contrib');
const UNIT = resolve(CONTRIB, 'xmpp-s3-upload-bridge.service');
const unit = readFileSync(UNIT, 'utf8');

/** Runs systemd-analyze; fails loudly when it is missing (Debian's systemd package has it). */
function analyze(...args: string[]) {
  const run = spawnSync('systemd-analyze', args, { encoding: 'utf8' });
  if (run.error) throw new Error(`systemd-analyze is missing (apt-get install -y systemd): ${run.error.message}`);
  return run;
}

describe('contrib/xmpp-s3-upload-bridge.service', () => {
  it('passes systemd-analyze verify without a warning', () => {
    const run = analyze('verify', UNIT);
    expect({ status: run.status, stderr: run.stderr.trim() }).toEqual({ status: 0, stderr: '' });
  });

  it('is hardened: systemd-analyze security rates its exposure 2.0 or less ("OK")', () => {
    const { stdout } = analyze('security', '--offline=yes', UNIT);
    const level = Number(/Overall exposure level for [^:]+: ([\d.]+)/.exec(stdout)?.[1]);
    expect(level).toBeLessThanOrEqual(2);
  });

  it('runs as its own user from the config file, and reloads with SIGHUP', () => {
    expect(unit).toMatch(/^User=xmpp-s3-upload$/m);
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/env xmpp-s3-upload component --config \/etc\/xmpp-s3-upload\/bridge\.conf$/m);
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    expect(unit).not.toMatch(/^Environment=.*SECRET=/m);
  });
});

describe('contrib/bridge.conf.example', () => {
  it('is a config the bridge accepts, with both secrets in the installed files', () => {
    const { values, problems } = parseConfigFile(readFileSync(resolve(CONTRIB, 'bridge.conf.example'), 'utf8'), 'bridge.conf');
    expect(problems).toEqual([]);
    expect(resolveBridgeSettings({}, {}, values)).toMatchObject({
      settings: {
        secret: { kind: 'file', path: '/etc/xmpp-s3-upload/slot-secret' },
        componentSecret: { kind: 'file', path: '/etc/xmpp-s3-upload/component-secret' },
      },
    });
  });
});

describe('contrib/install-bridge.sh', () => {
  it('is valid sh and installs the unit under the name the docs use', () => {
    execFileSync('sh', ['-n', resolve(CONTRIB, 'install-bridge.sh')]);
    expect(readFileSync(resolve(CONTRIB, 'install-bridge.sh'), 'utf8')).toContain('/etc/systemd/system/xmpp-s3-upload-bridge.service');
  });
});
