import { Annotations, Fn, Names, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { allSteps, FoundStep, vpcSettings } from './definition/validation';
import { nagResourceName, waive } from '../private/compliance';

// What the execution role of a SageMaker pipeline needs, per step type. The SageMaker Developer
// Guide ("IAM access management" of Pipelines, build-and-manage-access.md) lists: iam:PassRole of
// each role passed to a job, Create and Describe of each job type of the pipeline, s3:GetObject
// of the property files JsonGet reads. Stop* lets the service stop a job when the execution is
// stopped; AddTags because it tags the jobs it starts. Lambda, callback and EMR steps follow the
// AWS managed policy AmazonSageMakerPipelinesIntegrations (security-iam-awsmanpol-pipelines.md,
// version 3 of 2023-02-17), scoped to the function, queue, cluster and roles the steps name.
// Resource types and ARN formats: cfn-lint's Policies.json (the Service Authorization Reference).

/** SageMaker API actions a step type makes the pipeline call, on the job type's ARNs. */
const JOB_ACTIONS: Record<string, { resource: string; actions: string[] }> = {
  Processing: { resource: 'processing-job', actions: ['CreateProcessingJob', 'DescribeProcessingJob', 'StopProcessingJob'] },
  QualityCheck: { resource: 'processing-job', actions: ['CreateProcessingJob', 'DescribeProcessingJob', 'StopProcessingJob'] },
  ClarifyCheck: { resource: 'processing-job', actions: ['CreateProcessingJob', 'DescribeProcessingJob', 'StopProcessingJob'] },
  Training: { resource: 'training-job', actions: ['CreateTrainingJob', 'DescribeTrainingJob', 'StopTrainingJob'] },
  Tuning: {
    resource: 'hyper-parameter-tuning-job',
    actions: ['CreateHyperParameterTuningJob', 'DescribeHyperParameterTuningJob', 'StopHyperParameterTuningJob', 'ListTrainingJobsForHyperParameterTuningJob'],
  },
  Transform: { resource: 'transform-job', actions: ['CreateTransformJob', 'DescribeTransformJob', 'StopTransformJob'] },
  Model: { resource: 'model', actions: ['CreateModel', 'DescribeModel'] },
  // The SDK's AutoMLStep sends a CreateAutoMLJob request (AutoMLJobConfig, not V2's
  // AutoMLProblemTypeConfig); its properties are DescribeAutoMLJob's.
  AutoML: { resource: 'automl-job', actions: ['CreateAutoMLJob', 'DescribeAutoMLJob', 'StopAutoMLJob'] },
};

/** Every step type whose permissions are derived here; any other fails at synth. */
export const KNOWN_STEP_TYPES = [
  ...Object.keys(JOB_ACTIONS), 'RegisterModel', 'Condition', 'Fail', 'Lambda', 'Callback', 'EMR', 'EMRServerless',
].sort();

/** Where each step type names the roles its jobs run as (all passed to SageMaker). */
const SAGEMAKER_ROLE_PATHS: Record<string, string[][]> = {
  Processing: [['RoleArn']],
  QualityCheck: [['RoleArn']],
  ClarifyCheck: [['RoleArn']],
  Training: [['RoleArn']],
  Tuning: [['TrainingJobDefinition', 'RoleArn']],
  Model: [['ExecutionRoleArn']],
  AutoML: [['RoleArn']],
};

/** EMR's rules the EMR step watches its step and cluster through (AmazonSageMakerPipelinesIntegrations). */
const EMR_RULES = ['SageMakerPipelineExecutionEMRStepStatusUpdateRule', 'SageMakerPipelineExecutionEMRClusterStatusUpdateRule'];

/**
 * A wildcard resource of a derived statement and why it cannot be narrower.
 * @internal
 */
export interface WildcardReason {
  readonly resource: string;
  readonly reason: string;
}

/**
 * What a definition's steps need from the pipeline's execution role.
 * @internal
 */
export interface DerivedPermissions {
  readonly statements: iam.PolicyStatement[];
  /** Roles the steps pass to SageMaker (ARN strings, maybe tokens). */
  readonly passedRoleArns: string[];
  /** Model package group names RegisterModel steps register into (maybe tokens). */
  readonly modelPackageGroupNames: string[];
  /** Model package group names check steps read baselines from (maybe tokens). */
  readonly baselineGroupNames: string[];
  /** Whether a step registers into a group given at run time. */
  readonly runTimeGroup: boolean;
  /** Whether a check step reads baselines of a group given at run time. */
  readonly runTimeBaselineGroup: boolean;
  /** Steps that pass a role given at run time. */
  readonly runTimeRoleSteps: string[];
  /** Property files whose bucket is not known at synth. */
  readonly unknownPropertyFileBuckets: string[];
  /** What the role cannot be given, each naming the step and what is missing. */
  readonly underivable: string[];
  /** Wildcard resources of the statements, each with its reason. */
  readonly wildcardReasons: WildcardReason[];
  /** Whether any statement has a job-type wildcard resource (run-time job names). */
  readonly jobWildcards: boolean;
}

/**
 * Derives the execution role's permissions from a definition's JSON: the job APIs of the step
 * types on their job ARNs, the roles the steps pass, the functions, queues, clusters and
 * applications they call, the property files the service reads, and the experiment and MLflow
 * server it tracks executions in.
 * @internal
 */
export function derivePermissions(stack: Stack, definition: any): DerivedPermissions {
  const statements: iam.PolicyStatement[] = [];
  const underivable: string[] = [];
  const wildcardReasons: WildcardReason[] = [];
  const steps = allSteps(definition);
  const arn = (resource: string, resourceName: string) => stack.formatArn({ service: 'sagemaker', resource, resourceName });

  for (const step of steps) {
    if (!KNOWN_STEP_TYPES.includes(step.type)) {
      underivable.push(`step '${step.name}' has type '${step.type}', whose permissions this library does not know (it knows ${KNOWN_STEP_TYPES.join(', ')})`);
    }
  }

  const jobResources = new Map<string, Set<string>>();
  for (const step of steps) {
    const job = JOB_ACTIONS[step.type];
    if (!job) continue;
    jobResources.set(job.resource, new Set([...(jobResources.get(job.resource) ?? []), ...job.actions]));
  }
  for (const [resource, actions] of [...jobResources].sort(([a], [b]) => a.localeCompare(b))) {
    statements.push(new iam.PolicyStatement({
      // Pipelines tag the jobs they start with the execution's ARN, hence AddTags.
      actions: [...[...actions].sort(), 'AddTags'].map((a) => `sagemaker:${a}`),
      resources: [arn(resource, '*')],
    }));
  }
  if (steps.some((s) => s.type === 'AutoML')) {
    statements.push(new iam.PolicyStatement({ actions: ['sagemaker:ListCandidatesForAutoMLJob'], resources: ['*'] }));
    wildcardReasons.push({ resource: '*', reason: 'sagemaker:ListCandidatesForAutoMLJob has no resource-level permissions (the Service Authorization Reference lists no resource type for it), so it is allowed on *' });
  }

  // Roles passed to jobs and models
  const passedRoleArns: string[] = [];
  const runTimeRoleSteps: string[] = [];
  for (const step of steps) {
    for (const value of sageMakerRoles(step)) {
      if (typeof value === 'string') {
        if (!passedRoleArns.includes(value)) passedRoleArns.push(value);
      } else if (!runTimeRoleSteps.includes(step.name)) {
        runTimeRoleSteps.push(step.name);
      }
    }
  }

  // Model package groups: RegisterModel steps register, check steps read drift-check baselines
  const modelPackageGroupNames: string[] = [];
  const baselineGroupNames: string[] = [];
  let runTimeGroup = false;
  let runTimeBaselineGroup = false;
  for (const step of steps) {
    const register = step.type === 'RegisterModel';
    const check = step.type === 'QualityCheck' || step.type === 'ClarifyCheck';
    if (!register && !check) continue;
    const name = register ? step.json.Arguments?.ModelPackageGroupName : step.json.ModelPackageGroupName;
    if (name === undefined || name === null) continue;
    const names = register ? modelPackageGroupNames : baselineGroupNames;
    if (typeof name === 'string') {
      if (!names.includes(name)) names.push(name);
    } else if (register) {
      runTimeGroup = true;
    } else {
      runTimeBaselineGroup = true;
    }
  }

  if (baselineGroupNames.length > 0 || runTimeBaselineGroup) {
    // A group passed in grants reading through ModelPackageGroup.grantRead, whose ListModelPackages is on *.
    wildcardReasons.push({ resource: '*', reason: 'check steps list the model package group\'s approved packages to find their drift-check baselines; ModelPackageGroup.grantRead allows sagemaker:ListModelPackages, which lists names and statuses only, on *' });
  }

  // Lambda and callback steps
  const functions: string[] = [];
  const queues: string[] = [];
  for (const step of steps) {
    if (step.type === 'Lambda') {
      if (typeof step.json.FunctionArn === 'string') functions.push(step.json.FunctionArn);
      else underivable.push(`step '${step.name}' invokes a function given at run time (FunctionArn), so lambda:InvokeFunction cannot be scoped to it`);
    }
    if (step.type === 'Callback') {
      if (typeof step.json.SqsQueueUrl === 'string') queues.push(queueArn(stack, step.json.SqsQueueUrl));
      else underivable.push(`step '${step.name}' sends to a queue given at run time (SqsQueueUrl), so sqs:SendMessage cannot be scoped to it`);
    }
  }
  if (functions.length > 0) {
    statements.push(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: unique(functions) }));
  }
  if (queues.length > 0) {
    statements.push(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: unique(queues) }));
  }

  deriveEmr(stack, steps, statements, underivable, wildcardReasons);
  deriveEmrServerless(stack, steps, statements, underivable, wildcardReasons);

  // Property files: the service reads them from the step's output with the execution role
  const propertyFileObjects: string[] = [];
  const unknownPropertyFileBuckets: string[] = [];
  for (const step of steps) {
    for (const file of Array.isArray(step.json.PropertyFiles) ? step.json.PropertyFiles : []) {
      const outputs = step.json.Arguments?.ProcessingOutputConfig?.Outputs ?? [];
      const output = outputs.find((o: any) => o?.OutputName === file.OutputName);
      const bucket = bucketOf(output?.S3Output?.S3Uri);
      if (bucket) propertyFileObjects.push(`arn:${stack.partition}:s3:::${bucket}/*`);
      else unknownPropertyFileBuckets.push(`${step.name}.${file.PropertyFileName}`);
    }
  }
  if (propertyFileObjects.length > 0) {
    statements.push(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: unique(propertyFileObjects) }));
  }

  // Experiment tracking (PipelineExperimentConfig): the service creates the experiment and trial
  if (definition.PipelineExperimentConfig) {
    statements.push(new iam.PolicyStatement({
      actions: [
        'sagemaker:CreateExperiment', 'sagemaker:DescribeExperiment', 'sagemaker:CreateTrial', 'sagemaker:DescribeTrial',
        'sagemaker:CreateTrialComponent', 'sagemaker:DescribeTrialComponent', 'sagemaker:AssociateTrialComponent', 'sagemaker:AddTags',
      ],
      resources: [arn('experiment', '*'), arn('experiment-trial', '*'), arn('experiment-trial-component', '*')],
    }));
  }

  // MLflow tracking (MlflowConfig, SDK v3). No AWS page names the calls the service makes for it;
  // these are the MLflow tracking APIs that create an experiment and a run and log to it, on the
  // configured server only (sagemaker-mlflow actions of the Service Authorization Reference).
  const mlflow = definition.MlflowConfig;
  if (mlflow && typeof mlflow === 'object') {
    if (typeof mlflow.MlflowResourceArn === 'string') {
      statements.push(new iam.PolicyStatement({
        actions: [
          'CreateExperiment', 'GetExperiment', 'GetExperimentByName', 'SearchExperiments', 'CreateRun', 'UpdateRun', 'GetRun',
          'SearchRuns', 'LogBatch', 'LogMetric', 'LogParam', 'LogInputs', 'SetTag',
        ].map((a) => `sagemaker-mlflow:${a}`),
        resources: [mlflow.MlflowResourceArn],
      }));
    } else {
      underivable.push('the MLflow config names a tracking server given at run time (MlflowResourceArn), so sagemaker-mlflow permissions cannot be scoped to it');
    }
  }

  return {
    statements,
    passedRoleArns,
    modelPackageGroupNames,
    baselineGroupNames,
    runTimeGroup,
    runTimeBaselineGroup,
    runTimeRoleSteps,
    unknownPropertyFileBuckets,
    underivable,
    wildcardReasons,
    jobWildcards: jobResources.size > 0 || !!definition.PipelineExperimentConfig,
  };
}

