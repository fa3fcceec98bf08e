import { Fn, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { allSteps } from './definition/validation';

/**
 * SageMaker API actions a step type makes the pipeline call, on the job type's ARNs.
 */
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
};

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
  /** Steps that pass a role given at run time. */
  readonly runTimeRoleSteps: string[];
  /** Property files whose bucket is not known at synth. */
  readonly unknownPropertyFileBuckets: string[];
  /** Whether any statement has a job-type wildcard resource (run-time job names). */
  readonly jobWildcards: boolean;
}

/**
 * Derives the execution role's permissions from a definition's JSON: the job APIs of the step
 * types on their job ARNs, the roles the steps pass, the functions, queues and clusters they
 * call, the property files the service reads, and the experiment it tracks executions under.
 * @internal
 */
export function derivePermissions(stack: Stack, definition: any): DerivedPermissions {
  const statements: iam.PolicyStatement[] = [];
  const steps = allSteps(definition);
  const arn = (resource: string, resourceName: string) => stack.formatArn({ service: 'sagemaker', resource, resourceName });

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

  // Roles passed to jobs and models
  const passedRoleArns: string[] = [];
  const runTimeRoleSteps: string[] = [];
  for (const step of steps) {
    for (const value of fieldValues(step.json.Arguments, ['RoleArn', 'ExecutionRoleArn'])) {
      if (typeof value === 'string') {
        if (!passedRoleArns.includes(value)) passedRoleArns.push(value);
      } else if (!runTimeRoleSteps.includes(step.name)) {
        runTimeRoleSteps.push(step.name);
      }
    }
  }

  // Model package groups
  const modelPackageGroupNames: string[] = [];
  const baselineGroupNames: string[] = [];
  let runTimeGroup = false;
  for (const step of steps) {
    const register = step.type === 'RegisterModel';
    const name = register ? step.json.Arguments?.ModelPackageGroupName : step.json.ModelPackageGroupName;
    if (name === undefined || name === null) continue;
    const names = register ? modelPackageGroupNames : baselineGroupNames;
    if (typeof name === 'string') {
      if (!names.includes(name)) names.push(name);
    } else {
      runTimeGroup = true;
    }
  }

  // Lambda, callback and EMR steps
  const functions = steps.filter((s) => s.type === 'Lambda' && typeof s.json.FunctionArn === 'string').map((s) => s.json.FunctionArn);
  if (functions.length > 0) {
    statements.push(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: unique(functions) }));
  }
  const queues = steps.filter((s) => s.type === 'Callback' && typeof s.json.SqsQueueUrl === 'string').map((s) => queueArn(stack, s.json.SqsQueueUrl));
  if (queues.length > 0) {
    statements.push(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: unique(queues) }));
  }
  const clusters = steps.filter((s) => s.type === 'EMR').map((s) => {
    const id = s.json.Arguments?.ClusterId;
    return typeof id === 'string' ? stack.formatArn({ service: 'elasticmapreduce', resource: 'cluster', resourceName: id }) : stack.formatArn({ service: 'elasticmapreduce', resource: 'cluster', resourceName: '*' });
  });
  if (clusters.length > 0) {
    statements.push(new iam.PolicyStatement({ actions: ['elasticmapreduce:AddJobFlowSteps', 'elasticmapreduce:CancelSteps', 'elasticmapreduce:DescribeStep'], resources: unique(clusters) }));
  }

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

  return {
    statements,
    passedRoleArns,
    modelPackageGroupNames,
    baselineGroupNames,
    runTimeGroup,
    runTimeRoleSteps,
    unknownPropertyFileBuckets,
    jobWildcards: jobResources.size > 0 || !!definition.PipelineExperimentConfig,
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** Values of the named fields anywhere under `value`. */
function fieldValues(value: any, fields: string[]): any[] {
  const out: any[] = [];
  const visit = (v: any) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (typeof v === 'object' && v !== null) {
      for (const [k, child] of Object.entries(v)) {
        if (fields.includes(k)) out.push(child);
        else visit(child);
      }
    }
  };
  visit(value);
  return out;
}

/** The bucket of `s3://bucket/...`, or of a `Std:Join` on "/" starting with `s3:/` and a literal bucket. */
function bucketOf(uri: any): string | undefined {
  if (typeof uri === 'string') {
    const m = /^s3:\/\/([^/]+)/.exec(uri);
    return m ? m[1] : undefined;
  }
  const join = uri?.['Std:Join'];
  if (join && join.On === '/' && Array.isArray(join.Values) && join.Values[0] === 's3:/' && typeof join.Values[1] === 'string') {
    return join.Values[1];
  }
  if (join && join.On === '' && Array.isArray(join.Values) && typeof join.Values[0] === 'string') {
    return bucketOf(join.Values[0]);
  }
  return undefined;
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
