import { CfnResource, IAspect, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { NagRules, waive } from './compliance';

/** The resource types the platform retains by default, and a sandbox removes. */
export const RETAINED_TYPES = [
  'AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::Logs::LogGroup', 'AWS::SageMaker::ModelPackageGroup', 'AWS::DynamoDB::Table',
];

/**
 * Makes what a platform retains by default removable by `cdk destroy`: buckets (their objects
 * deleted first, by aws-cdk-lib's auto-delete custom resource), keys (scheduled for deletion
 * after the minimum waiting period, 7 days: KMS "PendingWindowInDays", 7 to 30), log groups,
 * model package groups and DynamoDB tables (deletion protection off).
 */
export class SandboxRemoval implements IAspect {
  public visit(node: IConstruct): void {
    if (node instanceof s3.Bucket) {
      // aws-cdk-lib enables object deletion only from the constructor prop; the same method,
      // called here, adds the custom resource and the bucket-policy grant it needs.
      const bucket = node as unknown as { enableAutoDeleteObjects?: () => void; autoDeleteObjectsEnabled?: boolean };
      const marker = '__mlopsSandboxAutoDelete';
      if (typeof bucket.enableAutoDeleteObjects === 'function' && !(node as unknown as Record<string, boolean>)[marker]) {
        (node as unknown as Record<string, boolean>)[marker] = true;
        bucket.enableAutoDeleteObjects.call(node);
        const provider = node.stack.node.tryFindChild('Custom::S3AutoDeleteObjectsCustomResourceProvider');
        if (provider) {
          waive(provider, {
            rules: [...NagRules.lambdaInVpc, 'NIST.800.53.R5-LambdaDLQ', 'HIPAA.Security-LambdaDLQ', 'NIST.800.53.R5-LambdaConcurrency', 'HIPAA.Security-LambdaConcurrency', 'AwsSolutions-IAM4'],
            reason: 'sandbox mode only: aws-cdk-lib\'s provider empties the buckets when the sandbox is destroyed; CloudFormation invokes it synchronously, outside any VPC',
          });
        }
      }
    }
    if (node instanceof dynamodb.Table || node instanceof dynamodb.TableV2) {
      const cfn = node.node.defaultChild as CfnResource;
      cfn.addPropertyOverride('DeletionProtectionEnabled', false);
    }
    if (node instanceof kms.Key) {
      (node.node.defaultChild as kms.CfnKey).pendingWindowInDays = 7;
    }
    if (CfnResource.isCfnResource(node) && RETAINED_TYPES.includes(node.cfnResourceType)) {
      node.applyRemovalPolicy(RemovalPolicy.DESTROY);
    }
  }
}
