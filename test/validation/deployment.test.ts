import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EndpointInference, ModelEndpoint, ScheduledBatchTransform } from '../../lib/deployment';
import { ModelMonitor, MonitoringBaseline, MonitoringTarget } from '../../lib/monitoring';
import { MlopsPlatform, MlopsProject } from '../../lib/project';
import { PromotionDeployTarget } from '../../lib/promotion';
import { SDK_VERSION } from '../../lib/private/sagemaker-instance-types.generated';
import { newStagingStack, PACKAGE_ARN, SHADOW_ARN } from '../deployment/fixtures';
import { deploymentTemplate, STAGING, TOOLING, toolingStack } from '../promotion/fixtures';

/*
 * Bad input fails at synth with a message that names the construct path, the prop, the value and
 * the fix.
 */

const SDK = SDK_VERSION.replace(/\./g, '\\.');

describe('ModelEndpoint', () => {
  test('fails on a real-time instance type SageMaker has no endpoint for, naming the prop and the closest types', () => {
    // GIVEN
    const stack = newStagingStack();

    // WHEN / THEN
    expect(() => new ModelEndpoint(stack, 'Endpoint', { modelPackageArn: PACKAGE_ARN, inference: EndpointInference.realTime({ instanceType: 'ml.m5.huge' }) }))
      .toThrow(new RegExp('^model endpoint Staging/Endpoint: inference instanceType \\(EndpointInference\\.realTime\\): '
        + `instance type 'ml\\.m5\\.huge' is not one a real-time endpoint accepts \\(ProductionVariant\\.InstanceType in @aws-sdk/client-sagemaker ${SDK}\\); `
        + 'closest: ml\\.m5\\.large, ml\\.m5\\.xlarge, ml\\.m5\\.2xlarge, ml\\.m5\\.4xlarge, ml\\.m5\\.12xlarge$'));
  });

  test('fails on an asynchronous instance type that is not one, naming the factory it came from', () => {
    expect(() => new ModelEndpoint(newStagingStack(), 'Endpoint', { modelPackageArn: PACKAGE_ARN, inference: EndpointInference.asynchronous({ instanceType: 'ml.m5.xlage' }) }))
      .toThrow(/^model endpoint Staging\/Endpoint: inference instanceType \(EndpointInference\.asynchronous\): instance type 'ml\.m5\.xlage' is not one a real-time endpoint accepts .*; closest: .*ml\.m5\.xlarge/);
  });

  test('fails on a shadow instance type that is not one', () => {
    expect(() => new ModelEndpoint(newStagingStack(), 'Endpoint', { modelPackageArn: PACKAGE_ARN, shadow: { modelPackageArn: SHADOW_ARN, instanceType: 'ml.p9.xlarge' } }))
      .toThrow(/^model endpoint Staging\/Endpoint: shadow instanceType: instance type 'ml\.p9\.xlarge' is not one a real-time endpoint accepts/);
  });

  test('skips an instance type given as a CloudFormation parameter', () => {
    const stack = newStagingStack();
    const instanceType = new CfnParameter(stack, 'InstanceType').valueAsString;
    expect(() => new ModelEndpoint(stack, 'Endpoint', { modelPackageArn: PACKAGE_ARN, inference: EndpointInference.realTime({ instanceType }) })).not.toThrow();
  });
});

describe('ScheduledBatchTransform', () => {
  test('fails on an instance type batch transform does not take, saying where it is valid instead', () => {
    // GIVEN
    const stack = newStagingStack();

    // WHEN / THEN: ml.t3.medium runs endpoints and notebooks, not transform jobs
    expect(() => new ScheduledBatchTransform(stack, 'Nightly', {
      modelPackageArn: PACKAGE_ARN,
      schedule: scheduler.ScheduleExpression.cron({ hour: '2', minute: '0' }),
      inputBucket: s3.Bucket.fromBucketName(stack, 'Input', 'churn-scoring-input'),
      inputPrefix: 'customers/',
      instanceType: 'ml.t3.medium',
    })).toThrow(new RegExp('^scheduled batch transform Staging/Nightly: instanceType: instance type \'ml\\.t3\\.medium\' is not one a batch transform job accepts '
      + `\\(TransformResources\\.InstanceType in @aws-sdk/client-sagemaker ${SDK}\\), though it is one for a .*; closest: `));
  });
});

