import { CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CapacitySize, DeploymentStrategy, EndpointInference, ModelEndpoint, ModelEndpointProps } from '../../lib/deployment';

import { PACKAGE_ARN, SHADOW_ARN, newStagingStack } from './fixtures';
import { SDK_VERSION } from '../../lib/private/sagemaker-instance-types.generated';

function newStack(): Stack {
  return newStagingStack();
}

function synth(props: Partial<ModelEndpointProps> = {}): { stack: Stack; endpoint: ModelEndpoint; template: Template } {
  const stack = newStack();
  const endpoint = new ModelEndpoint(stack, 'Endpoint', { modelPackageArn: PACKAGE_ARN, ...props });
  return { stack, endpoint, template: Template.fromStack(stack) };
}

function synthLater(props: Partial<ModelEndpointProps> = {}): { endpoint: ModelEndpoint } {
  const stack = newStack();
  return { endpoint: new ModelEndpoint(stack, 'Endpoint', { modelPackageArn: PACKAGE_ARN, ...props }) };
}

/** The statements of the endpoint role's customer-managed policy. */
function roleStatements(template: Template): any[] {
  const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy', {
    Properties: { Description: 'Permissions of Staging/Endpoint/Role' },
  }));
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement;
}

function actionsOf(statements: any[]): string[] {
  return statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
}

function onlyResource(template: Template, type: string): any {
  const found = Object.values(template.findResources(type));
  expect(found).toHaveLength(1);
  return found[0];
}

