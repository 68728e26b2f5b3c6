/**
 * The likely cause and the fix of each way a `doctor` check fails, chosen from what the
 * endpoint or S3 answered. Kept apart from the checks so the wording reads as one table.
 */
import { type Answer, s3ErrorCode, text } from './doctor-http.ts';

export interface Problem {
  readonly cause: string;
  readonly fix: string;
}

const LOGS = "read the slot Lambda's log group (aws logs tail /aws/lambda/<FunctionName> --since 10m)";
const status = (answer: Answer): number => (answer.ok ? answer.status : 0);

export const PROBLEMS = {
  healthz(answer: Answer): Problem {
    if (!answer.ok) {
      return {
        cause: 'nothing answers there: a wrong endpoint URL, a stack that is not deployed, or (locally) no "npm start" running',
        fix: 'use the SlotEndpoint output of cdk deploy (or --outputs FILE from cdk deploy --outputs-file FILE); locally, start npm start',
      };
    }
    if (answer.status === 403) {
      return {
        cause:
          'the Function URL refuses anonymous calls: its auth type is not NONE, or its policy lacks lambda:InvokeFunctionUrl and lambda:InvokeFunction',
        fix: 'redeploy with cdk deploy (the construct sets auth NONE and both permissions); the slot service checks the secret itself',
      };
    }
    if (answer.status === 503 || answer.status === 502) {
      return {
        cause: 'the Lambda cannot start: it cannot read its secret from Secrets Manager, or its configuration is invalid',
        fix: `${LOGS}; redeploy with cdk deploy if the secret or a permission was changed by hand`,
      };
    }
    return { cause: 'this URL is not an xmpp-s3-upload slot endpoint', fix: 'use the SlotEndpoint output of cdk deploy' };
  },
  secret: {
    cause: "the secret is not this endpoint's: a typo, another stack's, or rotated twice since you read it",
    fix: 'read it again: aws secretsmanager get-secret-value --secret-id <SlotSecretArn> --query SecretString --output text, or use --outputs FILE',
  },
  info: {
    cause: 'the endpoint answered, but not with the /v1/info of xmpp-s3-upload (another service, or another version)',
    fix: 'check the endpoint URL; deploy this version with cdk deploy',
  },
  slot(answer: Answer, jid: string): Problem {
    switch (status(answer)) {
      case 403:
        return { cause: `${jid} may not upload (access)`, fix: 'pass --jid with a JID of a served domain that access allows' };
      case 429:
        return {
          cause: `${jid} is over its daily quota, or the global quota is used up`,
          fix: 'pass --jid with another JID, or wait for the retry time',
        };
      case 503:
        return { cause: 'the quota table does not answer (DynamoDB throttling, or a role without its item actions)', fix: LOGS };
      case 0:
        return { cause: 'the endpoint stopped answering', fix: 'run doctor again; if it persists, check the endpoint' };
      default:
        return { cause: 'the service refused the probe slot or failed', fix: `${LOGS}; the line above shows the service's answer` };
    }
  },
  put(answer: Answer): Problem {
    if (!answer.ok)
      return {
        cause: `the PUT URL's host does not answer from here (${answer.reason})`,
        fix: 'check the network path to S3 from this machine',
      };
    const code = s3ErrorCode(answer);
    if (code === 'SignatureDoesNotMatch') {
      return {
        cause: 'S3 refused the signature: a proxy changed the request, or the signed headers differ from the ones sent',
        fix: "PUT with exactly the slot's headers and no proxy rewriting them; redeploy with cdk deploy if the Lambda was changed",
      };
    }
    if (code === 'AccessDenied' && /expired/i.test(text(answer, 2000))) {
      return {
        cause: 'the PUT URL expired before it was used: the clock of the Lambda or of this machine is off',
        fix: "sync this machine's clock (timedatectl)",
      };
    }
    if (code === 'AccessDenied') {
      return {
        cause: 'the Lambda role may not write there (s3:PutObject on the upload prefix), or a bucket policy or SCP denies it',
        fix: "redeploy with cdk deploy; ask the account's administrator about SCPs that deny s3:PutObject",
      };
    }
    if (code === 'AccessControlListNotSupported') {
      return {
        cause: 'objectAcl is public-read but the bucket has ACLs disabled',
        fix: 'unset objectAcl (the bucket policy makes the prefix public) and cdk deploy',
      };
    }
    return { cause: `S3 refused the upload (${code || answer.status})`, fix: `${LOGS}; compare with the PUT an XMPP client sends` };
  },
  get(answer: Answer): Problem {
    if (!answer.ok)
      return { cause: `the GET URL's host does not answer (${answer.reason})`, fix: 'check publicBaseUrl (its DNS name and certificate)' };
    // cdn mode: CloudFront answers (the local CDN too); the bucket is private on purpose.
    const viaCdn = answer.headers.has('x-amz-cf-id') || /cloudfront|local-cdn/i.test(answer.headers.get('via') ?? '');
    if (answer.status === 403 && viaCdn) {
      return {
        cause:
          'the CDN may not read the file: the bucket policy lacks the grant for this distribution (s3:GetObject on the upload prefix), ' +
          'or the distribution is still deploying',
        fix: 'wait until aws cloudfront get-distribution --id <DistributionId> says Deployed, then cdk deploy again (docs/downloads.md)',
      };
    }
    if (answer.status === 403) {
      return {
        cause:
          'anonymous GETs are refused: S3 Block Public Access (set on the account, by the organisation, or on the bucket) ' +
          'overrides the bucket policy that makes the upload prefix public, so every shared file answers 403',
        fix:
          'aws s3control get-public-access-block --account-id <account>: BlockPublicPolicy and RestrictPublicBuckets must be off ' +
          'where the bucket is; if the organisation requires them on, deploy with -c downloads=cdn (a private bucket behind CloudFront, docs/downloads.md)',
      };
    }
    if (answer.status === 404) {
      return {
        cause: 'the GET URL does not lead to the stored object: publicBaseUrl (or its CDN origin) points elsewhere',
        fix: 'check publicBaseUrl',
      };
    }
    return {
      cause: `the GET URL answered ${answer.status} (${s3ErrorCode(answer) || 'no S3 error code'})`,
      fix: 'check publicBaseUrl and the CDN in front of the bucket',
    };
  },
  otherBytes: {
    cause: 'the GET URL serves other content: a CDN cache, or publicBaseUrl pointing at another bucket',
    fix: "check publicBaseUrl and the CDN's origin",
  },
  head: {
    cause: 'HEAD does not report the stored size (a CDN or proxy in front answers HEAD differently); some clients check the size with HEAD',
    fix: 'let HEAD through to S3 unchanged',
  },
  cors(origin: string): Problem {
    return {
      cause: `the bucket's CORS rule does not allow ${origin}: web clients (Converse.js, Movim) cannot upload from there`,
      fix: `add the origin: cdk deploy -c corsOrigins='["${origin}"]' (or "*"); pass --origin to check another one`,
    };
  },
  corsOnPut: {
    cause: 'the preflight passes but the PUT answer has no Access-Control-Allow-Origin: browsers store the file and still report a failure',
    fix: 'let S3 answer CORS itself (no proxy stripping headers); check the bucket CORS rule with aws s3api get-bucket-cors',
  },
} as const;