describe('ModelMonitor', () => {
  test('fails on an instance type monitoring jobs do not take, naming the prop and the closest types', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Production', { env: { account: '333333333333', region: 'us-east-1' } });

    // WHEN / THEN
    expect(() => new ModelMonitor(stack, 'Monitor', {
      target: MonitoringTarget.endpoint({ endpointName: 'churn-prod', dataCaptureEnabled: true, dataCaptureS3Uri: 's3://churn-capture/churn-prod' }),
      dataQuality: { baseline: MonitoringBaseline.fromS3({ constraintsS3Uri: 's3://churn-baselines/dq/constraints.json', statisticsS3Uri: 's3://churn-baselines/dq/statistics.json' }) },
      instanceType: 'ml.m5.huge',
    })).toThrow(new RegExp('^ModelMonitor Production/Monitor: instanceType: instance type \'ml\\.m5\\.huge\' is not one a monitoring job accepts '
      + `\\(MonitoringClusterConfig\\.InstanceType in @aws-sdk/client-sagemaker ${SDK}\\); closest: ml\\.m5\\.large, `));
  });
});

describe('PromotionDeployTarget', () => {
  test('fails on a resource type it cannot derive permissions for, naming only the template that holds it, the resource and the prop to use', () => {
    // GIVEN
    const app = new App();
    const tooling = toolingStack(app);
    const plain = deploymentTemplate(tooling, 'StagingDeployment', STAGING);
    const production = deploymentTemplate(tooling, 'ProductionDeployment', STAGING);
    new sns.Subscription(production, 'Sub', { topic: new sns.Topic(production, 'Topic'), protocol: sns.SubscriptionProtocol.EMAIL, endpoint: 'ml@example.com' });
    const stack = new Stack(app, 'Staging', { env: STAGING });
    new PromotionDeployTarget(stack, 'Target', {
      projectName: 'churn',
      toolingAccount: TOOLING.account,
      deployments: [{ template: plain, stackName: 'churn-staging' }, { template: production, stackName: 'churn-production' }],
    });

    // WHEN / THEN
    expect(() => Template.fromStack(stack)).toThrow(new RegExp('^PromotionDeployTarget Staging/Target: cannot derive the permissions of its CloudFormation execution role '
      + 'for the resources in template Tooling/ProductionDeployment \\(AWS::SNS::Subscription at Tooling/ProductionDeployment/Sub/Resource: no permissions are known for the type\\); '
      + 'pass the statements its CloudFormation execution role needs as PromotionDeployTarget additionalExecutionStatements$'));
  });

  test('names each template once, with all its problems, when a template is deployed as several stacks', () => {
    // GIVEN
    const app = new App();
    const tooling = toolingStack(app);
    const template = deploymentTemplate(tooling, 'Deployment', STAGING);
    new iam.User(template, 'User');
    new sns.Subscription(template, 'Sub', { topic: new sns.Topic(template, 'Topic'), protocol: sns.SubscriptionProtocol.EMAIL, endpoint: 'ml@example.com' });
    const stack = new Stack(app, 'Staging', { env: STAGING });
    new PromotionDeployTarget(stack, 'Target', {
      projectName: 'churn',
      toolingAccount: TOOLING.account,
      deployments: [{ template, stackName: 'churn-staging' }, { template, stackName: 'churn-production' }],
    });

    // WHEN / THEN
    expect(() => Template.fromStack(stack)).toThrow(new RegExp('for the resources in template Tooling/Deployment '
      + '\\(AWS::IAM::User at Tooling/Deployment/User/Resource: no permissions are known for the type; '
      + 'AWS::SNS::Subscription at Tooling/Deployment/Sub/Resource: no permissions are known for the type\\); pass'));
  });

  test('takes the statements the message asks for', () => {
    // GIVEN
    const app = new App();
    const tooling = toolingStack(app);
    const template = deploymentTemplate(tooling, 'Deployment', STAGING);
    new sns.Subscription(template, 'Sub', { topic: new sns.Topic(template, 'Topic'), protocol: sns.SubscriptionProtocol.EMAIL, endpoint: 'ml@example.com' });
    const stack = new Stack(app, 'Staging', { env: STAGING });
    new PromotionDeployTarget(stack, 'Target', {
      projectName: 'churn',
      toolingAccount: TOOLING.account,
      deployments: [{ template, stackName: 'churn-model' }],
      additionalExecutionStatements: [new iam.PolicyStatement({ actions: ['sns:Subscribe', 'sns:Unsubscribe'], resources: ['arn:aws:sns:eu-west-1:222222222222:*'] })],
    });

    // WHEN / THEN
    expect(() => Template.fromStack(stack)).not.toThrow();
  });
});

