/**
 * A stand-in for AWS Secrets Manager on 127.0.0.1: answers every `GetSecretValue` (AWS JSON 1.1) with one
 * secret and counts the calls, so the benchmark can prove the SDK really went there (through
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER`) and not to AWS.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SecretsStandIn {
  readonly endpoint: string;
  /** GetSecretValue calls answered so far. */
  hits(): number;
  close(): Promise<void>;
}

export async function startSecretsStandIn(secret: string): Promise<SecretsStandIn> {
  let hits = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const target = req.headers['x-amz-target'];
      if (target !== 'secretsmanager.GetSecretValue') {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: 'InvalidRequestException', message: `unsupported ${String(target)}` }));
        return;
      }
      hits += 1;
      const arn = 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:bench-AbCdEf';
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify({
          ARN: arn,
          Name: 'bench',
          SecretString: secret,
          VersionId: 'v1',
          VersionStages: ['AWSCURRENT'],
          CreatedDate: 1.7e9,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
