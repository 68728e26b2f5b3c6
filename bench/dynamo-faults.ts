/**
 * Faults between the slot service and DynamoDB: the Lambda's own wiring against dynalite through
 * the fault proxy (test/support/dynamo-fault-run.ts), with a share of the connections reset,
 * delayed, blackholed or cut off and every open connection reset twice a second. Reports what was
 * injected, what the requests got, and the accounting checked slot by slot afterwards.
 */
import { pathToFileURL } from 'node:url';
import { type DynamoFaultReport, runDynamoFaults } from '../test/support/dynamo-fault-run.ts';
import { check, newSection, note, record, type SectionResult } from './report.ts';

const RUN = { slots: 3000, concurrency: 32, users: 100, faultShare: 0.3, resetAllEveryMs: 500 } as const;

export async function benchDynamoFaults(section: SectionResult): Promise<DynamoFaultReport> {
  const report = await runDynamoFaults(RUN);
  const injected = report.faultsInjected;
  const faults = injected.reset + injected.delay + injected.blackhole + injected['close-mid-response'];
  record(section, {
    name: 'slot requests',
    value: report.slotsRequested,
    unit: 'requests',
    digits: 0,
    note: `${RUN.concurrency} in flight, ${RUN.users} users`,
  });
  record(section, {
    name: 'faults injected on new connections',
    value: faults,
    unit: 'connections',
    digits: 0,
    note: `of ${faults + injected.pass}`,
  });
  for (const kind of ['reset', 'delay', 'blackhole', 'close-mid-response'] as const) {
    record(section, { name: `  ${kind}`, value: injected[kind], unit: 'connections', digits: 0 });
  }
  record(section, {
    name: 'every open connection reset',
    value: injected.resetAll,
    unit: 'times',
    digits: 0,
    note: `every ${RUN.resetAllEveryMs} ms`,
  });
  record(section, { name: 'slots answered', value: report.slotsAnswered, unit: 'requests', digits: 0 });
  record(section, { name: 'slots granted', value: report.slotsGranted, unit: 'slots', digits: 0 });
  for (const [condition, count] of Object.entries(report.errorsByCondition)) {
    record(section, { name: `refused: ${condition}`, value: count, unit: 'requests', digits: 0 });
  }
  record(section, { name: 'slots granted without being counted', value: report.grantedUncounted, unit: 'slots', digits: 0 });
  record(section, { name: 'global bytes short of the granted bytes', value: report.globalUncountedBytes, unit: 'bytes', digits: 0 });
  record(section, { name: 'slots charged twice', value: report.chargedTwice, unit: 'slots', digits: 0 });
  record(section, {
    name: 'charges left behind by refused requests',
    value: report.chargesLeftBehind,
    unit: 'charges',
    digits: 0,
    note: `global: ${report.globalExtraBytes / 1000} slots' worth; errs strict`,
  });
  record(section, { name: 'slowest answer', value: report.slowestAnswerMs, unit: 'ms', digits: 0 });
  record(section, { name: 'run', value: report.durationMs / 1000, unit: 's' });
  const uncounted = report.grantedUncounted + report.globalUncountedBytes + report.chargedTwice;
  check(section, {
    target: 'with DynamoDB connections failing, no slot is granted uncounted or counted twice',
    measured: String(uncounted),
    pass: uncounted === 0,
  });
  check(section, {
    target: 'with DynamoDB connections failing, every request is answered well inside the Lambda timeout',
    measured: `${report.slotsAnswered}/${report.slotsRequested}, slowest ${report.slowestAnswerMs.toFixed(0)} ms`,
    pass: report.slotsAnswered === report.slotsRequested && report.slowestAnswerMs < 8000,
  });
  note(
    section,
    'Faults are chosen per new connection by a seeded generator (reset, delay 200–1500 ms, blackhole, answer cut off after 0–150 bytes, a quarter each); the SDK client keeps connections alive, as in Lambda, so resetting them all also cuts requests in flight, some after DynamoDB applied them.',
  );
  note(
    section,
    "After the run every granted slot is looked up in its user's item, and the global item's bytes are compared with the granted bytes. Charges left behind come from writes applied whose answer was lost and whose take-back failed too: they count against the quota without a slot, which errs strict.",
  );
  return report;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchDynamoFaults(newSection('7', 'Faults between the slot service and DynamoDB'));
  process.exit(0);
}
