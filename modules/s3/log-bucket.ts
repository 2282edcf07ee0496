import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { Construct } from 'constructs';
import { InputCheck, mergePolicies, Partition, PolicyDocument, renderPolicy, s3BucketArn, tlsOnlyStatement } from '../../policies';
import { S3_DEFAULTS } from './defaults';

export interface LogBucketProps {
  readonly partition: Partition;
  readonly bucketName: string;
  /**
   * Encrypt with this customer managed KMS key (ARN or Terraform reference), with S3 Bucket Keys.
   * @default SSE-S3 (AES256)
   */
  readonly kmsKeyArn?: string;
  /** @default false */
  readonly versioning?: boolean;
  /**
   * Delete objects this many days after creation. Undefined keeps objects forever.
   * @default no expiry
   */
  readonly expirationDays?: number;
  /**
   * Let `terraform destroy` delete a bucket that still holds objects.
   * @default false
   */
  readonly forceDestroy?: boolean;
}

/**
 * A private log bucket: public access blocked, bucket-owner-enforced ownership, encryption at rest,
 * optional versioning and expiry, and one bucket policy that always denies plain HTTP and gathers
 * the statements other constructs add with {@link addPolicy}.
 */
export class LogBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly bucketName: string;
  /** Resolved from the name, never a Terraform reference. */
  readonly bucketArn: string;
  readonly policy: S3BucketPolicy;
  private readonly partition: Partition;
  private readonly documents: PolicyDocument[] = [];

  constructor(scope: Construct, id: string, props: LogBucketProps) {
    super(scope, id);
    const check = new InputCheck(`LogBucket ${this.node.path}`);
    check.partition('partition', props.partition);
    check.bucketName('bucketName', props.bucketName);
    if (props.kmsKeyArn !== undefined) check.arnOrReference('kmsKeyArn', props.kmsKeyArn, props.partition, 'kms');
    if (props.expirationDays !== undefined) {
      check.wholeNumber('expirationDays', props.expirationDays, 'a whole number of days, at least 1', 1);
    }
    check.done();

    this.partition = props.partition;
    this.bucketName = props.bucketName;
    this.bucketArn = s3BucketArn(props.partition, props.bucketName);
    this.bucket = new S3Bucket(this, 'bucket', { bucket: props.bucketName, forceDestroy: props.forceDestroy ?? false });
    const bucket = this.bucket.id;

    new S3BucketPublicAccessBlock(this, 'public_access_block', {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', { bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket,
      rule: [
        props.kmsKeyArn === undefined
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.kmsKeyArn }, bucketKeyEnabled: true },
      ],
    });
    if (props.versioning) {
      new S3BucketVersioningA(this, 'versioning', { bucket, versioningConfiguration: { status: 'Enabled' } });
    }
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket,
      rule: [
        {
          id: 'abort-incomplete-uploads',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: S3_DEFAULTS.abortIncompleteUploadDays }],
        },
        ...(props.expirationDays === undefined
          ? []
          : [{ id: 'expire-objects', status: 'Enabled', filter: [{ prefix: '' }], expiration: [{ days: props.expirationDays }] }]),
        ...(props.versioning
          ? [
              {
                id: 'expire-noncurrent-versions',
                status: 'Enabled',
                filter: [{ prefix: '' }],
                noncurrentVersionExpiration: [{ noncurrentDays: S3_DEFAULTS.noncurrentVersionExpirationDays }],
              },
            ]
          : []),
      ],
    });

    this.documents.push({ Version: '2012-10-17', Statement: [tlsOnlyStatement({ partition: props.partition, bucketName: props.bucketName })] });
    this.policy = new S3BucketPolicy(this, 'policy', { bucket, policy: this.renderPolicy() });
  }

  /** Adds a document's statements to the bucket policy; the policy stays one literal JSON string. */
  addPolicy(doc: PolicyDocument): void {
    this.documents.push(doc);
    this.policy.policy = this.renderPolicy();
  }

  private renderPolicy(): string {
    return renderPolicy(mergePolicies('bucket', this.partition, this.documents));
  }
}
