import { App, Aws, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { ScheduledBatchTransform } from '../../lib/deployment';
import { ModelMonitor, MonitoringBaseline, MonitoringTarget } from '../../lib/monitoring';
import { DeployTimeNetwork, IWorkloadNetwork, PlatformNetwork, PlatformVpc, ServiceUsage } from '../../lib/network';
import { ModelBuildPipeline, SageMakerJobRole } from '../../lib/pipeline';
import { createEncryptionKey } from '../../lib/private/encryption-key';
import { createSecureBucket } from '../../lib/private/secure-bucket';
import { ModelBuildSource, SourceRepository } from '../../lib/project';
import { complianceProblems } from '../harness/compliance';

/*
 * A tooling account and a production account of the platform, private: a PlatformNetwork in
 * each, the tooling account's build jobs and CodeBuild project in its VPC, and a deployment
 * template (synthesized in the tooling stack, deployed to production) whose monitors, batch
 * transform and custom-resource function resolve the production network at deploy time.
 */
const TOOLING = { account: '111111111111', region: 'eu-west-1' };
const PRODUCTION = { account: '333333333333', region: 'eu-west-1' };
const ACCOUNTS = [TOOLING.account, PRODUCTION.account];
// In the stack's partition: the deployment template may be deployed into any partition.
const PACKAGE = `arn:${Aws.PARTITION}:sagemaker:eu-west-1:111111111111:model-package/churn/3`;

interface Platform {
  readonly tooling: Stack;
  readonly production: Stack;
  readonly template: Stack;
  readonly toolingNetwork: PlatformNetwork;
  readonly productionNetwork: PlatformNetwork;
}

function monitorAndTransform(stack: Stack, network: IWorkloadNetwork): void {
  new ModelMonitor(stack, 'Monitor', {
    target: MonitoringTarget.endpoint({ endpointName: 'churn-production', dataCaptureEnabled: true, dataCaptureS3Uri: 's3://churn-capture/churn-production' }),
    network,
    dataQuality: { baseline: MonitoringBaseline.fromModelPackage(PACKAGE) },
    modelExplainability: { baseline: MonitoringBaseline.fromModelPackage(PACKAGE), networkIsolation: false },
  });
  new ScheduledBatchTransform(stack, 'Nightly', {
    modelPackageArn: PACKAGE,
    schedule: scheduler.ScheduleExpression.cron({ hour: '2', minute: '0' }),
    inputBucket: s3.Bucket.fromBucketName(stack, 'Input', 'churn-scoring-input'),
    inputPrefix: 'customers/',
    network,
  });
}

function buildPlatform(app: App): Platform {
  const tooling = new Stack(app, 'Tooling', { env: TOOLING });
  const toolingNetwork = new PlatformNetwork(tooling, 'Network', { trustedAccounts: ACCOUNTS });
  const key = createEncryptionKey(tooling, 'Key', 'project data');
  const data = createSecureBucket(tooling, 'Data', { encryptionKey: key });
  new SageMakerJobRole(tooling, 'Jobs', { buckets: [data], encryptionKeys: [key], network: toolingNetwork });
  new ModelBuildSource(tooling, 'BuildSource', {
    repository: SourceRepository.codeConnection({ connectionArn: 'arn:aws:codeconnections:eu-west-1:111111111111:connection/0123abcd-0123-4567-89ab-0123456789ab', owner: 'acme', repository: 'churn' }),
    pipeline: ModelBuildPipeline.fromPipelineName(tooling, 'Pipeline', 'churn-build'),
    pipelineRole: iam.Role.fromRoleArn(tooling, 'PipelineRole', 'arn:aws:iam::111111111111:role/churn-build', { mutable: false }),
    encryptionKey: key,
    network: toolingNetwork,
  });

  const production = new Stack(app, 'Production', { env: PRODUCTION });
  const productionNetwork = new PlatformNetwork(production, 'Network', { trustedAccounts: ACCOUNTS });
  // The deployment template: synthesized with the tooling stack, deployed to production.
  const template = new Stack(tooling, 'ProductionDeployment');
  monitorAndTransform(template, new DeployTimeNetwork(template, 'Network'));
  productionNetwork.serve(template);
  return { tooling, production, template, toolingNetwork, productionNetwork };
}

describe('a private platform environment', () => {
  let platform: Platform;
  let templates: { tooling: Template; production: Template; template: Template };

  beforeAll(() => {
    platform = buildPlatform(new App());
    templates = {
      tooling: Template.fromStack(platform.tooling),
      production: Template.fromStack(platform.production),
      template: Template.fromStack(platform.template),
    };
  });

  test('every Lambda function runs in the VPC (the deployment template\'s in the network it resolves at deploy time)', () => {
    const functions = Object.values(templates.template.findResources('AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      expect(fn.Properties.VpcConfig).toEqual({ SubnetIds: { Ref: 'MlopsNetworkSubnetIds' }, SecurityGroupIds: { Ref: 'MlopsNetworkSecurityGroupIds' } });
    }
    for (const t of [templates.tooling, templates.production]) {
      for (const fn of Object.values(t.findResources('AWS::Lambda::Function'))) expect(fn.Properties.VpcConfig).toBeDefined();
    }
  });

  test('every monitoring job definition runs in the VPC with inter-container encryption; network isolation unless Clarify needs a shadow endpoint', () => {
    const definitions = ['DataQuality', 'ModelExplainability'].map((kind) => {
      const found = Object.values(templates.template.findResources(`AWS::SageMaker::${kind}JobDefinition`));
      expect(found).toHaveLength(1);
      return found[0].Properties.NetworkConfig;
    });
    for (const config of definitions) {
      expect(config.VpcConfig).toEqual({ Subnets: { Ref: 'MlopsNetworkSubnetIds' }, SecurityGroupIds: { Ref: 'MlopsNetworkSecurityGroupIds' } });
      expect(config.EnableInterContainerTrafficEncryption).toBe(true);
    }
    expect(definitions.map((c) => c.EnableNetworkIsolation)).toEqual([true, false]);
  });

  test('the batch transform\'s model runs in the VPC, and the CodeBuild project too', () => {
    templates.template.hasResourceProperties('AWS::SageMaker::Model', {
      VpcConfig: { Subnets: { Ref: 'MlopsNetworkSubnetIds' }, SecurityGroupIds: { Ref: 'MlopsNetworkSecurityGroupIds' } },
      EnableNetworkIsolation: true,
    });
    const network = platform.toolingNetwork;
    templates.tooling.hasResourceProperties('AWS::CodeBuild::Project', {
      VpcConfig: {
        VpcId: platform.tooling.resolve(network.vpcId),
        Subnets: platform.tooling.resolve(network.subnetIds),
        SecurityGroupIds: platform.tooling.resolve(network.securityGroupIds),
      },
    });
    // No inline policy (aws-cdk's codebuild `vpc` option would add one granting ENIs on `*`).
    templates.tooling.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('every service something calls from a VPC has an endpoint in the network of its environment', () => {
    const declarations = ServiceUsage.declarations(platform.tooling);
    expect(declarations.length).toBeGreaterThan(0);
    const where = (stack: Stack) => (stack === platform.template ? platform.productionNetwork : stack.account === PRODUCTION.account ? platform.productionNetwork : platform.toolingNetwork);
    const missing = declarations
      .filter((d) => where(Stack.of(d.scope)).endpointFor(d.service) === undefined)
      .map((d) => `${d.scope.node.path} calls ${d.service.serviceName}`);
    expect(missing).toEqual([]);
  });

  test('each network has the endpoints of what runs there, and no more', () => {
    const endpoints = (t: Template) => Object.values(t.findResources('AWS::EC2::VPCEndpoint')).map((e: any) => e.Properties.ServiceName.replace('com.amazonaws.eu-west-1.', '')).sort();
    // The build jobs and CodeBuild: S3, its logs, the SageMaker API it updates the pipeline with.
    expect(endpoints(templates.tooling)).toEqual(['logs', 's3', 'sagemaker.api']);
    // The baselines lookup and the Clarify shadow endpoint: the SageMaker API and Runtime.
    expect(endpoints(templates.production)).toEqual(['s3', 'sagemaker.api', 'sagemaker.runtime']);
  });

  test('the deployment template holds no cross-stack reference: it reads the production network from SSM when deployed', () => {
    const text = JSON.stringify(templates.template.toJSON());
    expect(text).not.toContain('Fn::ImportValue');
    expect(Object.keys(templates.template.toJSON().Parameters)).toEqual(expect.arrayContaining(['MlopsNetworkVpcId', 'MlopsNetworkSubnetIds', 'MlopsNetworkSecurityGroupIds']));
  });
});

test('a private platform environment is compliant: four cdk-nag packs and cfn-lint over every template', () => {
  expect(complianceProblems((app) => {
    buildPlatform(app);
  })).toEqual([]);
});

describe('workloads refuse a network they cannot use', () => {
  test('fails on a monitor given both a network and a vpc', () => {
    const stack = new Stack(new App(), 'S', { env: PRODUCTION });
    const network = new PlatformNetwork(stack, 'Network');
    expect(() => new ModelMonitor(stack, 'Monitor', {
      target: MonitoringTarget.endpoint({ endpointName: 'churn-production', dataCaptureEnabled: true, dataCaptureS3Uri: 's3://churn-capture/churn-production' }),
      network,
      vpc: network.vpc,
      dataQuality: { baseline: MonitoringBaseline.fromS3({ constraintsS3Uri: 's3://churn-baselines/constraints.json' }) },
    })).toThrow(/ModelMonitor S\/Monitor: give network or vpc, not both/);
  });

  test('fails on a batch transform in a network of one subnet', () => {
    const stack = new Stack(new App(), 'S', { env: PRODUCTION });
    expect(() => new ScheduledBatchTransform(stack, 'Nightly', {
      modelPackageArn: PACKAGE,
      schedule: scheduler.ScheduleExpression.cron({ hour: '2', minute: '0' }),
      inputBucket: s3.Bucket.fromBucketName(stack, 'Input', 'churn-input'),
      inputPrefix: 'x/',
      network: { vpcId: 'vpc-1', vpcCidrBlock: '10.0.0.0/16', subnetIds: ['subnet-1'], securityGroupIds: [], grantNetworkInterfaces: () => { throw new Error('unused'); } } as IWorkloadNetwork,
    })).toThrow(/scheduled batch transform S\/Nightly: network needs subnets in at least two Availability Zones, got 1 subnet\(s\); network needs at least one security group/);
  });
});

describe('a project whose staging and two production regions bring their own VPCs', () => {
  const existing = (n: number, region: string) => PlatformVpc.fromAttributes({
    vpcId: `vpc-0${n}23456789abcdef0`,
    vpcCidrBlock: `10.${n}.0.0/16`,
    subnetIds: [`subnet-0${n}aaaaaaaaaaaaaa1`, `subnet-0${n}bbbbbbbbbbbbbb2`],
    routeTableIds: [`rtb-0${n}aaaaaaaaaaaaaa1`],
    availabilityZones: [`${region}a`, `${region}b`],
  });

  test('synthesizes, each template resolving the network of whatever account and region it is deployed to', () => {
    // GIVEN
    const app = new App();
    const tooling = new Stack(app, 'Tooling', { env: TOOLING });
    const environments = [
      { id: 'Staging', env: { account: '222222222222', region: 'eu-west-1' }, n: 2 },
      { id: 'Production1', env: { account: '333333333333', region: 'eu-west-1' }, n: 3 },
      { id: 'Production2', env: { account: '333333333333', region: 'us-east-1' }, n: 4 },
    ].map(({ id, env, n }) => {
      const stack = new Stack(app, id, { env });
      return { stack, network: new PlatformNetwork(stack, 'Network', { trustedAccounts: [TOOLING.account, '222222222222', '333333333333'], vpc: existing(n, env.region) }) };
    });
    const staging = new Stack(tooling, 'StagingDeployment');
    monitorAndTransform(staging, new DeployTimeNetwork(staging, 'Network'));
    const production = new Stack(tooling, 'ProductionDeployment');
    monitorAndTransform(production, new DeployTimeNetwork(production, 'Network'));

    // WHEN: one production template serves both production regions
    environments[0].network.serve(staging);
    environments[1].network.serve(production);
    environments[2].network.serve(production);
    const assembly = app.synth();

    // THEN
    expect(assembly.manifest.missing ?? []).toEqual([]);
    for (const template of [staging, production]) {
      const json = Template.fromStack(template).toJSON();
      expect(JSON.stringify(json)).not.toContain('Fn::ImportValue');
      expect(JSON.stringify(json)).not.toMatch(/vpc-0|subnet-0/);
      expect(json.Parameters.MlopsNetworkSubnetIds.Type).toBe('AWS::SSM::Parameter::Value<List<AWS::EC2::Subnet::Id>>');
    }
    for (const { stack, network } of environments) {
      const endpoints = Object.values(Template.fromStack(stack).findResources('AWS::EC2::VPCEndpoint')).map((e: any) => e.Properties.ServiceName.split('.').slice(3).join('.')).sort();
      expect(endpoints).toEqual(['s3', 'sagemaker.api', 'sagemaker.runtime']);
      expect(network.createsVpc).toBe(false);
      Template.fromStack(stack).resourceCountIs('AWS::EC2::VPC', 0);
    }
  });
});