/** The roles a step's jobs run as, passed to SageMaker. */
function sageMakerRoles(step: FoundStep): any[] {
  const args = step.json.Arguments;
  const requests = step.type === 'Tuning' && Array.isArray(args?.TrainingJobDefinitions)
    ? args.TrainingJobDefinitions.map((d: any) => ({ TrainingJobDefinition: d })) : [args];
  const out: any[] = [];
  for (const request of requests) {
    for (const path of SAGEMAKER_ROLE_PATHS[step.type] ?? []) {
      const value = path.reduce((v: any, k) => (v && typeof v === 'object' ? v[k] : undefined), request);
      if (value !== undefined) out.push(value);
    }
  }
  // Models of an inference pipeline name their role once, at the top.
  return out;
}

/**
 * EMR steps (AmazonSageMakerPipelinesIntegrations v3): on a running cluster, add, watch and cancel
 * steps of that cluster; on a cluster the step creates (`ClusterConfig`), also RunJobFlow (no
 * resource-level permission), DescribeCluster and TerminateJobFlows of the cluster EMR names at run
 * time, and pass the cluster's service role to EMR and its instance profile's role to EC2. Both
 * watch the step or cluster through two EventBridge rules the service puts.
 */
function deriveEmr(stack: Stack, steps: FoundStep[], statements: iam.PolicyStatement[], underivable: string[], reasons: WildcardReason[]): void {
  const emrSteps = steps.filter((s) => s.type === 'EMR');
  if (emrSteps.length === 0) return;
  const cluster = (id: string) => stack.formatArn({ service: 'elasticmapreduce', resource: 'cluster', resourceName: id });
  const anyCluster = cluster('*');
  const clusters: string[] = [];
  let creates = false;
  const passToEmr: string[] = [];
  const passToEc2: string[] = [];
  for (const step of emrSteps) {
    const args = step.json.Arguments ?? {};
    if (args.ClusterConfig !== undefined) {
      creates = true;
      const config = args.ClusterConfig ?? {};
      for (const [field, list] of [['ServiceRole', passToEmr], ['JobFlowRole', passToEc2]] as Array<[string, string[]]>) {
        const value = config[field];
        if (value === undefined) continue;
        if (typeof value === 'string') list.push(roleArnOf(stack, value));
        else underivable.push(`step '${step.name}' creates a cluster whose ${field} is given at run time, so iam:PassRole cannot be scoped to it`);
      }
    } else if (typeof args.ClusterId === 'string') {
      clusters.push(cluster(args.ClusterId));
    } else {
      clusters.push(anyCluster);
      reasons.push({ resource: anyCluster, reason: 'an EMR step runs on a cluster whose id is a pipeline parameter, known only at run time; access is limited to EMR clusters of this account and region' });
    }
  }
  const stepActions = ['AddJobFlowSteps', 'CancelSteps', 'DescribeStep', 'ListSteps'];
  if (clusters.length > 0) {
    statements.push(new iam.PolicyStatement({ actions: stepActions.map((a) => `elasticmapreduce:${a}`), resources: unique(clusters) }));
  }
  if (creates) {
    statements.push(new iam.PolicyStatement({ actions: ['elasticmapreduce:RunJobFlow'], resources: ['*'] }));
    reasons.push({ resource: '*', reason: 'elasticmapreduce:RunJobFlow has no resource-level permissions (the Service Authorization Reference lists no resource type for it): an EMR step with ClusterConfig creates its cluster with it' });
    statements.push(new iam.PolicyStatement({
      actions: [...stepActions, 'DescribeCluster', 'TerminateJobFlows'].map((a) => `elasticmapreduce:${a}`),
      resources: [anyCluster],
    }));
    reasons.push({ resource: anyCluster, reason: 'an EMR step with ClusterConfig creates its cluster at run time and EMR names it (j-...), so the step\'s cluster is any EMR cluster of this account and region' });
  }
  for (const [service, roles] of [['elasticmapreduce.amazonaws.com', passToEmr], ['ec2.amazonaws.com', passToEc2]] as Array<[string, string[]]>) {
    if (roles.length === 0) continue;
    statements.push(new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: unique(roles),
      conditions: { StringEquals: { 'iam:PassedToService': service } },
    }));
  }
  statements.push(new iam.PolicyStatement({
    actions: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'],
    resources: EMR_RULES.map((rule) => stack.formatArn({ service: 'events', resource: 'rule', resourceName: rule })),
  }));
}

