import { mkdtempSync, readdirSync, readFileSync, statSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { build as buildReferencePlatform } from '../../bin/app';
import { build as buildQuickstart } from '../../examples/single-account-quickstart';
import { EndpointInference } from '../../lib/deployment';
import { EndpointType, PlatformNetwork, PlatformVpc, ServiceEndpoint, ServiceUsage } from '../../lib/network';
import { MlopsPlatform, MlopsProject, PlatformNetworking, ProjectModelBuild } from '../../lib/project';
import { cdkJsonContext } from '../compliance/synthesize-app';

/*
 * The private networks of a whole platform, read from its synthesized templates: the reference
 * platform (bin/app.ts, private by default), a platform whose staging and production environments
 * bring their own VPCs, and the quickstart (PlatformNetworking.none()).
 */

// Synthesized CloudFormation, read as parsed JSON.
type Json = any;

/** One synthesized app: every template of its cloud assembly, by file name. */
interface Synthesized {
  readonly app: App;
  readonly directory: string;
  /** Every `*.template.json` of the assembly (stacks, deployment templates, product templates). */
  readonly templates: Map<string, Json>;
}

function templateFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...templateFiles(full, path.join(prefix, entry)));
    else if (entry.endsWith('.template.json')) out.push(path.join(prefix, entry));
  }
  return out.sort();
}

function synthesize(build: (app: App) => void, context: Record<string, unknown> = cdkJsonContext()): Synthesized {
  const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'private-networks-')), context });
  build(app);
  const directory = app.synth().directory;
  const templates = new Map<string, Json>();
  for (const file of templateFiles(directory)) templates.set(file, JSON.parse(readFileSync(path.join(directory, file), 'utf8')));
  return { app, directory, templates };
}

/** The template of a stack of the app: a stack's, or a deployment template's (synthesized next to the stacks). */
function templateJson(s: Synthesized, stack: Stack): Json {
  const template = s.templates.get(stack.templateFile);
  if (!template) throw new Error(`no template ${stack.templateFile} for ${stack.node.path} in ${s.directory}`);
  return template;
}

function stacksOf(app: App): Stack[] {
  return app.node.findAll().filter((c: IConstruct): c is Stack => Stack.isStack(c));
}

function resourcesOf(template: Json, type: string): Array<[string, Json]> {
  return Object.entries(template.Resources ?? {}).filter(([, r]) => (r as Json).Type === type) as Array<[string, Json]>;
}

/** Every resource of a type in every template, with where it is. */
function everywhere(s: Synthesized, type: string): Array<{ file: string; id: string; resource: Json }> {
  const out: Array<{ file: string; id: string; resource: Json }> = [];
  for (const [file, template] of s.templates) {
    for (const [id, resource] of resourcesOf(template, type)) out.push({ file, id, resource });
  }
  return out;
}

function platformOf(app: App): MlopsPlatform {
  const platform = app.node.findAll().find((c): c is MlopsPlatform => c instanceof MlopsPlatform);
  if (!platform) throw new Error('the app has no MlopsPlatform');
  return platform;
}

function projectsOf(app: App): MlopsProject[] {
  return app.node.findAll().filter((c): c is MlopsProject => c instanceof MlopsProject);
}

const SUBNET_PARAMETER = 'MlopsNetworkSubnetIds';
const SECURITY_GROUP_PARAMETER = 'MlopsNetworkSecurityGroupIds';
const DEPLOY_TIME_VPC_CONFIG = { SubnetIds: { Ref: SUBNET_PARAMETER }, SecurityGroupIds: { Ref: SECURITY_GROUP_PARAMETER } };

/**
 * Where an id of a VPC configuration comes from: the resource it names (`<template file>#<logical
 * id>`, following a cross-stack import to the exporting template), a parameter of the template
 * (`parameter:<name>`), or the literal id.
 */
function idSource(value: Json, s: Synthesized, file: string): string {
  if (typeof value === 'string') return value;
  if (value?.Ref !== undefined) return s.templates.get(file)?.Parameters?.[value.Ref] ? `parameter:${value.Ref}` : `${file}#${value.Ref}`;
  if (value?.['Fn::GetAtt'] !== undefined) return `${file}#${[value['Fn::GetAtt']].flat()[0].split('.')[0]}`;
  if (value?.['Fn::ImportValue'] !== undefined) {
    for (const [exporter, template] of s.templates) {
      for (const output of Object.values(template.Outputs ?? {}) as Json[]) {
        if (output.Export?.Name === value['Fn::ImportValue']) return idSource(output.Value, s, exporter);
      }
    }
    return `unresolved import ${JSON.stringify(value)}`;
  }
  return `unknown ${JSON.stringify(value)}`;
}

/** The sources of a list of ids (or of a parameter holding the list). */
function sourcesOf(value: Json, s: Synthesized, file: string): string[] {
  return Array.isArray(value) ? value.map((v) => idSource(v, s, file)) : [idSource(value, s, file)];
}

