/**
 * An S3 origin read through Origin Access Control whose bucket grant covers the upload prefix
 * only. `S3BucketOrigin.withOriginAccessControl` grants `s3:GetObject` on the whole bucket
 * (`<bucket>/*`) and has no prefix option, so this origin adds the OAC and its own, narrower
 * statement, and is otherwise the same origin.
 */
import { Aws } from 'aws-cdk-lib';
import { type OriginBindConfig, type OriginBindOptions, S3OriginAccessControl, Signing } from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { distributionReadStatement } from './download-defaults.ts';

export class PrefixOacOrigin extends S3BucketOrigin {
  constructor(
    private readonly origin: IBucket,
    private readonly keyPrefix: string,
  ) {
    super(origin);
  }

  override bind(scope: Construct, options: OriginBindOptions): OriginBindConfig {
    // SigV4 on every origin request: S3 then knows the caller is this distribution.
    const oac = new S3OriginAccessControl(scope, 'S3OriginAccessControl', { signing: Signing.SIGV4_ALWAYS });
    const distributionArn = `arn:${Aws.PARTITION}:cloudfront::${Aws.ACCOUNT_ID}:distribution/${options.distributionId}`;
    const added = this.origin.addToResourcePolicy(distributionReadStatement(this.origin.bucketArn, this.keyPrefix, distributionArn));
    if (!added.statementAdded) throw new Error('the download bucket must be one this stack owns: its policy needs the distribution grant');
    const config = super.bind(scope, options);
    if (config.originProperty === undefined) throw new Error('S3BucketOrigin rendered no origin');
    return { ...config, originProperty: { ...config.originProperty, originAccessControlId: oac.originAccessControlId } };
  }
}