/**
 * EMR Serverless steps (SDK v3): start, watch and cancel job runs of the application (job run ids
 * are assigned at run time); with `ApplicationConfig` the step also creates the application
 * (CreateApplication has no resource-level permission), starts, stops and deletes it. The job's
 * role is passed to EMR Serverless. No AWS page lists the calls SageMaker makes for this step;
 * these are the EMR Serverless APIs a job run on a (new) application takes, per its API reference.
 */
function deriveEmrServerless(stack: Stack, steps: FoundStep[], statements: iam.PolicyStatement[], underivable: string[], reasons: WildcardReason[]): void {
  const serverless = steps.filter((s) => s.type === 'EMRServerless');
  if (serverless.length === 0) return;
  const application = (id: string) => stack.formatArn({ service: 'emr-serverless', resource: '/applications', resourceName: id });
  const applications: string[] = [];
  let creates = false;
  const roles: string[] = [];
  for (const step of serverless) {
    const args = step.json.Arguments ?? {};
    if (args.ApplicationConfig !== undefined) {
      creates = true;
    } else if (typeof args.ApplicationId === 'string') {
      applications.push(application(args.ApplicationId));
    } else {
      applications.push(application('*'));
      reasons.push({ resource: application('*'), reason: 'an EMR Serverless step runs on an application whose id is a pipeline parameter, known only at run time; access is limited to applications of this account and region' });
    }
    const role = args.ExecutionRoleArn ?? args.JobConfig?.executionRoleArn;
    if (typeof role === 'string') roles.push(role);
    else underivable.push(`step '${step.name}' runs its EMR Serverless job as a role given at run time (ExecutionRoleArn), so iam:PassRole cannot be scoped to it`);
  }
  if (creates) {
    applications.push(application('*'));
    statements.push(new iam.PolicyStatement({ actions: ['emr-serverless:CreateApplication'], resources: ['*'] }));
    reasons.push({ resource: '*', reason: 'emr-serverless:CreateApplication has no resource-level permissions (the Service Authorization Reference lists no resource type for it): an EMR Serverless step with ApplicationConfig creates its application with it' });
    statements.push(new iam.PolicyStatement({
      actions: ['GetApplication', 'StartApplication', 'StopApplication', 'DeleteApplication'].map((a) => `emr-serverless:${a}`),
      resources: [application('*')],
    }));
    reasons.push({ resource: application('*'), reason: 'an EMR Serverless step with ApplicationConfig creates its application at run time and EMR Serverless assigns its id, so it is any application of this account and region' });
  }
  const apps = unique(applications);
  statements.push(new iam.PolicyStatement({ actions: ['emr-serverless:StartJobRun'], resources: apps }));
  const jobRuns = apps.map((a) => `${a}/jobruns/*`);
  statements.push(new iam.PolicyStatement({ actions: ['emr-serverless:GetJobRun', 'emr-serverless:CancelJobRun'], resources: jobRuns }));
  for (const r of jobRuns) {
    reasons.push({ resource: r, reason: 'EMR Serverless assigns job run ids at run time; access is limited to the job runs of the step\'s application' });
  }
  if (roles.length > 0) {
    statements.push(new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: unique(roles),
      conditions: { StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } },
    }));
  }
}