/** What a network's subnets and workload security group are called in its platform stack's template. */
function networkIds(s: Synthesized, network: PlatformNetwork): { subnets: string[]; securityGroups: string[] } {
  const stack = Stack.of(network);
  const template = templateJson(s, stack);
  const file = stack.templateFile;
  // One list each, through the same reader as the consumers' configurations.
  const subnets = sourcesOf(stack.resolve(network.subnetIds), s, file);
  const securityGroups = sourcesOf(stack.resolve(network.securityGroupIds), s, file);
  for (const id of [...subnets, ...securityGroups].filter((i) => i.includes('#'))) {
    expect(template.Resources[id.split('#')[1]]).toBeDefined();
  }
  return { subnets, securityGroups };
}

/**
 * The JSON of a pipeline definition with every CloudFormation token replaced by a placeholder
 * `${TOKEN<n>}`, and the tokens.
 */
function pipelineDefinition(body: Json): { definition: Json; tokens: Json[] } {
  const tokens: Json[] = [];
  const placeholder = (token: Json) => {
    tokens.push(token);
    return `\${TOKEN${tokens.length - 1}}`;
  };
  let text: string;
  if (typeof body === 'string') {
    text = body;
  } else if (body['Fn::Join']) {
    const [separator, parts] = body['Fn::Join'];
    text = (parts as Json[]).map((p) => (typeof p === 'string' ? p : placeholder(p))).join(separator);
  } else if (body['Fn::Sub']) {
    const [template, variables] = Array.isArray(body['Fn::Sub']) ? body['Fn::Sub'] : [body['Fn::Sub'], {}];
    text = (template as string).replace(/\$\{([^!}][^}]*)\}/g, (_, name: string) => placeholder(variables[name] ?? (name.includes('.') ? { 'Fn::GetAtt': name.split('.') } : { Ref: name })));
  } else {
    throw new Error(`a PipelineDefinitionBody neither string, Fn::Join nor Fn::Sub: ${JSON.stringify(body).slice(0, 200)}`);
  }
  return { definition: JSON.parse(text), tokens };
}

/** The pipeline definitions of a template's SageMaker pipelines, by logical id. */
function pipelineDefinitions(template: Json): Array<{ id: string; definition: Json; tokens: Json[] }> {
  return resourcesOf(template, 'AWS::SageMaker::Pipeline').map(([id, r]) => {
    const body = r.Properties.PipelineDefinition?.PipelineDefinitionBody;
    if (body === undefined) throw new Error(`pipeline ${id} has no PipelineDefinitionBody (an S3 definition is not read by this test)`);
    return { id, ...pipelineDefinition(body) };
  });
}

/** Steps that start no SageMaker job, so have no network of their own. */
const STEPS_WITHOUT_JOB = new Set(['Condition', 'Fail', 'RegisterModel']);

/** Where each job step keeps its VPC configuration (SageMaker Pipelines' step arguments are the job's Create* request). */
function stepVpcConfig(step: Json, steps: Json[]): Json | undefined {
  const a = step.Arguments ?? {};
  switch (step.Type) {
    case 'Processing':
    case 'QualityCheck':
    case 'ClarifyCheck':
      return a.NetworkConfig?.VpcConfig;
    case 'Training':
    case 'Model': // CreateModel
      return a.VpcConfig;
    case 'Tuning':
      return a.TrainingJobDefinition?.VpcConfig ?? a.TrainingJobDefinitions?.[0]?.VpcConfig;
    case 'AutoML':
      return a.AutoMLJobConfig?.SecurityConfig?.VpcConfig;
    case 'Transform': {
      // CreateTransformJob has no VPC configuration: the job runs in its model's.
      const from = /^Steps\.(.+)\.ModelName$/.exec(a.ModelName?.Get ?? '');
      const model = from ? steps.find((st) => st.Name === from[1]) : undefined;
      return model ? stepVpcConfig(model, steps) : undefined;
    }
    default:
      throw new Error(`step ${step.Name} of type ${step.Type}: this test does not know where its network is; teach stepVpcConfig`);
  }
}

/** Every step, with those inside conditions. */
function allSteps(steps: Json[]): Json[] {
  return steps.flatMap((st) => [st, ...(st.Type === 'Condition' ? allSteps([...(st.Arguments.IfSteps ?? []), ...(st.Arguments.ElseSteps ?? [])]) : [])]);
}

/** A value of a template, with `Fn::Join` over literals evaluated. */
function literal(value: Json): Json {
  if (value?.['Fn::Join'] && (value['Fn::Join'][1] as Json[]).every((p) => typeof p === 'string')) return value['Fn::Join'][1].join(value['Fn::Join'][0]);
  return value;
}

