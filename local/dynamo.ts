/**
 * Embedded DynamoDB (dynalite) for the local stack and the tests. Dynalite implements the
 * item API this service uses (GetItem, PutItem/UpdateItem with conditions) but neither
 * transactions nor TTL expiry, which is why the quota store needs neither.
 */

import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { LOCAL_DYNAMO_CREDENTIALS } from '../lambda/adapters/dynamo-client.ts';
import { quotaTableDefinition } from '../lambda/adapters/quota-table.ts';

interface DynaliteServer {
  listen(port: number, host: string, callback: (error?: Error) => void): void;
  close(callback: (error?: Error | null) => void): void;
  closeAllConnections(): void;
  address(): AddressInfo | string | null;
  once(event: 'error', listener: (error: Error) => void): void;
}

type Dynalite = (options: { path?: string; createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => DynaliteServer;

export interface StartDynamoOptions {
  /** LevelDB folder; in memory when absent. */
  readonly dataDir?: string;
  /** 0 or absent: an ephemeral port. */
  readonly port?: number;
  readonly tableName: string;
}

export interface LocalDynamo {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  close(): Promise<void>;
}

export { LOCAL_DYNAMO_CREDENTIALS } from '../lambda/adapters/dynamo-client.ts';

/** Starts dynalite on 127.0.0.1 and creates the quota table (kept if it already exists on disk). */
export async function startDynamo(options: StartDynamoOptions): Promise<LocalDynamo> {
  // Loaded on use: dynalite is a dev dependency, CommonJS, without type declarations.
  const dynalite = createRequire(import.meta.url)('dynalite') as Dynalite;
  const server = dynalite({ path: options.dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', (error) => (error ? reject(error) : resolve()));
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      // Keep-alive sockets of SDK clients would hold close() open otherwise.
      server.closeAllConnections();
    });
  try {
    await createTable(endpoint, options.tableName);
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  return { endpoint, close };
}

/** Creates the quota table (schema: lambda/adapters/quota-table.ts) unless it exists, and waits until it is ACTIVE. */
export async function createTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_DYNAMO_CREDENTIALS });
  try {
    await client.send(new CreateTableCommand(quotaTableDefinition(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  try {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      if (Table?.TableStatus === 'ACTIVE') return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`dynalite table ${tableName} did not become ACTIVE`);
  } finally {
    client.destroy();
  }
}
