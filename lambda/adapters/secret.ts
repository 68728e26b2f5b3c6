/**
 * The shared secret, read from AWS Secrets Manager once per cold start: never in the
 * template, the environment or a log line. Both the current version (`AWSCURRENT`) and the
 * previous one (`AWSPREVIOUS`) are read, so a rotation has no moment in which the bridge's value
 * is refused (docs/operations.md, "Rotate the secret"). The load is bounded in time: a Secrets
 * Manager that does not answer must leave the cold start room to answer 503, not run into the
 * Lambda timeout.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** The versions of the shared secret the endpoint accepts. */
export interface SlotSecrets {
  readonly current: string;
  /** Absent until the secret has been rotated once (or when that version is unusable). */
  readonly previous: string | undefined;
}

/** The whole load, both versions and the SDK's retries included: a third of the 10 s Lambda timeout. */
export const SECRET_LOAD_BUDGET_MS = 3000;
/** Shorter than the endpoint's check (16), so no value the routes would refuse gets through. */
const MIN_SECRET_LENGTH = 16;

/** Reads both versions of the secret. @throws when the current one cannot be read within the budget. */
export async function loadSecrets(secretArn: string, region: string, budgetMs = SECRET_LOAD_BUDGET_MS): Promise<SlotSecrets> {
  return withClient(region, budgetMs, async (read) => {
    const [current, previous] = await Promise.all([
      read(secretArn, 'AWSCURRENT'),
      // A secret that was never rotated has no AWSPREVIOUS: Secrets Manager answers ResourceNotFoundException.
      read(secretArn, 'AWSPREVIOUS').catch((error: unknown) => {
        if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
        throw error;
      }),
    ]);
    return {
      current: usable(secretArn, current),
      previous: previous !== undefined && previous.length >= MIN_SECRET_LENGTH ? previous : undefined,
    };
  });
}

/** Reads the current version only (what an operator command needs), under the same bound. */
export async function loadSecret(secretArn: string, region: string, budgetMs = SECRET_LOAD_BUDGET_MS): Promise<string> {
  return withClient(region, budgetMs, async (read) => usable(secretArn, await read(secretArn, 'AWSCURRENT')));
}

type Read = (secretArn: string, stage: 'AWSCURRENT' | 'AWSPREVIOUS') => Promise<string | undefined>;

function usable(secretArn: string, value: string | undefined): string {
  if (value === undefined || value.length < MIN_SECRET_LENGTH) throw new Error(`secret ${secretArn} has no usable SecretString`);
  return value;
}

async function withClient<T>(region: string, budgetMs: number, use: (read: Read) => Promise<T>): Promise<T> {
  const client = new SecretsManagerClient({
    region,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 1000, requestTimeout: Math.ceil(budgetMs / 2), throwOnRequestTimeout: true },
  });
  const abortSignal = AbortSignal.timeout(budgetMs);
  const read: Read = async (secretArn, stage) => {
    // Without a stage Secrets Manager answers AWSCURRENT.
    const command = new GetSecretValueCommand({ SecretId: secretArn, ...(stage === 'AWSCURRENT' ? {} : { VersionStage: stage }) });
    const { SecretString } = await client.send(command, { abortSignal });
    return SecretString;
  };
  try {
    return await use(read);
  } catch (error) {
    if (abortSignal.aborted) throw new Error(`Secrets Manager did not answer within ${budgetMs} ms`, { cause: error });
    throw error;
  } finally {
    client.destroy();
  }
}