/** The policy statements a role of a template holds: inline, and from the policies attached to it there. */
function statementsOf(template: Json, roleLogicalId: string): Json[] {
  const role = template.Resources[roleLogicalId];
  const attached = (r: Json) => (r.Properties.Roles ?? []).some((x: Json) => x?.Ref === roleLogicalId)
    || (role.Properties.ManagedPolicyArns ?? []).some((a: Json) => a?.Ref !== undefined && template.Resources[a.Ref] === r);
  return [
    ...(role.Properties.Policies ?? []).flatMap((p: Json) => p.PolicyDocument.Statement),
    ...Object.values(template.Resources as Record<string, Json>)
      .filter((r) => (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') && attached(r))
      .flatMap((r) => r.Properties.PolicyDocument.Statement),
  ];
}

/** The platform's accounts, from cdk.json as `cdk synth` reads them. */
function referenceAccounts(): string[] {
  const context = cdkJsonContext();
  return [...new Set([context['mlops:toolingAccount'], context['mlops:stagingAccount'], context['mlops:productionAccount']] as string[])].sort();
}

/**
 * Functions the library runs outside any VPC on purpose, by template file and logical id, with the
 * reason the code gives. Kept exact: an entry that matches nothing fails.
 *
 * The reference platform has none. The one the library documents is the staging smoke test when
 * staging is in another region than tooling (lib/promotion/model-promotion-pipeline.ts,
 * `outsideVpcReason`: the tooling region's endpoints serve their own region only); bin/app.ts
 * keeps staging in the tooling region. No aws-cdk-lib singleton function (bucket notifications,
 * log retention, auto-delete objects) is synthesized: S3 events go through EventBridge and log
 * groups are created with their retention.
 */
const OUTSIDE_VPC: Array<{ file: RegExp; logicalId: RegExp; reason: string }> = [];

describe('the reference platform (bin/app.ts), private by default', () => {
  let s: Synthesized;
  let platform: MlopsPlatform;
  let projects: MlopsProject[];
  let accounts: string[];

  beforeAll(() => {
    s = synthesize((app) => buildReferencePlatform(app));
    platform = platformOf(s.app);
    projects = projectsOf(s.app);
    accounts = referenceAccounts();
  });

  /** The deployment templates of every project, with the networks they are served by. */
  function deploymentTemplates(): Array<{ name: string; file: string; template: Json; networks: PlatformNetwork[] }> {
    return projects.flatMap((p) => [
      { name: `${p.projectName} staging`, stack: p.stagingDeployment, networks: [platform.networkFor(platform.staging)!] },
      { name: `${p.projectName} production`, stack: p.productionDeployment, networks: platform.production.map((env) => platform.networkFor(env)!) },
    ]).map(({ name, stack, networks }) => ({ name, file: stack.templateFile, template: templateJson(s, stack), networks }));
  }

  test('is private: a network in tooling, staging and production, each in the platform stack of its environment', () => {
    expect(platform.networking.isPrivate).toBe(true);
    expect(platform.networks.map((n) => Stack.of(n).node.path).sort()).toEqual(['Platform/Production1', 'Platform/Staging', 'Platform/Tooling']);
    expect(platform.toolingNetwork).toBe(platform.networkFor(platform.tooling));
    expect(projects.map((p) => p.projectName).sort()).toEqual(['churn', 'house-prices']);
    // Every project stack and deployment template is among the templates read below.
    for (const stack of stacksOf(s.app)) expect([...s.templates.keys()]).toContain(stack.templateFile);
  });

  test('has no path to the internet: no NAT gateway, internet gateway, gateway attachment or public subnet in any template', () => {
    const types = new Set([...s.templates.values()].flatMap((t) => Object.values(t.Resources ?? {}).map((r: Json) => r.Type)));
    for (const type of ['AWS::EC2::NatGateway', 'AWS::EC2::InternetGateway', 'AWS::EC2::VPCGatewayAttachment', 'AWS::EC2::EgressOnlyInternetGateway', 'AWS::EC2::EIP']) {
      expect({ type, present: types.has(type) }).toEqual({ type, present: false });
    }
    const subnets = everywhere(s, 'AWS::EC2::Subnet');
    // two isolated subnets in each of tooling, staging and production
    expect(subnets).toHaveLength(6);
    expect(subnets.filter((x) => x.resource.Properties.MapPublicIpOnLaunch !== false).map((x) => `${x.file}#${x.id}`)).toEqual([]);
    // nor a route out of the VPC (gateway endpoints add their routes themselves)
    expect(everywhere(s, 'AWS::EC2::Route').map((x) => `${x.file}#${x.id}`)).toEqual([]);
  });

  test('runs every Lambda function of every stack and deployment template in the VPC of its environment, except those documented outside it', () => {
    const deploymentFiles = new Set(deploymentTemplates().map((d) => d.file));
    const stacks = stacksOf(s.app);
    const functions = everywhere(s, 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(0);
    const problems: string[] = [];
    const excepted = new Set<number>();
    for (const { file, id, resource } of functions) {
      const exception = OUTSIDE_VPC.findIndex((e) => e.file.test(file) && e.logicalId.test(id));
      if (exception >= 0) {
        excepted.add(exception);
        continue;
      }
      const config = resource.Properties.VpcConfig;
      const where = `${file}#${id}`;
      if (!config?.SubnetIds || !config?.SecurityGroupIds) {
        problems.push(`${where} has no VpcConfig with SubnetIds and SecurityGroupIds`);
      } else if (deploymentFiles.has(file)) {
        // resolved where the template is deployed
        if (JSON.stringify({ SubnetIds: config.SubnetIds, SecurityGroupIds: config.SecurityGroupIds }) !== JSON.stringify(DEPLOY_TIME_VPC_CONFIG)) {
          problems.push(`${where} runs in ${JSON.stringify(config)}, not the network the template resolves at deploy time`);
        }
      } else {
        // a stack deployed with cdk deploy: the network of its own account and region
        const stack = stacks.find((st) => st.templateFile === file);
        const network = stack ? platform.networkFor({ account: stack.account, region: stack.region }) : undefined;
        if (!network) {
          problems.push(`${where} is in a template of no environment of the platform`);
          continue;
        }
        const expected = networkIds(s, network);
        const subnets = sourcesOf(config.SubnetIds, s, file);
        const groups = sourcesOf(config.SecurityGroupIds, s, file);
        if (JSON.stringify(subnets) !== JSON.stringify(expected.subnets) || JSON.stringify(groups) !== JSON.stringify(expected.securityGroups)) {
          problems.push(`${where} runs in subnets ${subnets.join(', ')} with ${groups.join(', ')}, not those of ${Stack.of(network).node.path}/Network`);
        }
      }
    }
    expect(problems).toEqual([]);
    // each documented exception still exists
    expect(OUTSIDE_VPC.filter((_, i) => !excepted.has(i)).map((e) => `${e.file}#${e.logicalId}`)).toEqual([]);
  });

  test('runs every job step of every build pipeline in the tooling VPC', () => {
    const tooling = networkIds(s, platform.toolingNetwork!);
    const problems: string[] = [];
    const jobSteps: string[] = [];
    for (const project of projects) {
      const file = project.toolingStack.templateFile;
      const definitions = pipelineDefinitions(templateJson(s, project.toolingStack));
      expect(definitions).toHaveLength(1);
      for (const { id, definition, tokens } of definitions) {
        const steps = allSteps(definition.Steps);
        const token = (v: Json) => {
          const m = typeof v === 'string' ? /^\$\{TOKEN(\d+)\}$/.exec(v) : null;
          return m ? tokens[Number(m[1])] : v;
        };
        for (const step of steps.filter((st) => !STEPS_WITHOUT_JOB.has(st.Type))) {
          const where = `${project.projectName} ${id} step ${step.Name} (${step.Type})`;
          jobSteps.push(`${project.projectName}/${step.Name}`);
          const config = stepVpcConfig(step, steps);
          if (!config) {
            problems.push(`${where} has no VPC configuration`);
            continue;
          }
          const subnets = sourcesOf((config.Subnets ?? []).map(token), s, file);
          const groups = sourcesOf((config.SecurityGroupIds ?? []).map(token), s, file);
          if (JSON.stringify(subnets) !== JSON.stringify(tooling.subnets) || JSON.stringify(groups) !== JSON.stringify(tooling.securityGroups)) {
            problems.push(`${where} runs in subnets ${subnets.join(', ')} with ${groups.join(', ')}, not the tooling network's`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    // the classic build: preprocessing, the data-quality baseline, training and evaluation
    expect(jobSteps.sort()).toEqual(['churn', 'house-prices'].flatMap((p) => ['DataQualityCheck', 'Evaluate', 'Preprocess', 'Train'].map((st) => `${p}/${st}`)));
  });

  test('runs every model and monitoring job definition in a VPC, and every CodeBuild project in the tooling VPC', () => {
    const models = everywhere(s, 'AWS::SageMaker::Model');
    // staging and production of both projects
    expect(models.length).toBeGreaterThanOrEqual(4);
    expect(models.filter((m) => !m.resource.Properties.VpcConfig?.Subnets || !m.resource.Properties.VpcConfig?.SecurityGroupIds).map((m) => `${m.file}#${m.id}`)).toEqual([]);

    const jobDefinitions = [...s.templates.entries()].flatMap(([file, t]) => Object.entries(t.Resources ?? {})
      .filter(([, r]: [string, Json]) => /^AWS::SageMaker::\w+JobDefinition$/.test(r.Type))
      .map(([id, r]: [string, Json]) => ({ where: `${file}#${id}`, resource: r })));
    // at least the data-quality monitor of both production endpoints
    expect(jobDefinitions.length).toBeGreaterThanOrEqual(2);
    expect(jobDefinitions.filter((d) => !d.resource.Properties.NetworkConfig?.VpcConfig?.Subnets || !d.resource.Properties.NetworkConfig?.VpcConfig?.SecurityGroupIds).map((d) => d.where)).toEqual([]);

    const tooling = networkIds(s, platform.toolingNetwork!);
    const builds = everywhere(s, 'AWS::CodeBuild::Project');
    // house-prices builds from a repository
    expect(builds.length).toBeGreaterThanOrEqual(1);
    for (const { file, id, resource } of builds) {
      const config = resource.Properties.VpcConfig;
      expect({ build: `${file}#${id}`, vpc: config !== undefined }).toEqual({ build: `${file}#${id}`, vpc: true });
      expect(sourcesOf(config.Subnets, s, file)).toEqual(tooling.subnets);
      expect(sourcesOf(config.SecurityGroupIds, s, file)).toEqual(tooling.securityGroups);
      expect(sourcesOf(config.VpcId, s, file)).toEqual(sourcesOf(Stack.of(platform.toolingNetwork!).resolve(platform.toolingNetwork!.vpcId), s, Stack.of(platform.toolingNetwork!).templateFile));
    }
  });

  test('runs the Studio domain VpcOnly in the tooling network\'s subnets', () => {
    const tooling = networkIds(s, platform.toolingNetwork!);
    const domains = everywhere(s, 'AWS::SageMaker::Domain');
    expect(domains).toHaveLength(1);
    for (const { file, resource } of domains) {
      expect(resource.Properties.AppNetworkAccessType).toBe('VpcOnly');
      expect(sourcesOf(resource.Properties.SubnetIds, s, file)).toEqual(tooling.subnets);
    }
  });

  test('has the SageMaker MLflow endpoint in the tooling network for the build jobs told to log to a tracking server', () => {
    // The jobs run in the isolated tooling VPC; with MLFLOW_TRACKING_URI their scripts log to the
    // project's tracking server, reached privately only through the MLflow interface endpoint
    // (SageMaker Developer Guide, "Connecting to an MLflow tracking server through an Interface
    // VPC Endpoint"), whose service name is aws.sagemaker.<region>.experiments (aws-cdk-lib's
    // InterfaceVpcEndpointAwsService.SAGEMAKER_EXPERIMENTS), not com.amazonaws.<region>.*.
    const logging: string[] = [];
    for (const project of projects) {
      for (const { definition } of pipelineDefinitions(templateJson(s, project.toolingStack))) {
        for (const step of allSteps(definition.Steps)) {
          if (step.Arguments?.Environment?.MLFLOW_TRACKING_URI !== undefined) logging.push(`${project.projectName}/${step.Name}`);
        }
      }
    }
    // house-prices has governance.experiments in bin/app.ts
    expect(logging.sort()).toEqual(['house-prices/Evaluate', 'house-prices/Preprocess', 'house-prices/Train']);
    const serviceNames = resourcesOf(templateJson(s, platform.toolingStack), 'AWS::EC2::VPCEndpoint').map(([, e]) => e.Properties.ServiceName);
    expect(serviceNames).toContain(`aws.sagemaker.${platform.tooling.region}.experiments`);
  });

  test('resolves the network of every deployment template at deploy time from SSM-typed parameters, with no cross-stack reference', () => {
    const templates = deploymentTemplates();
    expect(templates).toHaveLength(4);
    for (const { name, template, networks } of templates) {
      const t = Template.fromJSON(template);
      const configs = [
        ...resourcesOf(template, 'AWS::SageMaker::Model').map(([id, r]) => ({ id, config: r.Properties.VpcConfig })),
        ...Object.entries(template.Resources).filter(([, r]: [string, Json]) => /JobDefinition$/.test(r.Type))
          .map(([id, r]: [string, Json]) => ({ id, config: r.Properties.NetworkConfig?.VpcConfig })),
      ];
      expect(configs.length).toBeGreaterThan(0);
      for (const { id, config } of configs) {
        expect({ template: name, id, config }).toEqual({ template: name, id, config: { Subnets: { Ref: SUBNET_PARAMETER }, SecurityGroupIds: { Ref: SECURITY_GROUP_PARAMETER } } });
      }
      t.hasParameter(SUBNET_PARAMETER, { Type: 'AWS::SSM::Parameter::Value<List<AWS::EC2::Subnet::Id>>', Default: '/mlops/platform/network/subnet-ids' });
      t.hasParameter(SECURITY_GROUP_PARAMETER, { Type: 'AWS::SSM::Parameter::Value<List<AWS::EC2::SecurityGroup::Id>>', Default: '/mlops/platform/network/security-group-ids' });
      // Every network parameter names an SSM parameter that each network the template lands in publishes.
      for (const [pname, p] of Object.entries(template.Parameters ?? {}) as Array<[string, Json]>) {
        if (!pname.startsWith('MlopsNetwork')) continue;
        expect(p.Type).toMatch(/^AWS::SSM::Parameter::Value</);
        for (const network of networks) {
          const names = resourcesOf(templateJson(s, Stack.of(network)), 'AWS::SSM::Parameter').map(([, r]) => r.Properties.Name);
          expect({ template: name, parameter: pname, publishedIn: Stack.of(network).node.path, found: names.includes(p.Default) })
            .toEqual({ template: name, parameter: pname, publishedIn: Stack.of(network).node.path, found: true });
        }
      }
      expect(JSON.stringify(template)).not.toContain('Fn::ImportValue');
    }
  });

  test('lets the promotion\'s deploy role in each target read the network parameters of the templates it deploys', () => {
    // CloudFormation resolves SSM parameter types with the caller's credentials: the deploy role's.
    const problems: string[] = [];
    let checked = 0;
    for (const project of projects) {
      const targets = [
        { target: project.stagingTarget, template: project.stagingDeployment },
        ...project.productionTargets.map((target) => ({ target, template: project.productionDeployment })),
      ];
      for (const { target, template } of targets) {
        const stack = Stack.of(target);
        const statements = statementsOf(templateJson(s, stack), stack.getLogicalId(target.deployRole.node.defaultChild as CfnElement));
        const names = Object.entries(templateJson(s, template).Parameters ?? {})
          .filter(([name]) => name.startsWith('MlopsNetwork')).map(([, p]: [string, Json]) => p.Default as string);
        expect(names.length).toBeGreaterThan(0);
        for (const name of names) {
          checked++;
          const arn = `:ssm:${stack.region}:${stack.account}:parameter${name}"`;
          const granted = statements.some((st) => st.Effect === 'Allow' && [st.Action].flat().includes('ssm:GetParameters') && [st.Resource].flat().some((r: Json) => JSON.stringify(r).includes(arn)));
          if (!granted) problems.push(`${stack.node.path} deploy role cannot ssm:GetParameters ${name}, which ${template.node.path} resolves`);
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  test('has an endpoint in the tooling network for every service each handler of the tooling account calls', () => {
    const toolingTemplate = templateJson(s, platform.toolingStack);
    const endpoints = resourcesOf(toolingTemplate, 'AWS::EC2::VPCEndpoint').map(([, e]) => ({ serviceName: e.Properties.ServiceName, type: e.Properties.VpcEndpointType }));
    const region = platform.tooling.region;
    const toolingFiles = stacksOf(s.app)
      .filter((st) => st.account === platform.tooling.account && st.region === region && !projects.some((p) => p.stagingDeployment === st || p.productionDeployment === st))
      .map((st) => st.templateFile);
    const handlers = new Set<string>();
    const missing: string[] = [];
    for (const file of toolingFiles) {
      for (const [id, fn] of resourcesOf(s.templates.get(file), 'AWS::Lambda::Function')) {
        if (!fn.Properties.VpcConfig) continue; // outside the VPC: reaches AWS without an endpoint (see the test above)
        const handler = fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME;
        const inline = fn.Properties.Code?.ZipFile;
        let services: ServiceEndpoint[];
        if (typeof handler === 'string') {
          handlers.add(handler);
          services = ServiceUsage.ofHandler(handler);
        } else if (typeof inline === 'string') {
          // a custom-resource function: what its source requires, and S3 for CloudFormation's response URL
          services = [...ServiceUsage.ofSource(inline), ServiceEndpoint.S3];
        } else {
          missing.push(`${file}#${id}: neither a handler of lambda/ (POWERTOOLS_SERVICE_NAME) nor inline code; this test cannot tell what it calls`);
          continue;
        }
        for (const service of services) {
          const wanted = { serviceName: `com.amazonaws.${region}.${service.serviceName}`, type: service.type === EndpointType.GATEWAY ? 'Gateway' : 'Interface' };
          if (!endpoints.some((e) => e.serviceName === wanted.serviceName && e.type === wanted.type)) {
            missing.push(`${file}#${id} (${handler ?? 'inline'}) calls ${service.serviceName}, which has no ${wanted.type} endpoint in Platform/Tooling`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
    expect([...handlers].sort()).toEqual([...ServiceUsage.handlers()].sort());
  });

  test('has the S3 gateway endpoint in staging and production, where the models load their artifacts', () => {
    const stacks = [platform.stagingStack, ...platform.productionStacks];
    expect(stacks).toHaveLength(2);
    for (const stack of stacks) {
      Template.fromJSON(templateJson(s, stack)).hasResourceProperties('AWS::EC2::VPCEndpoint', {
        ServiceName: `com.amazonaws.${stack.region}.s3`,
        VpcEndpointType: 'Gateway',
        RouteTableIds: Match.anyValue(),
      });
    }
  });

  test('admits only principals of the platform\'s tooling, staging and production accounts at every VPC endpoint', () => {
    expect(accounts).toEqual(['111111111111', '222222222222', '333333333333']);
    const endpoints = everywhere(s, 'AWS::EC2::VPCEndpoint');
    expect(endpoints.length).toBeGreaterThanOrEqual(3);
    const problems: string[] = [];
    for (const { file, id, resource } of endpoints) {
      const where = `${file}#${id} (${resource.Properties.ServiceName})`;
      const statements: Json[] = resource.Properties.PolicyDocument?.Statement ?? [];
      if (statements.length === 0) problems.push(`${where} has no policy (the default admits anyone)`);
      const isS3 = /\.s3$/.test(resource.Properties.ServiceName);
      for (const st of statements) {
        const principalAccounts = st.Condition?.StringEquals?.['aws:PrincipalAccount'];
        if (principalAccounts !== undefined) {
          if (JSON.stringify([...principalAccounts].sort()) !== JSON.stringify(accounts)) problems.push(`${where} statement ${st.Sid} admits ${principalAccounts}`);
          continue;
        }
        // The AWS-owned buckets the S3 endpoint keeps open, reached with presigned URLs of the
        // services' own principals (lib/network/README.md, "Endpoint policies").
        const resourceText = JSON.stringify(st.Resource);
        const ecrLayers = st.Sid === 'EcrImageLayers' && st.Action === 's3:GetObject' && /:s3:::prod-[a-z0-9-]+-starport-layer-bucket\/\*"/.test(resourceText);
        const cfnResponses = st.Sid === 'CloudFormationCustomResourceResponses' && st.Action === 's3:PutObject' && /:s3:::cloudformation-custom-resource-response-[a-z0-9]+\/\*"/.test(resourceText);
        if (!(isS3 && (ecrLayers || cfnResponses) && st.Effect === 'Allow')) problems.push(`${where} statement ${st.Sid ?? JSON.stringify(st)} names no aws:PrincipalAccount`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('limits the S3 and DynamoDB gateway endpoints to resources of the platform\'s accounts', () => {
    const gateways = everywhere(s, 'AWS::EC2::VPCEndpoint').filter((e) => e.resource.Properties.VpcEndpointType === 'Gateway');
    expect(gateways.length).toBeGreaterThanOrEqual(3);
    for (const { resource } of gateways) {
      const perimeter = resource.Properties.PolicyDocument.Statement.find((st: Json) => st.Condition?.StringEquals?.['aws:PrincipalAccount']);
      expect([...perimeter.Condition.StringEquals['aws:ResourceAccount']].sort()).toEqual(accounts);
    }
  });
});

describe('a platform whose staging and production environments bring their own VPCs', () => {
  const TOOLING = { account: '111111111111', region: 'eu-west-1' };
  const STAGING = { account: '222222222222', region: 'eu-west-1' };
  const PRODUCTION_EU = { account: '333333333333', region: 'eu-west-1' };
  const PRODUCTION_US = { account: '333333333333', region: 'us-east-1' };
  // The build's images are pulled in the tooling region.
  const IMAGE = '141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1';
  const imported = [
    { env: STAGING, n: '2' },
    { env: PRODUCTION_EU, n: '3' },
    { env: PRODUCTION_US, n: '4' },
  ].map(({ env, n }) => ({
    env,
    vpcId: `vpc-0${n.repeat(16)}`,
    subnetIds: [`subnet-0${n.repeat(8)}aaaaaaaa`, `subnet-0${n.repeat(8)}bbbbbbbb`],
    routeTableIds: [`rtb-0${n.repeat(8)}aaaaaaaa`, `rtb-0${n.repeat(8)}bbbbbbbb`],
    vpcCidrBlock: `10.${n}.0.0/16`,
  }));

  let s: Synthesized;
  let platform: MlopsPlatform;
  let project: MlopsProject;

  beforeAll(() => {
    s = synthesize((app) => {
      platform = new MlopsPlatform(app, 'Platform', {
        tooling: TOOLING,
        staging: STAGING,
        production: [PRODUCTION_EU, PRODUCTION_US],
        networking: PlatformNetworking.privateVpcs({
          vpcs: imported.map((v) => ({
            account: v.env.account,
            region: v.env.region,
            vpc: PlatformVpc.fromAttributes({
              vpcId: v.vpcId,
              vpcCidrBlock: v.vpcCidrBlock,
              subnetIds: v.subnetIds,
              routeTableIds: v.routeTableIds,
              availabilityZones: [`${v.env.region}a`, `${v.env.region}b`],
            }),
          })),
        }),
      });
      project = new MlopsProject(app, 'Churn', {
        platform,
        projectName: 'churn',
        modelBuild: ProjectModelBuild.classic({ processingImageUri: IMAGE, trainingImageUri: IMAGE }),
        monitoring: {},
        stagingEndpoint: { inference: EndpointInference.realTime({ instanceType: 'ml.m5.large' }) },
        productionEndpoint: { inference: EndpointInference.realTime({ instanceType: 'ml.c5.xlarge' }) },
        smokeTest: { payload: '1,2,3' },
      });
    }, {});
  });

  test('imports the VPCs given and creates one in tooling only', () => {
    expect(platform.networks).toHaveLength(4);
    expect(platform.networks.filter((n) => n.createsVpc).map((n) => Stack.of(n).node.path)).toEqual(['Platform/Tooling']);
    const vpcs = everywhere(s, 'AWS::EC2::VPC');
    expect(vpcs.map((v) => v.file)).toEqual([platform.toolingStack.templateFile]);
  });

  test('names each imported VPC\'s ids only in the platform stack of its environment, which publishes them in SSM parameters', () => {
    for (const v of imported) {
      const home = platform.stackFor(v.env)!;
      expect(home.region).toBe(v.env.region);
      for (const id of [v.vpcId, ...v.subnetIds, ...v.routeTableIds]) {
        const holders = [...s.templates.entries()].filter(([, t]) => JSON.stringify(t).includes(id)).map(([file]) => file);
        expect({ id, holders }).toEqual({ id, holders: [home.templateFile] });
        // in that stack, only the network's own resources name it
        const types = Object.values(templateJson(s, home).Resources).filter((r: Json) => JSON.stringify(r).includes(id)).map((r: Json) => r.Type);
        expect({ id, types: [...new Set(types)].filter((t) => !['AWS::SSM::Parameter', 'AWS::EC2::SecurityGroup', 'AWS::EC2::VPCEndpoint'].includes(t)) }).toEqual({ id, types: [] });
      }
      const parameters = new Map(resourcesOf(templateJson(s, home), 'AWS::SSM::Parameter').map(([, r]) => [r.Properties.Name, literal(r.Properties.Value)]));
      expect(parameters.get('/mlops/platform/network/vpc-id')).toBe(v.vpcId);
      expect(parameters.get('/mlops/platform/network/vpc-cidr')).toBe(v.vpcCidrBlock);
      expect(parameters.get('/mlops/platform/network/subnet-ids')).toBe(v.subnetIds.join(','));
      expect(parameters.get('/mlops/platform/network/security-group-ids')).toBeDefined();
    }
  });

  test('deploys one production template to both production regions, its models and monitor on the SSM-typed network parameters', () => {
    const productionFiles = [...s.templates.keys()].filter((f) => f.includes('ProductionDeployment'));
    expect(productionFiles).toEqual([project.productionDeployment.templateFile]);

    // Both production waves deploy the artifact of that one template.
    const pipeline = resourcesOf(templateJson(s, project.toolingStack), 'AWS::CodePipeline::Pipeline').map(([, r]) => r.Properties)
      .find((p) => JSON.stringify(p.Stages).includes('mlops-churn-production'))!;
    const actions: Json[] = pipeline.Stages.flatMap((st: Json) => st.Actions);
    const source = actions.find((a) => a.ActionTypeId.Provider === 'S3' && a.Name.includes(project.productionDeployment.artifactId));
    expect(source).toBeDefined();
    const artifact = source.OutputArtifacts[0].Name;
    const deploys = actions.filter((a) => a.ActionTypeId.Provider === 'CloudFormation' && a.Configuration.StackName === 'mlops-churn-production');
    expect(deploys.map((a) => ({ region: a.Region, template: a.Configuration.TemplatePath.split('::')[0] })).sort((a, b) => a.region.localeCompare(b.region)))
      .toEqual([{ region: 'eu-west-1', template: artifact }, { region: 'us-east-1', template: artifact }]);

    const template = Template.fromJSON(templateJson(s, project.productionDeployment));
    const vpcConfig = { Subnets: { Ref: SUBNET_PARAMETER }, SecurityGroupIds: { Ref: SECURITY_GROUP_PARAMETER } };
    template.allResourcesProperties('AWS::SageMaker::Model', { VpcConfig: vpcConfig });
    template.resourceCountIs('AWS::SageMaker::Model', 1);
    template.allResourcesProperties('AWS::SageMaker::DataQualityJobDefinition', { NetworkConfig: Match.objectLike({ VpcConfig: vpcConfig }) });
    template.hasParameter(SUBNET_PARAMETER, { Type: 'AWS::SSM::Parameter::Value<List<AWS::EC2::Subnet::Id>>' });
    template.hasParameter(SECURITY_GROUP_PARAMETER, { Type: 'AWS::SSM::Parameter::Value<List<AWS::EC2::SecurityGroup::Id>>' });
  });

  test('holds no Fn::ImportValue in any deployment template', () => {
    for (const stack of [project.stagingDeployment, project.productionDeployment]) {
      const text = JSON.stringify(templateJson(s, stack));
      expect({ template: stack.templateFile, imports: text.includes('Fn::ImportValue') }).toEqual({ template: stack.templateFile, imports: false });
    }
  });

  test('has the endpoints of what the production template runs in both production regions', () => {
    // The models and monitors load and write S3; each region reaches its own S3 through its own endpoint.
    for (const env of [PRODUCTION_EU, PRODUCTION_US]) {
      const stack = platform.stackFor(env)!;
      Template.fromJSON(templateJson(s, stack)).hasResourceProperties('AWS::EC2::VPCEndpoint', {
        ServiceName: `com.amazonaws.${env.region}.s3`,
        VpcEndpointType: 'Gateway',
        RouteTableIds: imported.find((v) => v.env === env)!.routeTableIds,
      });
    }
  });
});

test('fails on a vpc of an environment that is not the platform\'s, naming vpcs[0] and the account and region', () => {
  // GIVEN
  const app = new App();
  const vpc = PlatformVpc.fromAttributes({
    vpcId: 'vpc-09999999999999999',
    vpcCidrBlock: '10.9.0.0/16',
    subnetIds: ['subnet-09999999aaaaaaaa', 'subnet-09999999bbbbbbbb'],
    routeTableIds: ['rtb-09999999aaaaaaaa'],
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  });

  // WHEN / THEN
  expect(() => new MlopsPlatform(app, 'Platform', {
    tooling: { account: '111111111111', region: 'eu-west-1' },
    staging: { account: '222222222222', region: 'eu-west-1' },
    production: [{ account: '333333333333', region: 'eu-west-1' }],
    networking: PlatformNetworking.privateVpcs({ vpcs: [{ account: '999999999999', region: 'eu-west-1', vpc }] }),
  })).toThrow(/^MlopsPlatform Platform: networking vpcs\[0\] is for 999999999999\/eu-west-1, which is not an account and region of the platform/);
});

test('the quickstart (PlatformNetworking.none()) creates no VPC, subnet, security group or VPC endpoint', () => {
  // GIVEN / WHEN
  const s = synthesize((app) => buildQuickstart(app), {});

  // THEN
  const platform = platformOf(s.app);
  expect(platform.networking.isPrivate).toBe(false);
  expect(platform.networks).toEqual([]);
  expect(s.templates.size).toBeGreaterThan(0);
  for (const type of ['AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EC2::SecurityGroup', 'AWS::EC2::VPCEndpoint']) {
    expect({ type, count: everywhere(s, type).length }).toEqual({ type, count: 0 });
  }
  expect(everywhere(s, 'AWS::Lambda::Function').filter((f) => f.resource.Properties.VpcConfig).map((f) => `${f.file}#${f.id}`)).toEqual([]);
});
