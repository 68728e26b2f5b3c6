/**
 * The metric contract between the handler and the stack's dashboard and alarms. The handler's
 * EMF names are imported from the handler itself (`lambda/http/emf.ts`), so a renamed metric
 * cannot leave a graph silently empty.
 *
 * What the handler emits (one EMF object per line, written with `process.stdout.write` so the
 * Lambda runtime adds no prefix that would stop CloudWatch from extracting it):
 * - namespace `XmppS3Upload`; every metric carries the dimension `Service` = `AWS_LAMBDA_FUNCTION_NAME`;
 * - granted slot: `SlotsGranted` = 1 (Count), `BytesGranted` = size (Bytes), dimension set `[["Service"]]`;
 * - refused slot: `SlotsRefused` = 1 (Count) with dimension sets `[["Service"], ["Service", "Condition"]]`,
 *   `Condition` = the `SlotError` condition (`quota-exceeded`, `file-too-large`, …);
 * - each quota-store call: `QuotaStoreLatency` (Milliseconds), dimension set `[["Service"]]`, carried as
 *   one value (or an array, one per call) on the request's own line, not on a line of its own.
 */
export { DIMENSIONS, METRIC_NAMESPACE, METRICS } from '../lambda/http/emf.ts';

/** Function URL metrics in `AWS/Lambda` (dimension `FunctionName`), per the Lambda developer guide. */
export const URL_METRICS = { requests: 'UrlRequestCount', errors4xx: 'Url4xxCount', errors5xx: 'Url5xxCount' } as const;
