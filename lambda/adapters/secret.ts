/**
 * The shared secret, read from AWS Secrets Manager once per cold start: never in the
 * template, the environment or a log line.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export async function loadSecret(secretArn: string, region: string): Promise<string> {
  const client = new SecretsManagerClient({ region, maxAttempts: 3 });
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (SecretString === undefined || SecretString.length < 16) throw new Error(`secret ${secretArn} has no usable SecretString`);
    return SecretString;
  } finally {
    client.destroy();
  }
}
