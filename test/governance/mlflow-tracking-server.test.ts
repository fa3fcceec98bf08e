import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { MlflowTrackingServer, MlflowTrackingServerSize } from '../../lib/governance';
import { policyActions, unknownActions } from './iam-catalogue';

const TOOLING = { account: '111111111111', region: 'eu-west-1' };
const SERVER_ARN = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:111111111111:mlflow-tracking-server/churn-experiments']] };

function build(stack: Stack): { server: MlflowTrackingServer; jobs: iam.Role; scientists: iam.Role } {
  const key = new kms.Key(stack, 'DataKey', { enableKeyRotation: true });
  const bucket = new s3.Bucket(stack, 'Data', {
    encryption: s3.BucketEncryption.KMS, encryptionKey: key, enforceSSL: true, versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL, serverAccessLogsPrefix: 'access-logs/',
  });
  const server = new MlflowTrackingServer(stack, 'Mlflow', { artifactBucket: bucket, trackingServerName: 'churn-experiments', weeklyMaintenanceWindowStart: 'Sun:03:00' });
  const jobs = new iam.Role(stack, 'Jobs', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
  const scientists = new iam.Role(stack, 'Scientists', { assumedBy: new iam.AccountRootPrincipal() });
  server.grantLog(jobs);
  server.grantUiAccess(scientists);
  return { server, jobs, scientists };
}

function statementsOf(template: Template, roleLogicalIdPrefix: string): Array<{ Action: string | string[]; Resource: unknown; Condition?: unknown }> {
  const policies = Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleLogicalIdPrefix));
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('MlflowTrackingServer', () => {
  let stack: Stack;
  let template: Template;
  let server: MlflowTrackingServer;

  beforeAll(() => {
    // GIVEN
    stack = new Stack(new App(), 'Tooling', { env: TOOLING });
    // WHEN
    ({ server } = build(stack));
    template = Template.fromStack(stack);
  });

  test('the server keeps its artifacts under a prefix of the KMS-encrypted bucket, Small, without automatic registration', () => {
    // THEN
    template.hasResourceProperties('AWS::SageMaker::MlflowTrackingServer', {
      TrackingServerName: 'churn-experiments',
      ArtifactStoreUri: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^Data') }, '/mlflow/']] },
      RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MlflowRole'), 'Arn'] },
      TrackingServerSize: 'Small',
      AutomaticModelRegistration: false,
      WeeklyMaintenanceWindowStart: 'Sun:03:00',
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataKey'), 'Arn'] } } }] },
    });
  });

  test('the server\'s role is trusted by SageMaker of this account and reaches the artifact prefix and its key only', () => {
    // THEN
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } } }] },
      Description: 'Lets the MLflow tracking server churn-experiments use its artifact store',
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          { Action: ['s3:GetObject', 's3:PutObject'], Effect: 'Allow', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Data'), 'Arn'] }, '/mlflow/*']] } },
          { Action: 's3:ListBucket', Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Data'), 'Arn'] }, Condition: { StringLike: { 's3:prefix': ['mlflow/*'] } } },
          { Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataKey'), 'Arn'] } },
        ],
      },
    });
  });

  test('jobs log with sagemaker-mlflow actions named one by one, on this server only, and no delete', () => {
    // THEN
    const statements = statementsOf(template, 'Jobs');
    const mlflow = statements.filter((s) => ([] as string[]).concat(s.Action).some((a) => a.startsWith('sagemaker-mlflow:')));
    expect(mlflow).toHaveLength(1);
    expect(mlflow[0].Resource).toEqual(SERVER_ARN);
    const actions = ([] as string[]).concat(mlflow[0].Action);
    expect(actions).toEqual(expect.arrayContaining(['sagemaker-mlflow:CreateExperiment', 'sagemaker-mlflow:CreateRun', 'sagemaker-mlflow:LogBatch', 'sagemaker-mlflow:LogMetric', 'sagemaker-mlflow:LogModel', 'sagemaker-mlflow:SearchRuns']));
    expect(actions.filter((a) => a.includes('*') || /Delete|AccessUI/.test(a))).toEqual([]);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: ['s3:GetObject', 's3:PutObject'] }),
      expect.objectContaining({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'] }),
    ]));
  });

  test('people open the UI with a presigned URL of this server and read it, without logging rights', () => {
    // THEN the URL is of this server; AccessUI supports no resource-level permissions (Policies.json: no resource type)
    const statements = statementsOf(template, 'Scientists');
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 'sagemaker:CreatePresignedMlflowTrackingServerUrl', Resource: SERVER_ARN }),
      expect.objectContaining({ Action: 'sagemaker-mlflow:AccessUI', Resource: '*' }),
    ]));
    const actions = statements.flatMap((s) => ([] as string[]).concat(s.Action));
    expect(actions.filter((a) => /sagemaker-mlflow:(Create|Log|Set|Update|Delete)/.test(a))).toEqual([]);
    expect(actions).not.toContain('s3:PutObject');
  });

  test('every IAM action of the template exists in IAM\'s catalogue', () => {
    // THEN
    expect(unknownActions([...policyActions(stack), ...Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => (p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>).flatMap((s) => ([] as string[]).concat(s.Action)))])).toEqual([]);
  });

  test('jobs find the server through MLFLOW_TRACKING_URI, its ARN', () => {
    // THEN
    expect(stack.resolve(server.trackingEnvironment)).toEqual({ MLFLOW_TRACKING_URI: SERVER_ARN });
  });

  test('the size is a choice', () => {
    // GIVEN
    const other = new Stack(new App(), 'Other', { env: TOOLING });
    const bucket = s3.Bucket.fromBucketName(other, 'Data', 'churn-data');
    // WHEN
    new MlflowTrackingServer(other, 'Mlflow', { artifactBucket: bucket, artifactEncryptionKey: kms.Key.fromKeyArn(other, 'Key', 'arn:aws:kms:eu-west-1:111111111111:key/0123abcd-0123-4567-89ab-0123456789ab'), size: MlflowTrackingServerSize.LARGE, artifactPrefix: 'experiments/' });
    // THEN
    Template.fromStack(other).hasResourceProperties('AWS::SageMaker::MlflowTrackingServer', { TrackingServerSize: 'Large', ArtifactStoreUri: 's3://churn-data/experiments/' });
  });

  test('fails for an artifact store without a KMS key, a bad name, prefix, window and version, all in one error', () => {
    // GIVEN
    const other = new Stack(new App(), 'Other', { env: TOOLING });
    const bucket = s3.Bucket.fromBucketName(other, 'Data', 'churn-data');
    // WHEN / THEN
    expect(() => new MlflowTrackingServer(other, 'Mlflow', {
      artifactBucket: bucket, trackingServerName: 'churn_experiments', artifactPrefix: 'mlflow', weeklyMaintenanceWindowStart: 'Sunday 3am', mlflowVersion: 'latest',
    })).toThrow("MlflowTrackingServer Other/Mlflow: trackingServerName must be 1-256 of letters, digits and '-', starting and ending with a letter or digit, got 'churn_experiments'; artifactPrefix must be a folder ending in '/' without wildcards, got 'mlflow'; the artifact store must be KMS-encrypted: give artifactEncryptionKey, the key of the imported artifactBucket; weeklyMaintenanceWindowStart must be Ddd:HH:MM (for example Sun:03:00), got 'Sunday 3am'; mlflowVersion must be a version like 3.0 or 2.16.2, got 'latest'");
  });
});
