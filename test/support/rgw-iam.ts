/**
 * The IAM and STS query APIs of RGW (form POSTs to the S3 endpoint, SigV4-signed with the SDK's own
 * signer), for the calls the S3 client does not make: a role with a permission policy, and its
 * temporary credentials with a session token (what Lambda hands a function).
 */
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface SessionCredentials extends StaticCredentials {
  readonly sessionToken: string;
  readonly expiration: Date;
}

const API_VERSION = { iam: '2010-05-08', sts: '2011-06-15' } as const;

/** One IAM or STS action; returns the XML answer, throws with it on any status but 200. */
export async function callRgwApi(
  endpoint: string,
  credentials: StaticCredentials,
  service: 'iam' | 'sts',
  params: Readonly<Record<string, string>>,
): Promise<string> {
  const url = new URL(endpoint);
  const body = new URLSearchParams({ ...params, Version: API_VERSION[service] }).toString();
  const signer = new SignatureV4({ service, region: 'us-east-1', credentials, sha256: Hash.bind(null, 'sha256') });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    query: {},
    headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const res = await fetch(`${url.origin}/`, { method: 'POST', headers: signed.headers, body });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`RGW ${service} ${params.Action} answered ${res.status}: ${text}`);
  return text;
}

function element(xml: string, name: string): string {
  const value = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
  if (value === undefined) throw new Error(`no <${name}> in ${xml.slice(0, 300)}`);
  return value;
}

/** The Credentials element of a GetSessionToken or AssumeRole answer. */
export function sessionCredentialsFrom(xml: string): SessionCredentials {
  return {
    accessKeyId: element(xml, 'AccessKeyId'),
    secretAccessKey: element(xml, 'SecretAccessKey'),
    sessionToken: element(xml, 'SessionToken'),
    expiration: new Date(element(xml, 'Expiration')),
  };
}

/**
 * Creates `roleName` (assumable by `userId`) with `policyDocument` as its permissions and assumes it:
 * the credentials then have exactly that policy's rights, as a Lambda function's role credentials do.
 */
export async function assumeRoleWithPolicy(
  endpoint: string,
  credentials: StaticCredentials,
  input: { readonly userId: string; readonly roleName: string; readonly policyDocument: unknown; readonly durationSeconds: number },
): Promise<SessionCredentials> {
  const trust = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: [`arn:aws:iam:::user/${input.userId}`] }, Action: ['sts:AssumeRole'] }],
  };
  const { roleName } = input;
  await callRgwApi(endpoint, credentials, 'iam', {
    Action: 'CreateRole',
    RoleName: roleName,
    Path: '/',
    AssumeRolePolicyDocument: JSON.stringify(trust),
  });
  await callRgwApi(endpoint, credentials, 'iam', {
    Action: 'PutRolePolicy',
    RoleName: roleName,
    PolicyName: `${roleName}-permissions`,
    PolicyDocument: JSON.stringify(input.policyDocument),
  });
  const xml = await callRgwApi(endpoint, credentials, 'sts', {
    Action: 'AssumeRole',
    RoleArn: `arn:aws:iam:::role/${roleName}`,
    RoleSessionName: `${roleName}-session`,
    DurationSeconds: String(input.durationSeconds),
  });
  return sessionCredentialsFrom(xml);
}