describe('ModelEndpoint, real-time with defaults', () => {
  let endpoint: ModelEndpoint;
  let template: Template;

  beforeAll(() => {
    // GIVEN a model package in the tooling account's registry
    // WHEN
    ({ endpoint, template } = synth());
  });

  test('serves the model package through a model whose container names the package', () => {
    // THEN
    template.hasResourceProperties('AWS::SageMaker::Model', {
      Containers: [{ ModelPackageName: PACKAGE_ARN }],
      EnableNetworkIsolation: true,
      ExecutionRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EndpointRole'), 'Arn'] },
    });
  });

  test('has one ml.m5.large instance, storage encrypted with the endpoint key', () => {
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EndpointKey'), 'Arn'] },
      ProductionVariants: [Match.objectLike({
        VariantName: 'AllTraffic',
        InstanceType: 'ml.m5.large',
        InitialInstanceCount: 1,
        InitialVariantWeight: 1,
        ModelName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EndpointModel'), 'ModelName'] },
        ServerlessConfig: Match.absent(),
      })],
      ShadowProductionVariants: Match.absent(),
      AsyncInferenceConfig: Match.absent(),
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('captures every request and response, KMS-encrypted, into its own bucket', () => {
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      DataCaptureConfig: {
        EnableCapture: true,
        InitialSamplingPercentage: 100,
        CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
        DestinationS3Uri: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^EndpointDataCapture') }, '/data-capture']] },
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EndpointKey'), 'Arn'] },
      },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EndpointKey'), 'Arn'] } },
          BucketKeyEnabled: true,
        }],
      },
    });
    expect(endpoint.dataCaptureEnabled).toBe(true);
    expect(endpoint.dataCaptureBucket).toBeDefined();
    expect(Stack.of(endpoint).resolve(endpoint.dataCaptureS3Uri)).toEqual({
      'Fn::Join': ['', ['s3://', { Ref: Stack.of(endpoint).getLogicalId(endpoint.dataCaptureBucket!.node.defaultChild as s3.CfnBucket) }, '/data-capture']],
    });
  });

  test('deploys a new package blue/green all at once, rolled back by the two default alarms', () => {
    const cfn = onlyResource(template, 'AWS::SageMaker::Endpoint');
    expect(cfn.Properties.EndpointName).toEqual(endpoint.endpointName);
    expect(cfn.Properties.DeploymentConfig).toEqual({
      BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 300 } },
      AutoRollbackConfiguration: {
        Alarms: [
          { AlarmName: { Ref: Stack.of(endpoint).getLogicalId(endpoint.errorRateAlarm!.node.defaultChild as cloudwatch.CfnAlarm) } },
          { AlarmName: { Ref: Stack.of(endpoint).getLogicalId(endpoint.latencyAlarm!.node.defaultChild as cloudwatch.CfnAlarm) } },
        ],
      },
    });
  });

  test('the default rollback alarms watch the 5xx error rate and the latency of the new fleet', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SageMaker',
      MetricName: 'Invocation5XXErrors',
      Statistic: 'Average',
      Threshold: 0.01,
      Dimensions: Match.arrayWith([{ Name: 'EndpointName', Value: endpoint.endpointName }, { Name: 'VariantName', Value: 'AllTraffic' }]),
      TreatMissingData: 'notBreaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ModelLatency',
      Threshold: 1_000_000,
      Dimensions: Match.arrayWith([
        { Name: 'EndpointConfigName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EndpointConfig'), 'EndpointConfigName'] } },
      ]),
    });
  });

  test('has a fixed name, usable by alarms and monitors before the endpoint exists', () => {
    expect(endpoint.endpointName).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
    expect(endpoint.endpointName).toContain('Endpoint');
  });

  test('creates its container log group encrypted and with a retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: `/aws/sagemaker/Endpoints/${endpoint.endpointName}`,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EndpointKey'), 'Arn'] },
      RetentionInDays: 365,
    });
  });

  test('the role reads only this package, pulls only from the registry account, and holds no AWS managed policy', () => {
    const statements = roleStatements(template);
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 'sagemaker:DescribeModelPackage', Resource: PACKAGE_ARN });
    expect(statements).toContainEqual(expect.objectContaining({
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:eu-west-1:111111111111:repository/*']] },
    }));
    const actions = actionsOf(statements);
    expect(actions.filter((a) => a.startsWith('sagemaker:'))).toEqual(['sagemaker:DescribeModelPackage']);
    expect(actions.some((a) => a.endsWith(':*') || a === '*')).toBe(false);
    // Resource '*' only for actions without resource-level permissions.
    const starred = statements.filter((s) => s.Resource === '*').flatMap((s) => [].concat(s.Action));
    expect(starred.sort()).toEqual(['cloudwatch:PutMetricData', 'ecr:GetAuthorizationToken']);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'sagemaker.amazonaws.com' } })] },
      ManagedPolicyArns: Match.absent(),
      Policies: Match.absent(),
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', { Roles: [{ Ref: Match.stringLikeRegexp('^EndpointRole') }] });
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('creates the model only once the role holds its permissions', () => {
    template.hasResource('AWS::SageMaker::Model', { DependsOn: [Match.stringLikeRegexp('^EndpointRolePermissions')] });
  });

  test('the role writes captured data under its prefix only', () => {
    const statements = roleStatements(template);
    expect(statements).toContainEqual(expect.objectContaining({
      Action: expect.arrayContaining(['s3:PutObject']),
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^EndpointDataCapture/), 'Arn'] }, '/data-capture/*']] },
    }));
    expect(actionsOf(statements)).not.toContain('s3:GetObject');
  });

  test('exposes metrics of its variant and grants invoking it', () => {
    // GIVEN an endpoint of a stack not yet synthesized
    ({ endpoint } = synthLater());
    const stack = Stack.of(endpoint);
    expect(stack.resolve(endpoint.metricInvocations().dimensions)).toEqual({ EndpointName: endpoint.endpointName, VariantName: 'AllTraffic' });
    expect(endpoint.metricModelLatency().metricName).toEqual('ModelLatency');
    expect(endpoint.metricInvocation5XXErrors().metricName).toEqual('Invocation5XXErrors');
    expect(endpoint.metricInvocation4XXErrors().statistic).toEqual('Average');

    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    // WHEN
    endpoint.grantInvoke(caller);
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{
          Effect: 'Allow',
          Action: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointAsync', 'sagemaker:InvokeEndpointWithResponseStream'],
          Resource: { Ref: stack.getLogicalId(endpoint.resource) },
        }],
      },
    });
  });
});

describe('ModelEndpoint, the model package as a CloudFormation parameter', () => {
  test('takes the account and region of the image repositories from the parameter', () => {
    // GIVEN
    const stack = newStack();
    const arn = new CfnParameter(stack, 'ModelPackageArn', { type: 'String' });
    // WHEN
    new ModelEndpoint(stack, 'Endpoint', { modelPackageArn: arn.valueAsString });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::Model', { Containers: [{ ModelPackageName: { Ref: 'ModelPackageArn' } }] });
    const statements = roleStatements(template);
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 'sagemaker:DescribeModelPackage', Resource: { Ref: 'ModelPackageArn' } });
    const ecrPull = statements.find((s) => [].concat(s.Action).includes('ecr:BatchGetImage' as never));
    expect(JSON.stringify(ecrPull.Resource)).toContain('{"Fn::Select":[4,{"Fn::Split":[":",{"Ref":"ModelPackageArn"}]}]}');
  });
});

describe('ModelEndpoint, what a user already has', () => {
  test('grants read on the artifacts bucket and key, and pull on named repositories instead of the whole registry', () => {
    // GIVEN
    const stack = newStack();
    const artifacts = s3.Bucket.fromBucketName(stack, 'Artifacts', 'tooling-model-artifacts');
    const key = kms.Key.fromKeyArn(stack, 'ArtifactsKey', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    const repository = ecr.Repository.fromRepositoryArn(stack, 'Images', 'arn:aws:ecr:eu-west-1:111111111111:repository/churn-inference');
    // WHEN
    new ModelEndpoint(stack, 'Endpoint', {
      modelPackageArn: PACKAGE_ARN,
      modelArtifactsBucket: artifacts,
      modelArtifactsKey: key,
      imageRepositories: [repository],
    });
    // THEN
    const statements = roleStatements(Template.fromStack(stack));
    expect(statements).toContainEqual(expect.objectContaining({
      Action: expect.arrayContaining(['s3:GetObject*', 's3:List*']),
      Resource: expect.arrayContaining([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::tooling-model-artifacts']] }]),
    }));
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'kms:Decrypt', Resource: key.keyArn }));
    expect(statements).toContainEqual(expect.objectContaining({
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      Resource: 'arn:aws:ecr:eu-west-1:111111111111:repository/churn-inference',
    }));
    expect(JSON.stringify(statements)).not.toContain('repository/*');
  });

  test('uses a given role and key instead of creating them', () => {
    // GIVEN
    const stack = newStack();
    const role = new iam.Role(stack, 'Mine', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const key = new kms.Key(stack, 'MyKey', { enableKeyRotation: true });
    // WHEN
    const endpoint = new ModelEndpoint(stack, 'Endpoint', { modelPackageArn: PACKAGE_ARN, role, encryptionKey: key });
    // THEN
    expect(endpoint.role).toBe(role);
    expect(endpoint.encryptionKey).toBe(key);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::SageMaker::Model', { ExecutionRoleArn: { 'Fn::GetAtt': [stack.getLogicalId(role.node.defaultChild as iam.CfnRole), 'Arn'] } });
  });

  test('runs the containers in a VPC with a new security group', () => {
    // GIVEN
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    // WHEN
    const endpoint = new ModelEndpoint(stack, 'Endpoint', { modelPackageArn: PACKAGE_ARN, vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::Model', {
      VpcConfig: {
        Subnets: [{ Ref: Match.stringLikeRegexp('^VpcprivateSubnet1') }, { Ref: Match.stringLikeRegexp('^VpcprivateSubnet2') }],
        SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^EndpointSecurityGroup'), 'GroupId'] }],
      },
    });
    expect(endpoint.securityGroups).toHaveLength(1);
    expect(actionsOf(roleStatements(template))).toContain('ec2:CreateNetworkInterface');
  });

  test('can turn network isolation off and data capture off', () => {
    const { template, endpoint } = synth({ networkIsolation: false, dataCapture: { enabled: false } });
    template.hasResourceProperties('AWS::SageMaker::Model', { EnableNetworkIsolation: false });
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', { DataCaptureConfig: Match.absent() });
    expect(endpoint.dataCaptureBucket).toBeUndefined();
    expect(endpoint.dataCaptureS3Uri).toBeUndefined();
    expect(endpoint.dataCaptureEnabled).toBe(false);
  });

  test('captures into a given bucket and prefix, at a given sampling, with content types', () => {
    // GIVEN
    const stack = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Capture', 'team-capture');
    // WHEN
    new ModelEndpoint(stack, 'Endpoint', {
      modelPackageArn: PACKAGE_ARN,
      dataCapture: { bucket, prefix: '/churn/capture/', samplingPercentage: 20, captureResponses: false, csvContentTypes: ['text/csv'] },
    });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      DataCaptureConfig: {
        DestinationS3Uri: 's3://team-capture/churn/capture',
        InitialSamplingPercentage: 20,
        CaptureOptions: [{ CaptureMode: 'Input' }],
        CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'] },
      },
    });
    Template.fromStack(stack).resourceCountIs('AWS::S3::Bucket', 0);
  });

  test('leaves out the storage key on instance types with local NVMe storage', () => {
    const { template } = synth({ inference: EndpointInference.realTime({ instanceType: 'ml.g5.xlarge' }) });
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      KmsKeyId: Match.absent(),
      DataCaptureConfig: Match.objectLike({ KmsKeyId: Match.anyValue() }),
    });
    const { template: m5d } = synth({ inference: EndpointInference.realTime({ instanceType: 'ml.m5d.large' }) });
    m5d.hasResourceProperties('AWS::SageMaker::EndpointConfig', { KmsKeyId: Match.absent() });
  });

  test('imports an endpoint by name, with a lower-case ARN for grants', () => {
    const stack = newStack();
    const imported = ModelEndpoint.fromEndpointName(stack, 'Imported', 'Churn-Prod');
    expect(imported.endpointName).toEqual('Churn-Prod');
    expect(imported.variantName).toEqual('AllTraffic');
    expect(stack.resolve(imported.endpointArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:222222222222:endpoint/churn-prod']],
    });
  });
});

describe('ModelEndpoint, serverless', () => {
  test('has a serverless variant, no instances, no capture, no storage key, no isolation', () => {
    // WHEN
    const { template, endpoint } = synth({ inference: EndpointInference.serverless({ memorySizeInMb: 4096, maxConcurrency: 10, provisionedConcurrency: 2 }) });
    // THEN
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [Match.objectLike({
        ServerlessConfig: { MemorySizeInMB: 4096, MaxConcurrency: 10, ProvisionedConcurrency: 2 },
        InstanceType: Match.absent(),
        InitialInstanceCount: Match.absent(),
      })],
      DataCaptureConfig: Match.absent(),
      KmsKeyId: Match.absent(),
    });
    template.hasResourceProperties('AWS::SageMaker::Model', { EnableNetworkIsolation: false });
    expect(endpoint.dataCaptureBucket).toBeUndefined();
  });

  test('has no deployment guardrails and so no rollback alarms', () => {
    const { template, endpoint } = synth({ inference: EndpointInference.serverless() });
    template.hasResourceProperties('AWS::SageMaker::Endpoint', { DeploymentConfig: Match.absent() });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    expect(endpoint.deploymentStrategy).toBeUndefined();
    expect(endpoint.rollbackAlarms).toEqual([]);
  });

  test('fails on a rollback alarm added to a serverless endpoint', () => {
    const stack = newStack();
    const endpoint = new ModelEndpoint(stack, 'Endpoint', { modelPackageArn: PACKAGE_ARN, inference: EndpointInference.serverless() });
    endpoint.addRollbackAlarm(cloudwatch.Alarm.fromAlarmName(stack, 'A', 'some-alarm'));
    expect(() => Template.fromStack(stack)).toThrow(/has rollback alarms, but serverless endpoints have no deployment guardrails to roll back/);
  });
});

describe('ModelEndpoint, asynchronous', () => {
  let template: Template;
  let endpoint: ModelEndpoint;
  beforeAll(() => {
    ({ template, endpoint } = synth({
      inference: EndpointInference.asynchronous({ instanceType: 'ml.m5.xlarge', initialInstanceCount: 2, maxConcurrentInvocationsPerInstance: 4 }),
      autoScaling: { minCapacity: 0, maxCapacity: 3 },
    }));
  });

  test('writes results and failures to an encrypted bucket and announces them on encrypted topics', () => {
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      AsyncInferenceConfig: {
        ClientConfig: { MaxConcurrentInvocationsPerInstance: 4 },
        OutputConfig: {
          S3OutputPath: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^EndpointAsyncOutput') }, '/async-inference/output']] },
          S3FailurePath: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^EndpointAsyncOutput') }, '/async-inference/failures']] },
          KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EndpointKey'), 'Arn'] },
          NotificationConfig: {
            SuccessTopic: { Ref: Match.stringLikeRegexp('^EndpointSuccessTopic') },
            ErrorTopic: { Ref: Match.stringLikeRegexp('^EndpointErrorTopic') },
          },
        },
      },
      ProductionVariants: [Match.objectLike({ InstanceType: 'ml.m5.xlarge', InitialInstanceCount: 2 })],
      DataCaptureConfig: Match.absent(),
    });
    template.resourcePropertiesCountIs('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EndpointKey'), 'Arn'] } }, 2);
    expect(endpoint.successTopic).toBeDefined();
    expect(endpoint.errorTopic).toBeDefined();
    expect(endpoint.asyncOutputBucket).toBeDefined();
  });

  test('the role publishes to the topics and writes under the output prefix', () => {
    const statements = roleStatements(template);
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'sns:Publish' }));
    expect(statements).toContainEqual(expect.objectContaining({
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^EndpointAsyncOutput/), 'Arn'] }, '/async-inference/*']] },
    }));
  });

  test('scales on the backlog per instance, down to zero', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 0, MaxCapacity: 3 });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 5,
        CustomizedMetricSpecification: Match.objectLike({
          MetricName: 'ApproximateBacklogSizePerInstance',
          Namespace: 'AWS/SageMaker',
          Dimensions: [{ Name: 'EndpointName', Value: endpoint.endpointName }],
        }),
      },
    });
  });
});

describe('ModelEndpoint, autoscaling', () => {
  test('tracks invocations per instance between min and max, and keeps the scaled count across updates', () => {
    // WHEN
    const { template, endpoint } = synth({ autoScaling: { minCapacity: 2, maxCapacity: 8, targetValue: 250 } });
    // THEN
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ServiceNamespace: 'sagemaker',
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      ResourceId: `endpoint/${endpoint.endpointName}/variant/AllTraffic`,
      MinCapacity: 2,
      MaxCapacity: 8,
      // no role: Application Auto Scaling uses its service-linked role for SageMaker
      RoleARN: Match.absent(),
    });
    template.hasResource('AWS::ApplicationAutoScaling::ScalableTarget', { DependsOn: [Stack.of(endpoint).getLogicalId(endpoint.resource)] });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 250,
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
        ScaleInCooldown: 300,
        ScaleOutCooldown: 60,
      },
    });
    template.hasResourceProperties('AWS::SageMaker::Endpoint', {
      RetainAllVariantProperties: true,
      ExcludeRetainedVariantProperties: [{ VariantPropertyType: 'DataCaptureConfig' }],
    });
    // The scaling role is the service-linked one: no role of ours with an inline policy.
    template.resourceCountIs('AWS::IAM::Role', 1);
  });

  test('without autoscaling, an update resets the variant to its configuration', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    template.hasResourceProperties('AWS::SageMaker::Endpoint', { RetainAllVariantProperties: Match.absent() });
  });
});

describe('ModelEndpoint, deployment strategies', () => {
  function deploymentConfig(strategy: DeploymentStrategy, props: Partial<ModelEndpointProps> = {}): any {
    const { template } = synth({ deploymentStrategy: strategy, ...props });
    return onlyResource(template, 'AWS::SageMaker::Endpoint').Properties.DeploymentConfig;
  }

  test('canary: a share of the new fleet first, then the rest, with rollback alarms', () => {
    const config = deploymentConfig(DeploymentStrategy.canary({ percent: 10, wait: Duration.minutes(10), terminationWait: Duration.minutes(15) }));
    expect(config.BlueGreenUpdatePolicy).toEqual({
      TrafficRoutingConfiguration: { Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 10 }, WaitIntervalInSeconds: 600 },
      TerminationWaitInSeconds: 900,
    });
    expect(config.AutoRollbackConfiguration.Alarms).toHaveLength(2);
    expect(config.RollingUpdatePolicy).toBeUndefined();
  });

  test('linear: equal steps, each watched', () => {
    const config = deploymentConfig(DeploymentStrategy.linear({ stepPercent: 25, wait: Duration.minutes(5), maximumExecutionTimeout: Duration.hours(2) }));
    expect(config.BlueGreenUpdatePolicy).toEqual({
      TrafficRoutingConfiguration: { Type: 'LINEAR', LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 25 }, WaitIntervalInSeconds: 300 },
      MaximumExecutionTimeoutInSeconds: 7200,
    });
    expect(config.AutoRollbackConfiguration.Alarms).toHaveLength(2);
  });

  test('rolling: batches in place, with a rollback batch size', () => {
    const config = deploymentConfig(DeploymentStrategy.rolling({
      batchSize: CapacitySize.percent(25),
      wait: Duration.minutes(3),
      rollbackBatchSize: CapacitySize.instances(2),
    }), { inference: EndpointInference.realTime({ instanceType: 'ml.c5.xlarge', initialInstanceCount: 4 }) });
    expect(config.RollingUpdatePolicy).toEqual({
      MaximumBatchSize: { Type: 'CAPACITY_PERCENT', Value: 25 },
      RollbackMaximumBatchSize: { Type: 'INSTANCE_COUNT', Value: 2 },
      WaitIntervalInSeconds: 180,
    });
    expect(config.BlueGreenUpdatePolicy).toBeUndefined();
    expect(config.AutoRollbackConfiguration.Alarms).toHaveLength(2);
  });

  test('adds the strategy\'s alarms and alarms added later to the default ones', () => {
    // GIVEN
    const stack = newStack();
    const business = cloudwatch.Alarm.fromAlarmName(stack, 'Business', 'churn-conversion-drop');
    const later = cloudwatch.Alarm.fromAlarmName(stack, 'Later', 'churn-p99');
    // WHEN
    const endpoint = new ModelEndpoint(stack, 'Endpoint', {
      modelPackageArn: PACKAGE_ARN,
      deploymentStrategy: DeploymentStrategy.allAtOnce({ rollbackAlarms: [business], bakeTime: Duration.minutes(20) }),
    });
    endpoint.addRollbackAlarm(later);
    // THEN
    const config = onlyResource(Template.fromStack(stack), 'AWS::SageMaker::Endpoint').Properties.DeploymentConfig;
    expect(config.AutoRollbackConfiguration.Alarms).toEqual([
      { AlarmName: { Ref: expect.stringMatching(/^EndpointErrorRateAlarm/) } },
      { AlarmName: { Ref: expect.stringMatching(/^EndpointLatencyAlarm/) } },
      { AlarmName: 'churn-conversion-drop' },
      { AlarmName: 'churn-p99' },
    ]);
    expect(config.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.WaitIntervalInSeconds).toEqual(1200);
  });

  test('without default alarms and none given, has no rollback configuration', () => {
    const config = deploymentConfig(DeploymentStrategy.allAtOnce(), { defaultRollbackAlarms: false });
    expect(config.AutoRollbackConfiguration).toBeUndefined();
  });

  test('sets the default alarm thresholds and notifies a topic', () => {
    // GIVEN
    const stack = newStack();
    const topic = new (require('aws-cdk-lib/aws-sns').Topic)(stack, 'Ops');
    // WHEN
    new ModelEndpoint(stack, 'Endpoint', { modelPackageArn: PACKAGE_ARN, rollbackErrorRatePercent: 5, rollbackLatencyThreshold: Duration.millis(250), alarmTopic: topic });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Invocation5XXErrors', Threshold: 0.05, AlarmActions: [{ Ref: stack.getLogicalId(topic.node.defaultChild) }] });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ModelLatency', Threshold: 250_000, OKActions: [{ Ref: stack.getLogicalId(topic.node.defaultChild) }] });
  });

  test('fails with more than 10 rollback alarms', () => {
    // GIVEN
    const stack = newStack();
    const alarms = Array.from({ length: 9 }, (_, i) => cloudwatch.Alarm.fromAlarmName(stack, `A${i}`, `alarm-${i}`));
    new ModelEndpoint(stack, 'Endpoint', { modelPackageArn: PACKAGE_ARN, deploymentStrategy: DeploymentStrategy.allAtOnce({ rollbackAlarms: alarms }) });
    // WHEN / THEN
    expect(() => Template.fromStack(stack)).toThrow(/has 11 rollback alarms; SageMaker watches at most 10/);
  });
});

describe('ModelEndpoint, shadow variant', () => {
  test('copies a share of the traffic to a second model package', () => {
    // WHEN
    const { template, endpoint } = synth({ shadow: { modelPackageArn: SHADOW_ARN, samplingPercentage: 50, instanceType: 'ml.c5.large' } });
    // THEN
    template.resourceCountIs('AWS::SageMaker::Model', 2);
    template.hasResourceProperties('AWS::SageMaker::Model', { Containers: [{ ModelPackageName: SHADOW_ARN }] });
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [Match.objectLike({ VariantName: 'AllTraffic', InitialVariantWeight: 1 })],
      ShadowProductionVariants: [Match.objectLike({
        VariantName: 'Shadow',
        InitialVariantWeight: 0.5,
        InstanceType: 'ml.c5.large',
        InitialInstanceCount: 1,
        ModelName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EndpointShadowModel'), 'ModelName'] },
      })],
    });
    expect(roleStatements(template)).toContainEqual({ Effect: 'Allow', Action: 'sagemaker:DescribeModelPackage', Resource: [PACKAGE_ARN, SHADOW_ARN] });
    expect(endpoint.shadowModel).toBeDefined();
    expect(endpoint.shadowVariantName).toEqual('Shadow');
  });
});

describe('ModelEndpoint validation', () => {
  const fails = (props: Partial<ModelEndpointProps>) => () => synth(props);

  test('fails on a sampling percentage of 0', () => {
    expect(fails({ dataCapture: { samplingPercentage: 0 } })).toThrow(
      'model endpoint Staging/Endpoint: data capture sampling percentage must be a whole number between 1 and 100, got 0');
  });

  test('fails on a sampling percentage of 150', () => {
    expect(fails({ dataCapture: { samplingPercentage: 150 } })).toThrow(/data capture sampling percentage must be a whole number between 1 and 100, got 150/);
  });

  test('fails when the autoscaling min is above the max', () => {
    expect(fails({ autoScaling: { minCapacity: 5, maxCapacity: 2 } })).toThrow(
      /model endpoint Staging\/Endpoint: autoscaling min capacity \(5\) must not be above max capacity \(2\)/);
  });

  test('fails on a real-time autoscaling min of 0', () => {
    expect(fails({ autoScaling: { minCapacity: 0, maxCapacity: 2 } })).toThrow(/autoscaling min capacity must be a whole number of at least 1, got 0/);
  });

  test.each([0, 51, 12.5])('fails on a canary percent of %p', (percent) => {
    expect(fails({ deploymentStrategy: DeploymentStrategy.canary({ percent, wait: Duration.minutes(5) }) }))
      .toThrow(`canary percent must be a whole percentage between 1 and 50, got ${percent}`);
  });

  test('fails on a linear step of 5 percent and a wait over an hour', () => {
    expect(fails({ deploymentStrategy: DeploymentStrategy.linear({ stepPercent: 5, wait: Duration.minutes(90) }) }))
      .toThrow('model endpoint Staging/Endpoint: linear step percent must be a whole percentage between 10 and 50, got 5; wait must be between 0 and 3600 seconds, got 5400');
  });

  test('fails on a rolling batch of 80 percent and a timeout of 5 hours', () => {
    expect(fails({ deploymentStrategy: DeploymentStrategy.rolling({ batchSize: CapacitySize.percent(80), wait: Duration.minutes(1), maximumExecutionTimeout: Duration.hours(5) }) }))
      .toThrow('rolling batch size must be a whole percentage between 5 and 50, got 80; maximum execution timeout must be between 600 and 14400 seconds, got 18000');
  });

  test('fails on a rolling batch of 0 instances', () => {
    expect(fails({ deploymentStrategy: DeploymentStrategy.rolling({ batchSize: CapacitySize.instances(0), wait: Duration.minutes(1) }) }))
      .toThrow('rolling batch size must be a whole number of instances of at least 1, got 0');
  });

  test('fails on data capture on a serverless endpoint', () => {
    expect(fails({ inference: EndpointInference.serverless(), dataCapture: { enabled: true } }))
      .toThrow('model endpoint Staging/Endpoint: data capture is not supported on serverless endpoints');
  });

  test('fails on a deployment strategy, a vpc or network isolation on a serverless endpoint', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc');
    expect(() => new ModelEndpoint(stack, 'Endpoint', {
      modelPackageArn: PACKAGE_ARN,
      inference: EndpointInference.serverless(),
      vpc,
      networkIsolation: true,
      deploymentStrategy: DeploymentStrategy.rolling({ batchSize: CapacitySize.instances(1), wait: Duration.minutes(1) }),
    })).toThrow('model endpoint Staging/Endpoint: a vpc is not supported on serverless endpoints; network isolation is not supported on serverless endpoints; '
      + 'a deployment strategy is not supported on serverless endpoints (deployment guardrails are for real-time and asynchronous endpoints)');
  });

  test('fails on a shadow without a package', () => {
    expect(fails({ shadow: { modelPackageArn: '' } })).toThrow('model endpoint Staging/Endpoint: shadow variant needs a model package ARN');
    expect(fails({ shadow: { modelPackageArn: undefined as unknown as string } })).toThrow(/shadow variant needs a model package ARN/);
  });

  test('fails on a shadow of an asynchronous endpoint and a rolling deployment with a shadow', () => {
    expect(fails({
      inference: EndpointInference.asynchronous({ instanceType: 'ml.m5.large' }),
      shadow: { modelPackageArn: SHADOW_ARN },
      deploymentStrategy: DeploymentStrategy.rolling({ batchSize: CapacitySize.instances(1), wait: Duration.minutes(1) }),
    })).toThrow('a shadow variant needs real-time inference, not asynchronous; a rolling deployment is not supported on endpoints with more than one variant (the shadow counts)');
  });

  test('fails on something that is not a model package ARN', () => {
    expect(fails({ modelPackageArn: 'arn:aws:sagemaker:eu-west-1:111111111111:model-package-group/churn' }))
      .toThrow(/modelPackageArn must be a model package ARN .* got arn:aws:sagemaker:eu-west-1:111111111111:model-package-group\/churn/);
  });

  test('fails on a bad endpoint name and instance type, naming both', () => {
    expect(fails({ endpointName: 'churn_prod', inference: EndpointInference.realTime({ instanceType: 'm5.large', initialInstanceCount: 0 }) }))
      .toThrow('model endpoint Staging/Endpoint: endpoint name must be 1 to 63 letters, digits and hyphens, got churn_prod; '
        + `inference instanceType (EndpointInference.realTime): instance type 'm5.large' is not one a real-time endpoint accepts (ProductionVariant.InstanceType in @aws-sdk/client-sagemaker ${SDK_VERSION}); closest: ml.m5.large; `
        + 'production variant initial instance count must be a whole number of at least 1, got 0');
  });

  test('skips values that are tokens', () => {
    // GIVEN
    const stack = newStack();
    const sampling = new CfnParameter(stack, 'Sampling', { type: 'Number' });
    const instanceType = new CfnParameter(stack, 'InstanceType', { type: 'String' });
    // WHEN / THEN
    expect(() => new ModelEndpoint(stack, 'Endpoint', {
      modelPackageArn: new CfnParameter(stack, 'Arn', { type: 'String' }).valueAsString,
      inference: EndpointInference.realTime({ instanceType: instanceType.valueAsString }),
      dataCapture: { samplingPercentage: sampling.valueAsNumber },
    })).not.toThrow();
  });
});
