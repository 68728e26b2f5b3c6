/** SDK middleware for the quota tests: count the write requests sent, or fail some of them. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);
let next = 0;

/** Counts the write requests the client sends from now on (SDK retries not included). */
export function countWrites(client: DynamoDBClient): { readonly count: number; remove(): void } {
  next += 1;
  const name = `count-writes-${next}`;
  const counter = { count: 0, remove: () => client.middlewareStack.remove(name) };
  client.middlewareStack.add(
    (handler, context) => async (args) => {
      if (WRITES.has(context.commandName ?? '')) counter.count += 1;
      return handler(args);
    },
    { step: 'initialize', name },
  );
  return counter;
}

/** Makes every write to an item whose key starts with `keyPrefix` fail as if the connection dropped. */
export function failWrites(client: DynamoDBClient, keyPrefix: string): { remove(): void } {
  next += 1;
  const name = `fail-writes-${next}`;
  client.middlewareStack.add(
    (handler, context) => async (args) => {
      const key =
        (args.input as { Key?: { pk?: { S?: string } }; Item?: { pk?: { S?: string } } }).Key ??
        (args.input as { Item?: { pk?: { S?: string } } }).Item;
      if (WRITES.has(context.commandName ?? '') && key?.pk?.S?.startsWith(keyPrefix)) {
        throw Object.assign(new Error('socket hang up'), { name: 'ECONNRESET' });
      }
      return handler(args);
    },
    { step: 'initialize', name },
  );
  return { remove: () => client.middlewareStack.remove(name) };
}
