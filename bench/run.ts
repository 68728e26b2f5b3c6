/**
 * `npm run bench`: runs every benchmark section, prints figures as they come, writes BENCHMARKS.md from
 * what was measured, and exits non-zero when a section failed. Each section runs in its own try/catch, so
 * one failure keeps the others' figures. Nothing here is a test: timing decides no pass or fail of the run,
 * a missed target is reported, not fatal.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchBridgeSoak } from './bridge-soak.ts';
import { benchColdStart, type ColdStartResult } from './cold-start.ts';
import { benchCost } from './cost.ts';
import { benchDataPath } from './data-path.ts';
import { benchDynamoFaults } from './dynamo-faults.ts';
import { benchEgress } from './egress.ts';
import { benchHttpLoad } from './http-load.ts';
import { consoleSummary, markdown, newSection, type SectionResult } from './report.ts';
import { benchSlotCpu } from './slot-cpu.ts';
import { startXmppEnv, type XmppEnv } from './xmpp-env.ts';
import { benchXmpp } from './xmpp-roundtrip.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLIENTS = 10;

const sections: SectionResult[] = [];

async function section(id: string, title: string, run: (s: SectionResult) => Promise<void>): Promise<void> {
  const s = newSection(id, title);
  sections.push(s);
  console.log(`\n=== ${id}. ${title} ===`);
  const started = performance.now();
  try {
    await run(s);
  } catch (error) {
    s.error = error instanceof Error ? (error.message.split('\n')[0] ?? String(error)) : String(error);
    console.error(`  SECTION FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
  s.durationMs = performance.now() - started;
  console.log(`  (${(s.durationMs / 1000).toFixed(1)} s)`);
}

const startedAt = new Date();
const started = performance.now();
let cold: ColdStartResult | undefined;
let xmpp: XmppEnv | undefined;

await section('1', 'Slot CPU in process', async (s) => {
  await benchSlotCpu(s);
});
await section('2', 'Lambda bundle and cold start', async (s) => {
  cold = await benchColdStart(s);
});
await section('3', 'HTTP endpoint under load (local stack)', async (s) => {
  await benchHttpLoad(s);
});
await section('4', 'Slot round trips through Prosody: bridge vs mod_http_file_share', async (s) => {
  xmpp = await startXmppEnv(CLIENTS);
  await benchXmpp(s, xmpp);
});
await section('5', 'Data path: 50 MiB upload and download', async (s) => {
  xmpp ??= await startXmppEnv(CLIENTS);
  await benchDataPath(s, xmpp);
});
await xmpp?.close().catch((error: unknown) => console.error(`closing Prosody and the bridges failed: ${String(error)}`));
await section('6', 'Cost per million slots', async (s) => {
  if (cold === undefined) throw new Error('needs the warm handler time of section 2, which failed');
  await benchCost(s, { handlerCpuMs: cold.warmQuotaOffMs });
});
await section('7', 'Faults between the slot service and DynamoDB', async (s) => {
  await benchDynamoFaults(s);
});
/** The bridge soak's length; `SOAK_MINUTES=3 npm run bench` for a shorter run. */
const SOAK_MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
await section('8', `Bridge soak: ${SOAK_MINUTES} minutes of mixed traffic with faults`, async (s) => {
  await benchBridgeSoak(s, SOAK_MINUTES);
});
await section('9', 'Download egress: bucket mode (S3) vs cdn mode (CloudFront)', async (s) => {
  await benchEgress(s);
});

const cpu = cpus();
const machine = `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}/${process.arch}`;
writeFileSync(join(ROOT, 'BENCHMARKS.md'), markdown(sections, { startedAt, durationMs: performance.now() - started, machine }));
console.log(consoleSummary(sections));
const failed = sections.filter((s) => s.error !== undefined);
console.log(
  `\nwrote BENCHMARKS.md; ${failed.length === 0 ? 'every section ran' : `${failed.length} section(s) FAILED: ${failed.map((s) => s.id).join(', ')}`}`,
);
// Keep-alive sockets and SDK clients may hold the loop open; the results are written.
process.exit(failed.length === 0 ? 0 : 1);
