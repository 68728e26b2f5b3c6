/**
 * The quota table's schema, in one place: the DynamoDB adapter, the embedded table of the
 * local stack (`local/dynamo.ts`) and the CDK stack all take their names from here, so the
 * three cannot drift apart.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** Partition key (string). The table has no sort key: one item per user, one global item. */
export const QUOTA_PARTITION_KEY = 'pk';

/**
 * TTL attribute: epoch seconds after which DynamoDB may delete the item. Set on every write to
 * the end of the item's last window, so an idle user's item disappears by itself. DynamoDB's
 * expiry is lazy (hours), so the adapter never relies on it for correctness.
 */
export const QUOTA_TTL_ATTRIBUTE = 'expiresAt';

/** Key of a user's item: `user#<bare JID>`. */
export function userItemKey(jid: string): string {
  return `user#${jid}`;
}

/** Key of the one global item. `#` cannot appear in a domain, so no JID collides with it. */
export const GLOBAL_ITEM_KEY = 'global#';

/** The CreateTable input (on-demand, string partition key), as the CDK stack declares it. */
export function quotaTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: QUOTA_PARTITION_KEY, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: QUOTA_PARTITION_KEY, KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  };
}