/** A role's ARN from its ARN or its name (EMR takes either; a path-less name is assumed). */
function roleArnOf(stack: Stack, nameOrArn: string): string {
  if (!Token.isUnresolved(nameOrArn) && nameOrArn.startsWith('arn:')) return nameOrArn;
  return stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: nameOrArn });
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/**
 * The literal text a value starts with: a string, or the head of a `Std:Join` (nested joins
 * included) up to its first expression. `complete` when the whole value is literal.
 */
function literalHead(value: any): { text: string; complete: boolean } {
  if (typeof value === 'string') return { text: value, complete: true };
  const join = value?.['Std:Join'];
  if (join && typeof join.On === 'string' && Array.isArray(join.Values)) {
    let text = '';
    for (const [i, part] of join.Values.entries()) {
      if (i > 0) text += join.On;
      const head = literalHead(part);
      text += head.text;
      if (!head.complete) return { text, complete: false };
    }
    return { text, complete: true };
  }
  return { text: '', complete: false };
}

/**
 * The bucket of an S3 URI known at synth: `s3://bucket/...`, or a `Std:Join` (on any separator,
 * nested or not) whose literal head holds `s3://bucket/`, e.g. `["s3:/", "bucket", ...]` on "/"
 * or `["s3://bucket/prefix", {"Get": ...}]`.
 */