describe('MlopsProject', () => {
  const project = (additionalDeploymentStatements?: iam.PolicyStatement[]) => {
    const app = new App();
    const platform = new MlopsPlatform(app, 'Platform', {
      tooling: TOOLING, staging: STAGING, production: [{ account: '333333333333', region: STAGING.region }],
    });
    const churn = new MlopsProject(app, 'Churn', { platform, projectName: 'churn', smokeTest: { payload: '1,2,3' }, additionalDeploymentStatements });
    // A resource the project cannot derive the execution role's permissions for, in production only
    new sns.Subscription(churn.productionDeployment, 'OnCall', {
      topic: new sns.Topic(churn.productionDeployment, 'OnCallTopic'), protocol: sns.SubscriptionProtocol.EMAIL, endpoint: 'oncall@example.com',
    });
    return churn;
  };

  test('names the prop its user can set, and only the production template, when the deployments need statements it cannot derive', () => {
    // GIVEN
    const churn = project();

    // WHEN / THEN: the error is raised by the production target the project created, but names the project's prop
    let error = '';
    try { (churn.node.root as App).synth(); } catch (e) { error = (e as Error).message; }
    expect(error).toEqual(expect.stringMatching(new RegExp('cannot derive the permissions of its CloudFormation execution role for the resources in template '
      + '\\S+ProductionDeployment \\(AWS::SNS::Subscription at \\S+/OnCall/Resource: no permissions are known for the type\\); '
      + 'pass the statements its CloudFormation execution role needs as MlopsProject additionalDeploymentStatements$')));
    expect(error).not.toMatch(/StagingDeployment \(/);
  });

  test('fails on a key of another region than the tooling region, naming the prop, both regions and the fix', () => {
    // GIVEN
    const app = new App();
    const platform = new MlopsPlatform(app, 'Platform', { tooling: TOOLING, staging: STAGING, production: [{ account: '333333333333', region: STAGING.region }] });
    const keys = new Stack(app, 'Keys', { env: TOOLING });
    const key = kms.Key.fromKeyArn(keys, 'Key', 'arn:aws:kms:us-east-1:111111111111:key/mrk-0123456789abcdef0123456789abcdef');

    // WHEN / THEN
    expect(() => new MlopsProject(app, 'Churn', { platform, projectName: 'churn', smokeTest: { payload: '1,2,3' }, encryptionKey: key }))
      .toThrow("MlopsProject Churn: encryptionKey 'arn:aws:kms:us-east-1:111111111111:key/mrk-0123456789abcdef0123456789abcdef' is a key of us-east-1, "
        + 'not of the tooling region eu-west-1 where it encrypts the project\'s bucket, topic, queues and promotion artifacts: '
        + 'give a key of the tooling region (for a multi-Region key, its replica there)');
  });

  test('passes additionalDeploymentStatements to the execution roles', () => {
    const churn = project([new iam.PolicyStatement({ actions: ['sns:Subscribe', 'sns:Unsubscribe'], resources: ['arn:aws:sns:eu-west-1:333333333333:mlops-churn-*'] })]);
    expect(() => (churn.node.root as App).synth()).not.toThrow();
  });
});
