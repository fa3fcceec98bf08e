import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnWaitConditionHandle, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CfnEndpointConfig } from 'aws-cdk-lib/aws-sagemaker';
import {
  CapacitySize, DeploymentStrategy, EndpointInference, MODEL_PACKAGE_ARN_PATTERN, ModelDeploymentStack, ModelEndpoint,
} from '../../lib/deployment';
import { MODEL_PACKAGE_ARN_PARAMETER, ModelPromotionPipeline } from '../../lib/promotion';
import { runCfnLint } from '../compliance/cfn-lint';
import { complianceProblems } from '../harness/compliance';
import { CONTEXT, PACKAGE_ARN, PRODUCTION, SHADOW_ARN, STAGING } from './fixtures';

describe('ModelDeploymentStack', () => {
  let app: App;
  let staging: ModelDeploymentStack;
  let production: ModelDeploymentStack;
  let stagingTemplate: Template;
  let productionTemplate: Template;

  beforeAll(() => {
    // GIVEN one definition, two stages that differ by props only
    app = new App({ context: CONTEXT });
    // WHEN
    staging = new ModelDeploymentStack(app, 'ChurnStaging', {
      env: STAGING,
      endpoint: { endpointName: 'churn', inference: EndpointInference.realTime({ instanceType: 'ml.m5.large' }) },
    });
    production = new ModelDeploymentStack(app, 'ChurnProduction', {
      env: PRODUCTION,
      endpoint: {
        endpointName: 'churn',
        inference: EndpointInference.realTime({ instanceType: 'ml.c5.xlarge', initialInstanceCount: 2 }),
        autoScaling: { minCapacity: 2, maxCapacity: 6 },
        deploymentStrategy: DeploymentStrategy.canary({ percent: 25, wait: Duration.minutes(10) }),
      },
    });
    stagingTemplate = Template.fromStack(staging);
    productionTemplate = Template.fromStack(production);
  });

  test('takes the model package ARN as a parameter that accepts only versioned package ARNs', () => {
    // THEN
    stagingTemplate.hasParameter('ModelPackageArn', { Type: 'String', AllowedPattern: MODEL_PACKAGE_ARN_PATTERN });
    // the promotion pipeline passes the ARN under this name
    expect(ModelDeploymentStack.MODEL_PACKAGE_ARN_PARAMETER).toEqual(MODEL_PACKAGE_ARN_PARAMETER);
    const pattern = new RegExp(MODEL_PACKAGE_ARN_PATTERN);
    expect(pattern.test('arn:aws:sagemaker:eu-west-1:111111111111:model-package/churn/12')).toBe(true);
    expect(pattern.test('arn:aws:sagemaker:eu-west-1:111111111111:model-package-group/churn')).toBe(false);
    expect(pattern.test('arn:aws:sagemaker:eu-west-1:111111111111:model-package/churn')).toBe(false);
    expect(pattern.test('LATEST_APPROVED')).toBe(false);
  });

  test('serves the parameter and names no concrete model anywhere', () => {
    stagingTemplate.hasResourceProperties('AWS::SageMaker::Model', { Containers: [{ ModelPackageName: { Ref: 'ModelPackageArn' } }] });
    for (const template of [stagingTemplate, productionTemplate]) {
      const { Resources, Outputs } = template.toJSON();
      expect(JSON.stringify({ Resources, Outputs })).not.toMatch(/model-package\//);
    }
  });

  test('differs between stages only by what the props say', () => {
    stagingTemplate.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [Match.objectLike({ InstanceType: 'ml.m5.large', InitialInstanceCount: 1 })],
    });
    productionTemplate.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [Match.objectLike({ InstanceType: 'ml.c5.xlarge', InitialInstanceCount: 2 })],
    });
    productionTemplate.hasResourceProperties('AWS::SageMaker::Endpoint', {
      EndpointName: 'churn',
      DeploymentConfig: Match.objectLike({
        BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 25 }, WaitIntervalInSeconds: 600 } },
      }),
    });
    stagingTemplate.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    productionTemplate.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 1);
  });

  test('the same props give the same template, whatever the model', () => {
    // GIVEN a second app, as a later synth would be
    const again = new ModelDeploymentStack(new App({ context: CONTEXT }), 'ChurnStaging', {
      env: STAGING,
      endpoint: { endpointName: 'churn', inference: EndpointInference.realTime({ instanceType: 'ml.m5.large' }) },
    });
    // THEN
    expect(Template.fromStack(again).toJSON()).toEqual(stagingTemplate.toJSON());
  });

  test('exposes what monitors need and outputs the endpoint name', () => {
    expect(staging.endpoint).toBeInstanceOf(ModelEndpoint);
    expect(staging.endpoint.dataCaptureEnabled).toBe(true);
    expect(staging.endpointName).toEqual('churn');
    expect(staging.dataCaptureS3Uri).toBeDefined();
    expect(staging.dataCaptureBucket).toBeDefined();
    expect(staging.encryptionKey).toBe(staging.endpoint.encryptionKey);
    stagingTemplate.hasOutput('EndpointName', { Value: 'churn' });
    stagingTemplate.hasOutput('DataCaptureS3Uri', {});
    stagingTemplate.hasOutput('ModelPackageArnOutput', { Value: { Ref: 'ModelPackageArn' } });
  });

  test('holds no assets, so the promotion can deploy the bare template', () => {
    const assembly = app.synth();
    const artifact = assembly.getStackArtifact(staging.artifactId);
    expect(artifact.assets).toEqual([]);
  });

  test('synthesizes as a promotion template: a zipped template asset of the pipeline\'s stack', () => {
    // GIVEN the tooling stack that holds the promotion pipeline
    const toolingApp = new App({ context: CONTEXT });
    const tooling = new Stack(toolingApp, 'Tooling', { env: { account: '111111111111', region: 'eu-west-1' } });
    new CfnWaitConditionHandle(tooling, 'PipelineStandIn');
    // WHEN the deployment stack is defined inside it with the promotion's synthesizer
    const template = new ModelDeploymentStack(tooling, 'ChurnStagingTemplate', {
      synthesizer: ModelPromotionPipeline.templateSynthesizer(tooling),
      endpoint: { endpointName: 'churn-staging', autoScaling: { minCapacity: 1, maxCapacity: 2 } },
    });
    // THEN it synthesizes (the synthesizer refuses any asset of its own) as a file asset of the tooling stack
    const assembly = toolingApp.synth();
    const zipped = fs.readdirSync(assembly.directory).filter((f) => f.startsWith(`promotion.${template.artifactId}.`));
    expect(zipped).toHaveLength(1);
    const body = JSON.parse(fs.readFileSync(path.join(assembly.directory, zipped[0], 'template.json'), 'utf8'));
    expect(body.Parameters.ModelPackageArn.AllowedPattern).toEqual(MODEL_PACKAGE_ARN_PATTERN);
    expect(Object.values<any>(body.Resources).filter((r) => r.Type === 'AWS::SageMaker::Endpoint')).toHaveLength(1);
  });

  test('synthesizes environment-agnostic, for a template deployed into any account', () => {
    // GIVEN / WHEN
    const agnostic = new ModelDeploymentStack(new App({ context: CONTEXT }), 'Template');
    // THEN
    const template = Template.fromStack(agnostic);
    template.hasResourceProperties('AWS::SageMaker::Model', { Containers: [{ ModelPackageName: { Ref: 'ModelPackageArn' } }] });
    expect(JSON.stringify(template.toJSON())).not.toMatch(/[0-9]{12}/);
  });
});