export function bucketOf(uri: any): string | undefined {
  const head = literalHead(uri);
  const m = /^s3:\/\/([^/]+)(\/|$)/.exec(head.text);
  if (!m) return undefined;
  return m[2] === '/' || head.complete ? m[1] : undefined;
}

/** arn:aws:sqs:<region>:<account>:<name> from https://sqs.<region>.amazonaws.com/<account>/<name>, tokens included. */
function queueArn(stack: Stack, url: string): string {
  if (!Token.isUnresolved(url)) {
    const m = /^https:\/\/sqs\.([^.]+)\.[^/]+\/(\d{12})\/(.+)$/.exec(url);
    if (m) return `arn:${stack.partition}:sqs:${m[1]}:${m[2]}:${m[3]}`;
  }
  const parts = Fn.split('/', url);
  const host = Fn.select(2, parts);
  return Fn.join(':', ['arn', stack.partition, 'sqs', Fn.select(1, Fn.split('.', host)), Fn.select(3, parts), Fn.select(4, parts)]);
}

/**
 * Props of a job network policy.
 */
export interface JobNetworkPolicyProps {
  /** The subnets the jobs run in (ids, literal or CloudFormation tokens). */
  readonly subnetIds: string[];
  /** The jobs' security groups (ids, literal or CloudFormation tokens). */
  readonly securityGroupIds: string[];
  /**
   * Roles the policy is attached to.
   * @default - none: attach it with `attachToRole`
   */
  readonly roles?: iam.IRole[];
  /**
   * A description of the policy.
   * @default - names the construct
   */
  readonly description?: string;
}

