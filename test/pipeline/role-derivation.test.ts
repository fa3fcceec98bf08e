import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  AutoMlStep, CallbackStep, ClarifyCheckStep, ClarifyCheckType, Condition, ConditionStep, DatasetFormat, EmrServerlessStep, EmrStep,
  FailStep, LambdaStep, ModelBuildPipeline, ModelStep, ParameterString, PipelineDefinition, PipelineExpression, ProcessingStep,
  PropertyFile, QualityCheckStep, RegisterModelStep, TrainingStep, TransformStep, TuningStep,
} from '../../lib/pipeline';
import { bucketOf, KNOWN_STEP_TYPES } from '../../lib/pipeline/execution-permissions';
import { ModelPackageGroup } from '../../lib/registry/model-package-group';
import { complianceProblems } from '../harness/compliance';

const env = { account: '111111111111', region: 'us-east-1' };
const ACCOUNT = env.account;
const REGION = env.region;
const JOB_ROLE = `arn:aws:iam::${ACCOUNT}:role/jobs`;

/**
 * One step of every type the DSL builds (the SDK's 15), with what its job needs named literally,
 * as a definition imported from the SDK would name it.
 */
function everyStepType(stack: Stack): PipelineDefinition {
  const role = iam.Role.fromRoleArn(stack, 'JobRole', JOB_ROLE, { mutable: false });
  const emrServerlessRole = iam.Role.fromRoleArn(stack, 'EmrServerlessRole', `arn:aws:iam::${ACCOUNT}:role/emr-serverless-jobs`, { mutable: false });
  const fn = lambda.Function.fromFunctionArn(stack, 'Fn', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:notify`);
  const queue = sqs.Queue.fromQueueAttributes(stack, 'Queue', {
    queueArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:approvals`, queueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/approvals`,
  });
  const cluster = { clusterConfig: { instanceType: 'ml.m5.xlarge', instanceCount: 1, volumeSizeInGb: 30 } };
  const report = new PropertyFile({ name: 'Report', outputName: 'evaluation', path: 'evaluation.json' });
  const prep = new ProcessingStep('Prep', {
    processingResources: cluster, appSpecification: { imageUri: 'sklearn:1' }, role,
    processingOutputConfig: { outputs: [{ outputName: 'evaluation', s3Output: { s3Uri: 's3://ml-data/evaluation', localPath: '/opt/ml/processing/evaluation' } }] },
    propertyFiles: [report],
  });
  const training = {
    algorithmSpecification: { trainingInputMode: 'File', trainingImage: 'xgboost:1' }, role,
    outputDataConfig: { s3OutputPath: 's3://ml-data/models' },
    resourceConfig: { instanceType: 'ml.m5.xlarge', instanceCount: 1, volumeSizeInGb: 30 },
    stoppingCondition: { maxRuntimeInSeconds: 3600 },
  };
  const train = new TrainingStep('Train', training);
  const tune = new TuningStep('Tune', {
    hyperParameterTuningJobConfig: { strategy: 'Random', resourceLimits: { maxNumberOfTrainingJobs: 2, maxParallelTrainingJobs: 1 } },
    trainingJobDefinition: training,
  });
  const model = new ModelStep('Model', { executionRole: role, primaryContainer: { image: 'xgboost:1', modelDataUrl: train.modelArtifacts } });
  const transform = new TransformStep('Transform', {
    modelName: model.modelName,
    transformInput: { dataSource: { s3DataSource: { s3DataType: 'S3Prefix', s3Uri: 's3://ml-data/batch' } } },
    transformOutput: { s3OutputPath: 's3://ml-data/batch-out' },
    transformResources: { instanceType: 'ml.m5.xlarge', instanceCount: 1 },
  });
  const register = new RegisterModelStep('Register', {
    modelPackageGroupName: 'churn',
    inferenceSpecification: { containers: [{ image: 'xgboost:1', modelDataUrl: train.modelArtifacts }], supportedContentTypes: ['text/csv'], supportedResponseMimeTypes: ['text/csv'] },
  });
  const quality = QualityCheckStep.dataQuality('DataQuality', {
    checkJobConfig: { role, imageUri: '156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer' },
    dataQualityCheckConfig: { baselineDataset: 's3://ml-data/train', datasetFormat: DatasetFormat.csv(), outputS3Uri: 's3://ml-data/baselines' },
    modelPackageGroupName: 'churn',
  });
  const clarify = new ClarifyCheckStep('Bias', {
    processingResources: cluster, appSpecification: { imageUri: 'clarify:1' }, role, checkType: ClarifyCheckType.DATA_BIAS, modelPackageGroupName: 'churn',
  });
  const automl = new AutoMlStep('AutoML', {
    role,
    inputDataConfig: [{ dataSource: { s3DataSource: { s3Uri: 's3://ml-data/train' } }, targetAttributeName: 'y' }],
    outputDataConfig: { s3OutputPath: 's3://ml-data/automl' },
  });
  const emr = new EmrStep('Emr', { clusterId: 'j-RUNNING', stepConfig: { hadoopJarStep: { jar: 'command-runner.jar' } } });
  const emrCluster = new EmrStep('EmrCluster', {
    clusterConfig: {
      releaseLabel: 'emr-6.15.0',
      instances: { instanceGroups: [{ instanceRole: 'MASTER', instanceType: 'm5.xlarge', instanceCount: 1 }] },
      serviceRole: 'EMR_DefaultRole',
      jobFlowRole: 'EMR_EC2_DefaultRole',
    },
    stepConfig: { hadoopJarStep: { jar: 'command-runner.jar' } },
  });
  const emrServerless = new EmrServerlessStep('EmrServerless', {
    applicationId: '00abc', jobConfig: { executionRole: emrServerlessRole, jobDriver: { sparkSubmit: { entryPoint: 's3://ml-data/job.py' } } },
  });
  const emrServerlessNew = new EmrServerlessStep('EmrServerlessNew', {
    applicationConfig: { name: 'spark', releaseLabel: 'emr-6.15.0', type: 'SPARK' },
    jobConfig: { executionRole: emrServerlessRole, jobDriver: { sparkSubmit: { entryPoint: 's3://ml-data/job.py' } } },
  });
  const notify = new LambdaStep('Notify', { lambdaFunction: fn });
  const approve = new CallbackStep('Approve', { queue });
  const gate = new ConditionStep('Gate', {
    conditions: [Condition.lessThanOrEqualTo(prep.jsonGet(report, 'mse'), PipelineExpression.fromNumber(6))],
    ifSteps: [register],
    elseSteps: [new FailStep('TooHigh')],
  });
  return PipelineDefinition.fromSteps({
    steps: [prep, train, tune, model, transform, quality, clarify, automl, emr, emrCluster, emrServerless, emrServerlessNew, notify, approve, gate],
  });
}

/** A template value as text: Fn::Join joined, AWS::Partition as aws. */
function text(value: any): string {
  if (typeof value === 'string') return value;
  if (value?.Ref === 'AWS::Partition') return 'aws';
  if (value?.Ref === 'AWS::URLSuffix') return 'amazonaws.com';
  if (value?.['Fn::Join']) return value['Fn::Join'][1].map(text).join(value['Fn::Join'][0]);
  return JSON.stringify(value);
}

interface Statement { actions: string[]; resources: string[]; condition?: any }

function statementsOf(template: Template): Statement[] {
  const list = (v: any) => (Array.isArray(v) ? v : [v]);
  return Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
    .filter((p: any) => JSON.stringify(p.Properties.Roles ?? []).includes('PipelineRole'))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
    .map((st: any) => ({ actions: list(st.Action), resources: list(st.Resource).map(text), condition: st.Condition }));
}

const glob = (pattern: string, value: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(value);

/** Whether an Allow statement grants the action on the resource (with, optionally, the PassedToService it requires). */
function allows(statements: Statement[], action: string, resource: string, passedTo?: string): boolean {
  return statements.some((st) => st.actions.some((a) => glob(a, action)) && st.resources.some((r) => glob(r, resource))
    && (passedTo === undefined || st.condition?.StringEquals?.['iam:PassedToService'] === passedTo));
}

const sm = (resource: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:${resource}`;

/**
 * What each step's job needs, after the SageMaker Developer Guide's list for pipeline execution
 * roles (build-and-manage-access.md, "Pipeline Role Permissions": iam:PassRole of the roles passed
 * to jobs, Create and Describe of each job type, s3:GetObject for JsonGet) and, for Lambda,
 * callback and EMR steps, the AWS managed policy AmazonSageMakerPipelinesIntegrations
 * (security-iam-awsmanpol-pipelines.md). Job names are the service's, hence job-type wildcards.
 */
const NEEDS: Record<string, Array<[string, string, string?]>> = {
  Processing: [['sagemaker:CreateProcessingJob', sm('processing-job/pipelines-x-prep')], ['sagemaker:DescribeProcessingJob', sm('processing-job/pipelines-x-prep')], ['iam:PassRole', JOB_ROLE, 'sagemaker.amazonaws.com']],
  Training: [['sagemaker:CreateTrainingJob', sm('training-job/pipelines-x-train')], ['sagemaker:DescribeTrainingJob', sm('training-job/pipelines-x-train')], ['iam:PassRole', JOB_ROLE, 'sagemaker.amazonaws.com']],
  Tuning: [['sagemaker:CreateHyperParameterTuningJob', sm('hyper-parameter-tuning-job/x')], ['sagemaker:DescribeHyperParameterTuningJob', sm('hyper-parameter-tuning-job/x')], ['iam:PassRole', JOB_ROLE, 'sagemaker.amazonaws.com']],
  Transform: [['sagemaker:CreateTransformJob', sm('transform-job/x')], ['sagemaker:DescribeTransformJob', sm('transform-job/x')]],
  Model: [['sagemaker:CreateModel', sm('model/x')], ['sagemaker:DescribeModel', sm('model/x')], ['iam:PassRole', JOB_ROLE, 'sagemaker.amazonaws.com']],
  RegisterModel: [['sagemaker:CreateModelPackage', sm('model-package/churn/1')], ['sagemaker:DescribeModelPackage', sm('model-package/churn/1')]],
  QualityCheck: [['sagemaker:CreateProcessingJob', sm('processing-job/x')], ['sagemaker:DescribeProcessingJob', sm('processing-job/x')], ['sagemaker:ListModelPackages', sm('model-package-group/churn')], ['iam:PassRole', JOB_ROLE, 'sagemaker.amazonaws.com']],
  ClarifyCheck: [['sagemaker:CreateProcessingJob', sm('processing-job/x')], ['sagemaker:DescribeModelPackage', sm('model-package/churn/1')], ['iam:PassRole', JOB_ROLE, 'sagemaker.amazonaws.com']],
  AutoML: [['sagemaker:CreateAutoMLJob', sm('automl-job/x')], ['sagemaker:DescribeAutoMLJob', sm('automl-job/x')], ['iam:PassRole', JOB_ROLE, 'sagemaker.amazonaws.com']],
  Condition: [['s3:GetObject', 'arn:aws:s3:::ml-data/evaluation/evaluation.json']],
  Fail: [],
  Lambda: [['lambda:InvokeFunction', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:notify`]],
  Callback: [['sqs:SendMessage', `arn:aws:sqs:${REGION}:${ACCOUNT}:approvals`]],
  EMR: [
    ['elasticmapreduce:AddJobFlowSteps', `arn:aws:elasticmapreduce:${REGION}:${ACCOUNT}:cluster/j-RUNNING`],
    ['elasticmapreduce:DescribeStep', `arn:aws:elasticmapreduce:${REGION}:${ACCOUNT}:cluster/j-RUNNING`],
    ['elasticmapreduce:CancelSteps', `arn:aws:elasticmapreduce:${REGION}:${ACCOUNT}:cluster/j-RUNNING`],
    // a cluster the step creates
    ['elasticmapreduce:RunJobFlow', '*'],
    ['elasticmapreduce:DescribeCluster', `arn:aws:elasticmapreduce:${REGION}:${ACCOUNT}:cluster/j-NEW`],
    ['elasticmapreduce:TerminateJobFlows', `arn:aws:elasticmapreduce:${REGION}:${ACCOUNT}:cluster/j-NEW`],
    ['elasticmapreduce:AddJobFlowSteps', `arn:aws:elasticmapreduce:${REGION}:${ACCOUNT}:cluster/j-NEW`],
    ['iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/EMR_DefaultRole`, 'elasticmapreduce.amazonaws.com'],
    ['iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/EMR_EC2_DefaultRole`, 'ec2.amazonaws.com'],
    ['events:PutRule', `arn:aws:events:${REGION}:${ACCOUNT}:rule/SageMakerPipelineExecutionEMRStepStatusUpdateRule`],
    ['events:PutTargets', `arn:aws:events:${REGION}:${ACCOUNT}:rule/SageMakerPipelineExecutionEMRClusterStatusUpdateRule`],
  ],
  EMRServerless: [
    ['emr-serverless:StartJobRun', `arn:aws:emr-serverless:${REGION}:${ACCOUNT}:/applications/00abc`],
    ['emr-serverless:GetJobRun', `arn:aws:emr-serverless:${REGION}:${ACCOUNT}:/applications/00abc/jobruns/00run`],
    ['emr-serverless:CancelJobRun', `arn:aws:emr-serverless:${REGION}:${ACCOUNT}:/applications/00abc/jobruns/00run`],
    ['emr-serverless:CreateApplication', '*'],
    ['emr-serverless:StartJobRun', `arn:aws:emr-serverless:${REGION}:${ACCOUNT}:/applications/00new`],
    ['iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/emr-serverless-jobs`, 'emr-serverless.amazonaws.com'],
  ],
};

describe('execution role derivation', () => {
  test('the table covers every step type the role is derived for, the SDK\'s 15', () => {
    expect(Object.keys(NEEDS).sort()).toEqual([...KNOWN_STEP_TYPES].sort());
    expect(KNOWN_STEP_TYPES).toHaveLength(15);
  });

  test.each([
    ['built with the DSL', (d: PipelineDefinition) => d],
    ['imported as JSON', (d: PipelineDefinition) => PipelineDefinition.fromJson(JSON.stringify(d.toJson()))],
  ])('every step type %s gets a role with each permission its job needs', (_how, as) => {
    // GIVEN
    const stack = new Stack(new App(), 'Every', { env });
    const definition = as(everyStepType(stack));
    expect(definition.stepTypes).toEqual([...KNOWN_STEP_TYPES].sort());

    // WHEN
    new ModelBuildPipeline(stack, 'Pipeline', { definition });

    // THEN
    const statements = statementsOf(Template.fromStack(stack));
    const missing = Object.entries(NEEDS).flatMap(([type, needs]) => needs
      .filter(([action, resource, passedTo]) => !allows(statements, action, resource, passedTo))
      .map(([action, resource]) => `${type}: ${action} on ${resource}`));
    expect(missing).toEqual([]);
    // and nothing that is not asked for: no service-wide actions, PassRole only with its service
    expect(statements.flatMap((st) => st.actions).filter((a) => a.endsWith(':*') || a === '*')).toEqual([]);
    expect(statements.filter((st) => st.actions.includes('iam:PassRole') && !st.condition?.StringEquals?.['iam:PassedToService'])).toEqual([]);
  });

  test('a pipeline of every step type is compliant: each wildcard acknowledged with its reason', () => {
    const problems = complianceProblems((app) => {
      const stack = new Stack(app, 'Every', { env });
      new ModelBuildPipeline(stack, 'Pipeline', { definition: everyStepType(stack) });
    });
    expect(problems).toEqual([]);
  });

  test('fails when a step type\'s permissions are not known, naming the step and its type', () => {
    // GIVEN an imported definition with a step type this library does not derive
    const stack = new Stack(new App(), 'Unknown', { env });
    const definition = PipelineDefinition.fromObject({
      Version: '2020-12-01', Metadata: {}, Parameters: [],
      Steps: [{ Name: 'Deploy', Type: 'EndpointConfig', Arguments: { EndpointConfigName: 'x' } }],
    });

    // THEN
    expect(() => new ModelBuildPipeline(stack, 'Pipeline', { definition }))
      .toThrow(/the role cannot be derived for step 'Deploy' has type 'EndpointConfig', whose permissions this library does not know .*; pass a role of your own \(role\)/);
    // a role of your own takes the responsibility
    const role = new iam.Role(stack, 'Own', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    expect(() => new ModelBuildPipeline(stack, 'Pipeline2', { definition, role })).not.toThrow();
  });

  test('fails when a Lambda step invokes a function given at run time, naming the step', () => {
    const stack = new Stack(new App(), 'RunTimeFunction', { env });
    const arn = new ParameterString('FunctionArn');
    const fn = lambda.Function.fromFunctionAttributes(stack, 'Fn', { functionArn: arn.asString(), sameEnvironment: true });
    const definition = PipelineDefinition.fromSteps({ parameters: [arn], steps: [new LambdaStep('Notify', { lambdaFunction: fn })] });
    expect(() => new ModelBuildPipeline(stack, 'Pipeline', { definition }))
      .toThrow(/step 'Notify' invokes a function given at run time \(FunctionArn\), so lambda:InvokeFunction cannot be scoped to it/);
  });

  test('check steps whose group is a parameter read its baselines and are not taken for registering', () => {
    // GIVEN the SDK's quality check with a parameter for its group, and no RegisterModel step
    const stack = new Stack(new App(), 'Checks', { env });
    const groupName = new ParameterString('MyModelPackageGroup', { defaultValue: 'churn' });
    const role = iam.Role.fromRoleArn(stack, 'JobRole', JOB_ROLE, { mutable: false });
    const definition = PipelineDefinition.fromSteps({
      parameters: [groupName],
      steps: [QualityCheckStep.dataQuality('DataQuality', {
        checkJobConfig: { role, imageUri: 'model-monitor:1' },
        dataQualityCheckConfig: { baselineDataset: 's3://ml-data/train', datasetFormat: DatasetFormat.csv(), outputS3Uri: 's3://ml-data/baselines' },
        modelPackageGroupName: groupName.asString(),
      })],
    });

    // THEN without the group it asks for the group to read, not to register
    expect(() => new ModelBuildPipeline(stack, 'NoGroup', { definition }))
      .toThrow(/a check step reads the baselines of a model package group given at run time; pass modelPackageGroup so the role may read them/);
    expect(() => new ModelBuildPipeline(stack, 'NoGroup2', { definition })).not.toThrow(/registers/);

    // WHEN the group is given
    const group = new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'churn' });
    new ModelBuildPipeline(stack, 'Pipeline', { definition, modelPackageGroup: group });

    // THEN the role may read the group's packages and may not register
    const template = Template.fromStack(stack);
    const text = JSON.stringify(template.toJSON());
    expect(text).toContain('sagemaker:DescribeModelPackage');
    expect(text).not.toContain('sagemaker:CreateModelPackage');
  });

  test.each([
    ['a Std:Join whose head is s3://bucket/prefix', { 'Std:Join': { On: '', Values: ['s3://ml-data/evaluation/', { Get: 'Execution.PipelineExecutionId' }] } }, 'ml-data'],
    ['a Std:Join on "/" starting with s3:/ and the bucket', { 'Std:Join': { On: '/', Values: ['s3:/', 'ml-data', { Get: 'Execution.PipelineExecutionId' }] } }, 'ml-data'],
    ['a nested Std:Join', { 'Std:Join': { On: '/', Values: [{ 'Std:Join': { On: '', Values: ['s3://ml-data/', 'x'] } }, { Get: 'Execution.PipelineExecutionId' }] } }, 'ml-data'],
    ['a literal URI', 's3://ml-data/evaluation', 'ml-data'],
    ['a bucket cut by an expression', { 'Std:Join': { On: '', Values: ['s3://ml-', { Get: 'Parameters.Suffix' }, '/x'] } }, undefined],
    ['a bucket given at run time', { 'Std:Join': { On: '/', Values: ['s3:/', { Get: 'Parameters.Bucket' }, 'x'] } }, undefined],
  ])('bucket detection: %s', (_name, uri, bucket) => {
    expect(bucketOf(uri)).toEqual(bucket);
  });

  test('a property file under a Std:Join headed by s3://bucket/prefix needs no dataBuckets', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Buckets', { env });
    const role = iam.Role.fromRoleArn(stack, 'JobRole', JOB_ROLE, { mutable: false });
    const report = new PropertyFile({ name: 'Report', outputName: 'evaluation', path: 'evaluation.json' });
    const evaluate = new ProcessingStep('Evaluate', {
      processingResources: { clusterConfig: { instanceType: 'ml.m5.xlarge', instanceCount: 1, volumeSizeInGb: 30 } },
      appSpecification: { imageUri: 'sklearn:1' },
      role,
      processingOutputConfig: {
        outputs: [{ outputName: 'evaluation', s3Output: { s3Uri: PipelineExpression.join('', ['s3://ml-data/evaluation/', PipelineExpression.get('Execution.PipelineExecutionId').asString()]).asString(), localPath: '/opt/ml/processing/evaluation' } }],
      },
      propertyFiles: [report],
    });

    // WHEN
    new ModelBuildPipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromSteps({ steps: [evaluate] }) });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 's3:GetObject', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::ml-data/*']] } })]) },
    });
  });
});

describe('jobs in a VPC', () => {
  function vpcProcessing(role: iam.IRole, subnets: string[], securityGroupIds: string[]) {
    return new ProcessingStep('Prep', {
      processingResources: { clusterConfig: { instanceType: 'ml.m5.xlarge', instanceCount: 1, volumeSizeInGb: 30 } },
      appSpecification: { imageUri: 'sklearn:1' },
      role,
      networkConfig: { enableNetworkIsolation: true, enableInterContainerTrafficEncryption: true, vpcConfig: { subnets, securityGroupIds } },
    });
  }

  test('a job role of the app gets the EC2 network-interface permissions, scoped to the job subnets', () => {
    // GIVEN a VPC and a job role in one stack, the pipeline in another
    const app = new App();
    const network = new Stack(app, 'Network', { env });
    const vpc = new ec2.Vpc(network, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'jobs', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const group = new ec2.SecurityGroup(network, 'Jobs', { vpc });
    const role = new iam.Role(network, 'JobRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const stack = new Stack(app, 'Build', { env });
    const step = vpcProcessing(role, vpc.isolatedSubnets.map((s) => s.subnetId), [group.securityGroupId]);
    const definition = PipelineDefinition.fromSteps({ steps: [step] });

    // WHEN
    new ModelBuildPipeline(stack, 'Pipeline', { definition });

    // THEN the definition says it runs in the VPC
    expect(definition.vpcSettings).toEqual([{ stepName: 'Prep', stepType: 'Processing', subnets: [vpc.isolatedSubnets[0].subnetId], securityGroupIds: [group.securityGroupId], roleArns: [role.roleArn] }]);
    // and the role's stack holds the policy, attached to the role
    const template = Template.fromStack(network);
    const subnetArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ec2:${REGION}:${ACCOUNT}:subnet/`, { Ref: Match.stringLikeRegexp('VpcjobsSubnet') }]] };
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: Match.stringLikeRegexp('JobRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
            Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ec2:${REGION}:${ACCOUNT}:network-interface/*`]] },
            Condition: { ArnEquals: { 'ec2:Subnet': [subnetArn] } },
          }),
          Match.objectLike({ Action: 'ec2:CreateNetworkInterface', Resource: Match.arrayWith([subnetArn]) }),
          Match.objectLike({ Action: Match.arrayWith(['ec2:DescribeSubnets', 'ec2:DescribeVpcs']), Resource: '*' }),
        ]),
      },
    });
    Annotations.fromStack(stack).hasNoWarning('/Build/Pipeline', Match.stringLikeRegexp('VPC jobs'));
  });

  test('warns, naming the step, when the job role or subnets are not known at synth', () => {
    // GIVEN an imported immutable role, and subnets that are pipeline parameters
    const stack = new Stack(new App(), 'Warn', { env });
    const role = iam.Role.fromRoleArn(stack, 'JobRole', JOB_ROLE, { mutable: false });
    const subnet = new ParameterString('Subnet');
    const definition = PipelineDefinition.fromSteps({
      parameters: [subnet],
      steps: [vpcProcessing(role, ['subnet-1'], ['sg-1']), new TrainingStep('Train', {
        algorithmSpecification: { trainingInputMode: 'File', trainingImage: 'xgboost:1' }, role,
        outputDataConfig: { s3OutputPath: 's3://ml-data/models' },
        resourceConfig: { instanceType: 'ml.m5.xlarge', instanceCount: 1, volumeSizeInGb: 30 },
        stoppingCondition: { maxRuntimeInSeconds: 3600 },
        vpcConfig: { subnets: [subnet.asString()], securityGroupIds: ['sg-1'] },
      })],
    });

    // WHEN
    new ModelBuildPipeline(stack, 'Pipeline', { definition });

    // THEN
    Annotations.fromStack(stack).hasWarning('/Warn/Pipeline', Match.stringLikeRegexp(
      `step 'Prep' \\(its role ${JOB_ROLE} is not a role of this app nor in jobRoles\\).*step 'Train' \\(subnets or security groups given at run time\\)`));
  });
});