describe('ModelDeploymentStack with a shadow variant', () => {
  test('takes the shadow\'s model package as a second parameter', () => {
    // WHEN
    const stack = new ModelDeploymentStack(new App({ context: CONTEXT }), 'Shadowed', { env: STAGING, shadow: { samplingPercentage: 30 } });
    // THEN
    const template = Template.fromStack(stack);
    template.hasParameter('ShadowModelPackageArn', { Type: 'String', AllowedPattern: MODEL_PACKAGE_ARN_PATTERN });
    template.hasResourceProperties('AWS::SageMaker::Model', { Containers: [{ ModelPackageName: { Ref: 'ShadowModelPackageArn' } }] });
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ShadowProductionVariants: [Match.objectLike({ VariantName: 'Shadow', InitialVariantWeight: 0.3 })],
    });
    expect(stack.shadowModelPackageArnParameter).toBeDefined();
  });

  test('fails on a shadow given with a concrete package in the endpoint options', () => {
    expect(() => new ModelDeploymentStack(new App({ context: CONTEXT }), 'Concrete', {
      endpoint: { shadow: { modelPackageArn: SHADOW_ARN } },
    })).toThrow('model deployment stack Concrete: pass the shadow variant as shadow, not endpoint.shadow, so its model package is a parameter of the template');
  });
});

