import { Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { NagRules, waive } from './compliance';

const ACCESS_LOGS_ID = 'SageMakerMlopsAccessLogs';

const REPLICATION_REASON = 'cross-region replication is a disaster-recovery choice of the platform team and doubles storage cost; versioning and retention protect objects here';

/**
 * The stack's bucket for S3 server access logs, created once per stack.
 */
export function accessLogsBucket(scope: Construct): s3.Bucket {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(ACCESS_LOGS_ID) as s3.Bucket | undefined;
  if (existing) {
    return existing;
  }
  const bucket = new s3.Bucket(stack, ACCESS_LOGS_ID, {
    // S3 server access log delivery writes only to buckets encrypted with SSE-S3.
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
  });
  waive(bucket, {
    rules: [...NagRules.s3Logging],
    reason: 'this bucket is the target of server access logs; logging it into itself would loop',
  });
  waive(bucket, {
    rules: [...NagRules.s3Kms],
    reason: 'S3 server access log delivery supports only SSE-S3 encrypted target buckets, not SSE-KMS',
  });
  waive(bucket, { rules: [...NagRules.s3Replication], reason: REPLICATION_REASON });
  return bucket;
}

export interface SecureBucketOptions {
  readonly encryptionKey: kms.IKey;
  readonly bucketName?: string;
  readonly lifecycleRules?: s3.LifecycleRule[];
}

/**
 * A bucket encrypted with a customer-managed key, TLS-only, public access blocked,
 * versioned, with server access logs; kept when its stack is deleted.
 */
export function createSecureBucket(scope: Construct, id: string, options: SecureBucketOptions): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    bucketName: options.bucketName,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: options.encryptionKey,
    bucketKeyEnabled: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: options.lifecycleRules,
  });
  enableAccessLogs(bucket);
  waive(bucket, { rules: [...NagRules.s3Replication], reason: REPLICATION_REASON });
  return bucket;
}

/**
 * Sends the bucket's server access logs to the stack's access-logs bucket, granting the logging
 * service by bucket policy (not by ACL), whatever the app's S3 feature flags say.
 */
function enableAccessLogs(bucket: s3.Bucket): void {
  const logs = accessLogsBucket(bucket);
  const stack = Stack.of(bucket);
  const prefix = Names.uniqueId(bucket).slice(-60);
  (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
    destinationBucketName: logs.bucketName,
    logFilePrefix: `${prefix}/`,
  };
  logs.addToResourcePolicy(new iam.PolicyStatement({
    sid: `AccessLogs${prefix}`.slice(0, 100),
    principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
    actions: ['s3:PutObject'],
    resources: [logs.arnForObjects(`${prefix}/*`)],
    conditions: {
      ArnLike: { 'aws:SourceArn': bucket.bucketArn },
      StringEquals: { 'aws:SourceAccount': stack.account },
    },
  }));
}
