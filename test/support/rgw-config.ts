/**
 * The ceph.conf of the test RGW: one mon, one memstore OSD and one radosgw, every listener on
 * 127.0.0.1 and every file under one folder. The values are the ones measured to bring an empty
 * folder to a serving RGW in about 2.5 s (docs/development.md, "Ceph RGW").
 */

export interface RgwConfigInput {
  readonly dir: string;
  readonly fsid: string;
  readonly monPort: number;
  readonly rgwPort: number;
  /** `rgw lc debug interval`: the length of a lifecycle "day" in seconds; absent = real days. */
  readonly lifecycleDaySeconds?: number | undefined;
  /** `rgw sts key` (16 characters) turns STS on; absent = off. */
  readonly stsKey?: string | undefined;
  /** Cap of the OSD's RAM store. */
  readonly memstoreBytes: number;
}

/** The client name radosgw runs as. */
export const RGW_NAME = 'client.rgw.a';

export function renderCephConf(input: RgwConfigInput): string {
  const { dir } = input;
  const global = [
    `fsid = ${input.fsid}`,
    `mon host = v2:127.0.0.1:${input.monPort}`,
    'public addr = 127.0.0.1',
    'cluster addr = 127.0.0.1',
    'ms bind msgr1 = false',
    'ms bind ipv6 = false',
    `keyring = ${dir}/keyring`,
    `run dir = ${dir}/run`,
    `pid file = ${dir}/run/$name.pid`,
    `admin socket = ${dir}/run/$name.asok`,
    `log file = ${dir}/log/$name.log`,
    `mon data = ${dir}/mon/$name`,
    `osd data = ${dir}/osd/$name`,
    'osd objectstore = memstore',
    `memstore device bytes = ${input.memstoreBytes}`,
    // One OSD: one copy, and few placement groups (with the default 32 it has room for only 7
    // pools, and RGW alone creates 6).
    'osd pool default size = 1',
    'osd pool default min size = 1',
    'osd pool default pg num = 8',
    'osd pool default pgp num = 8',
    'osd pool default pg autoscale mode = off',
    'osd crush chooseleaf type = 0',
    'mon warn on pool no redundancy = false',
    // Paxos' default pacing makes the start-up take 16 s instead of 2.5 s.
    'paxos propose interval = 0.05',
    'paxos min wait = 0.01',
  ];
  const rgw = [`rgw frontends = beast endpoint=127.0.0.1:${input.rgwPort}`, `rgw data = ${dir}/rgw/$name`];
  if (input.lifecycleDaySeconds !== undefined) rgw.push(`rgw lc debug interval = ${input.lifecycleDaySeconds}`);
  if (input.stsKey !== undefined) rgw.push('rgw s3 auth use sts = true', `rgw sts key = ${input.stsKey}`);
  return `[global]\n${global.join('\n')}\n\n[${RGW_NAME}]\n${rgw.join('\n')}\n`;
}
