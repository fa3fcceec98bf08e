import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { SageMakerJobRole } from '../../lib/pipeline';
import { createEncryptionKey } from '../../lib/private/encryption-key';
import { createSecureBucket } from '../../lib/private/secure-bucket';
import { complianceProblems } from '../harness/compliance';

const env = { account: '111111111111', region: 'us-east-1' };

function build(stack: Stack): SageMakerJobRole {
  const key = createEncryptionKey(stack, 'Key', 'ml data');
  const data = createSecureBucket(stack, 'Data', { encryptionKey: key });
  const code = s3.Bucket.fromBucketName(stack, 'Code', 'ml-code-111111111111');
  const repository = ecr.Repository.fromRepositoryName(stack, 'Images', 'churn-training');
  return new SageMakerJobRole(stack, 'Jobs', { buckets: [data], readOnlyBuckets: [code], repositories: [repository], encryptionKeys: [key] });
}

describe('SageMakerJobRole', () => {
  test('trusts SageMaker of the account and grants the buckets, images, logs and metrics', () => {
    // GIVEN / WHEN
    const stack = new Stack(new App(), 'Jobs', { env });
    build(stack);

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'sagemaker.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } } })],
      },
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['s3:PutObject']) }),
          Match.objectLike({ Action: Match.arrayWith(['ecr:BatchGetImage']) }),
          Match.objectLike({ Action: 'kms:CreateGrant', Condition: { Bool: { 'kms:GrantIsForAWSResource': true } } }),
          Match.objectLike({ Action: Match.arrayWith(['logs:PutLogEvents']) }),
          Match.objectLike({ Action: 'cloudwatch:PutMetricData', Condition: { StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/*' } } }),
        ]),
      },
    });
    const policies = JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy'));
    expect(policies).not.toMatch(/"sagemaker:\*"|FullAccess|"s3:\*"|s3:Delete/);
  });

  test('fails without a bucket to write to', () => {
    const stack = new Stack(new App(), 'NoBucket', { env });
    expect(() => new SageMakerJobRole(stack, 'Jobs', { buckets: [] })).toThrow(/SageMakerJobRole NoBucket\/Jobs: buckets must name at least one bucket/);
  });

  test('is compliant', () => {
    expect(complianceProblems((app) => build(new Stack(app, 'Jobs', { env })))).toEqual([]);
  });
});
