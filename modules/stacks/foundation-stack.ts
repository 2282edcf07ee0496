import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { exportBucketPolicy, Partition, renderPolicy } from '../../policies';

export interface FoundationStackProps {
  readonly partition: Partition;
  readonly region: string;
  readonly accountId: string;
  /** Bucket CloudWatch Logs export tasks write to. */
  readonly bucketName: string;
  /** Key prefix of the export tasks, without trailing slash. */
  readonly prefix: string;
}

/**
 * The export destination of one account: a private, encrypted bucket whose policy (rendered by the
 * policies library as literal JSON) lets CloudWatch Logs export tasks of that account write under
 * the prefix. The config-driven stacks for all three paths build on the same pieces.
 */
export class FoundationStack extends TerraformStack {
  readonly provider: AwsProvider;
  readonly bucket: S3Bucket;
  readonly bucketPolicyJson: string;

  /**
   * Checks props without creating anything and returns the bucket policy they give; throws a
   * PolicyInputError naming every bad prop. Lets an app validate before it writes any output.
   */
  static bucketPolicyFor(props: FoundationStackProps): string {
    return renderPolicy(
      exportBucketPolicy({
        partition: props.partition,
        region: props.region,
        bucketName: props.bucketName,
        prefix: props.prefix,
        access: { mode: 'same-account', accountId: props.accountId },
      }),
    );
  }

  constructor(scope: Construct, id: string, props: FoundationStackProps) {
    super(scope, id);
    this.bucketPolicyJson = FoundationStack.bucketPolicyFor(props);

    this.provider = new AwsProvider(this, 'aws', { region: props.region, allowedAccountIds: [props.accountId] });
    this.bucket = new S3Bucket(this, 'export_bucket', { bucket: props.bucketName });
    new S3BucketPublicAccessBlock(this, 'export_bucket_public_access', {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'export_bucket_ownership', {
      bucket: this.bucket.id,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, 'export_bucket_encryption', {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    new S3BucketPolicy(this, 'export_bucket_policy', { bucket: this.bucket.id, policy: this.bucketPolicyJson });

    new TerraformOutput(this, 'region', { value: props.region });
    new TerraformOutput(this, 'export_bucket_name', { value: props.bucketName });
    new TerraformOutput(this, 'export_prefix', { value: props.prefix });
  }
}