describe('ModelDeploymentStack compliance', () => {
  test('real-time (canary, autoscaling, shadow), asynchronous (rolling) and serverless stages are compliant', () => {
    // GIVEN / WHEN
    const problems = complianceProblems((app) => {
      new ModelDeploymentStack(app, 'RealTime', {
        env: STAGING,
        endpoint: {
          autoScaling: { minCapacity: 1, maxCapacity: 4 },
          deploymentStrategy: DeploymentStrategy.canary({ percent: 10, wait: Duration.minutes(5) }),
        },
        shadow: { samplingPercentage: 20 },
      });
      new ModelDeploymentStack(app, 'Asynchronous', {
        env: STAGING,
        endpoint: {
          inference: EndpointInference.asynchronous({ instanceType: 'ml.g5.xlarge' }),
          autoScaling: { minCapacity: 0, maxCapacity: 2 },
          deploymentStrategy: DeploymentStrategy.rolling({ batchSize: CapacitySize.instances(1), wait: Duration.minutes(2) }),
        },
      });
      new ModelDeploymentStack(app, 'Serverless', {
        env: PRODUCTION,
        endpoint: { inference: EndpointInference.serverless() },
      });
    });
    // THEN
    expect(problems).toEqual([]);
  });
});

describe('what cfn-lint does not catch', () => {
  test('cfn-lint accepts a sampling percentage of 150, so the construct must refuse it', () => {
    // GIVEN a template that bypasses the construct's validation through the L1
    const stack = new Stack(new App({ context: CONTEXT }), 'Bypass', { env: STAGING });
    const endpoint = new ModelEndpoint(stack, 'Endpoint', { modelPackageArn: PACKAGE_ARN });
    (endpoint.endpointConfig as CfnEndpointConfig).addPropertyOverride('DataCaptureConfig.InitialSamplingPercentage', 150);
    // and, as a control that cfn-lint does read this resource, a property it knows does not exist
    (endpoint.endpointConfig as CfnEndpointConfig).addPropertyOverride('NoSuchProperty', true);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-lint-'));
    const file = path.join(dir, 'bypass.template.json');
    fs.writeFileSync(file, JSON.stringify(Template.fromStack(stack).toJSON()));
    // WHEN
    const errors = runCfnLint([file]).filter((m) => m.level === 'Error');
    // THEN cfn-lint flags the unknown property but not the sampling (if it learns the range, this test says so)
    expect(errors.some((m) => /NoSuchProperty/.test(m.path + m.message))).toBe(true);
    expect(errors.filter((m) => /Sampling/i.test(m.path + m.message))).toEqual([]);
    expect(() => new ModelEndpoint(new Stack(new App(), 'S'), 'Endpoint', {
      modelPackageArn: PACKAGE_ARN,
      dataCapture: { samplingPercentage: 150 },
    })).toThrow(/sampling percentage must be a whole number between 1 and 100, got 150/);
  });
});