/**
 * The EC2 permissions the role of a SageMaker job in a VPC needs to put its network interfaces in
 * the job's subnets, as a managed policy: the VPC permissions the SageMaker Developer Guide lists
 * for the execution roles of CreateProcessingJob, CreateTrainingJob, CreateHyperParameterTuningJob,
 * CreateModel and CreateAutoMLJob (sagemaker-roles.md: ec2:CreateNetworkInterface,
 * CreateNetworkInterfacePermission, DeleteNetworkInterface, DeleteNetworkInterfacePermission,
 * DescribeNetworkInterfaces, DescribeVpcs, DescribeDhcpOptions, DescribeSubnets,
 * DescribeSecurityGroups).
 *
 * Network interfaces are scoped by the `ec2:Subnet` condition to the given subnets (a condition
 * key of the network-interface resource); the subnets and security groups are named as
 * resources of CreateNetworkInterface; the Describe actions have no resource-level permissions
 * (cfn-lint Policies.json), so they are on `*`.
 */
export class JobNetworkPolicy extends Construct {
  /** The managed policy. */
  public readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: JobNetworkPolicyProps) {
    super(scope, id);
    const problems: string[] = [];
    if (props.subnetIds.length === 0) problems.push('subnetIds must name at least one subnet');
    if (props.securityGroupIds.length === 0) problems.push('securityGroupIds must name at least one security group');
    if (problems.length > 0) throw new Error(`JobNetworkPolicy ${this.node.path}: ${problems.join('; ')}`);
    const stack = Stack.of(this);
    const ec2 = (resource: string, name: string) => stack.formatArn({ service: 'ec2', resource, resourceName: name });
    const subnets = [...new Set(props.subnetIds)].map((s) => ec2('subnet', s));
    const groups = [...new Set(props.securityGroupIds)].map((g) => ec2('security-group', g));
    const interfaces = ec2('network-interface', '*');
    this.policy = new iam.ManagedPolicy(this, 'Resource', {
      description: props.description ?? `EC2 network interfaces of SageMaker jobs in their VPC subnets (${this.node.path})`,
      roles: props.roles,
      statements: [
        new iam.PolicyStatement({
          actions: ['ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
          resources: [interfaces],
          conditions: { ArnEquals: { 'ec2:Subnet': subnets } },
        }),
        new iam.PolicyStatement({ actions: ['ec2:CreateNetworkInterface'], resources: [...subnets, ...groups] }),
        new iam.PolicyStatement({
          actions: ['ec2:DescribeDhcpOptions', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs'],
          resources: ['*'],
        }),
      ],
    });
    waive(this.policy, {
      rules: [`AwsSolutions-IAM5[Resource::${nagResourceName(stack, interfaces)}]`, 'AwsSolutions-IAM5[Resource::*]'],
      reason: 'SageMaker creates the jobs\' network interfaces at run time, so they are named by the ec2:Subnet condition (the job subnets only); the EC2 Describe actions have no resource-level permissions',
    });
  }

  /** Attaches the policy to a role (a no-op for an immutable imported role). */
  public attachToRole(role: iam.IRole): void {
    role.addManagedPolicy(this.policy);
  }
}

/**
 * Gives the job roles of a definition's VPC steps the EC2 network-interface permissions they need,
 * where the subnets and security groups are known at synth and the role is one of this app (or
 * passed in `jobRoles`): a `JobNetworkPolicy` in the role's stack. Warns, naming the steps, for
 * what it cannot grant.
 * @internal
 */
export function grantJobNetworking(pipeline: Construct, definition: any, jobRoles: iam.IRole[]): void {
  const settings = vpcSettings(definition);
  if (settings.length === 0) return;
  const appRoles = pipeline.node.root.node.findAll().filter((c: IConstruct) => iam.Role.isRole(c)) as unknown as iam.IRole[];
  const candidates = [...jobRoles, ...appRoles];
  const byRole = new Map<iam.IRole, { subnets: Set<string>; groups: Set<string>; steps: Set<string> }>();
  const missing: string[] = [];
  for (const s of settings) {
    const literal = (v: any) => typeof v === 'string';
    if (!s.subnets.every(literal) || !s.securityGroupIds.every(literal)) {
      missing.push(`step '${s.stepName}' (subnets or security groups given at run time)`);
      continue;
    }
    for (const arn of s.roleArns) {
      const role = typeof arn === 'string' ? candidates.find((r) => r.roleArn === arn) : undefined;
      if (!role) {
        missing.push(`step '${s.stepName}' (its role ${typeof arn === 'string' ? arn : 'given at run time'} is not a role of this app nor in jobRoles)`);
        continue;
      }
      const entry = byRole.get(role) ?? { subnets: new Set(), groups: new Set(), steps: new Set() };
      s.subnets.forEach((v) => entry.subnets.add(v));
      s.securityGroupIds.forEach((v) => entry.groups.add(v));
      entry.steps.add(s.stepName);
      byRole.set(role, entry);
    }
  }
  for (const [role, entry] of byRole) {
    if (role.constructor.name === 'ImmutableRole') {
      missing.push(`steps ${[...entry.steps].map((n) => `'${n}'`).join(', ')} (their role ${role.roleArn} was imported as immutable)`);
      continue;
    }
    // In the role's stack: the role's stack cannot depend on the pipeline's, which names the role.
    new JobNetworkPolicy(role, `JobNetwork${Names.uniqueId(pipeline)}`, {
      subnetIds: [...entry.subnets],
      securityGroupIds: [...entry.groups],
      roles: [role],
      description: `EC2 network interfaces of the VPC jobs of ${pipeline.node.path}`,
    });
  }
  if (missing.length > 0) {
    Annotations.of(pipeline).addWarningV2('cdk-sagemaker-mlops:vpcJobNetworkPermissions',
      `VPC jobs whose roles were not given the EC2 network-interface permissions (attach a JobNetworkPolicy to them): ${missing.join('; ')}`);
  }
}
