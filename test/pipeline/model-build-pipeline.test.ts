import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as path from 'path';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  CallbackStep, QualityCheckStep, QualityCheckType, Condition, ConditionStep, FailStep, LambdaStep, ModelBuildPipeline, ParameterFloat, ParameterString, PipelineDefinition, PipelineExpression,
  ProcessingStep, PropertyFile, RegisterModelStep, SageMakerPipelineTarget, TrainingStep,
} from '../../lib/pipeline';
import { ModelPackageGroup } from '../../lib/registry/model-package-group';

const env = { account: '111111111111', region: 'us-east-1' };

/** preprocess -> train -> evaluate -> condition -> register | fail, with roles and buckets of the stack. */
function buildDefinition(stack: Stack, groupName: string, options: { literalRole?: boolean; bucketName?: string; parameters?: ParameterString[] } = {}) {
  const jobRole = options.literalRole
    ? iam.Role.fromRoleArn(stack, 'ImportedJobRole', 'arn:aws:iam::111111111111:role/sagemaker-jobs', { mutable: false })
    : new iam.Role(stack, 'JobRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
  const bucket = options.bucketName ?? 'ml-data-111111111111';
  const threshold = new ParameterFloat('MseThreshold', { defaultValue: 6.0 });
  const approval = new ParameterString('ModelApprovalStatus', { defaultValue: 'PendingManualApproval' });
  const cluster = { clusterConfig: { instanceType: 'ml.m5.xlarge', instanceCount: 1, volumeSizeInGb: 30 } };
  const prep = new ProcessingStep('Preprocess', {
    processingResources: cluster,
    appSpecification: { imageUri: 'sklearn:1' },
    role: jobRole,
    processingOutputConfig: { outputs: [{ outputName: 'train', s3Output: { s3Uri: `s3://${bucket}/train`, localPath: '/opt/ml/processing/train' } }] },
  });
  const train = new TrainingStep('Train', {
    algorithmSpecification: { trainingInputMode: 'File', trainingImage: 'xgboost:1' },
    role: jobRole,
    outputDataConfig: { s3OutputPath: `s3://${bucket}/models` },
    resourceConfig: { instanceType: 'ml.m5.xlarge', instanceCount: 1, volumeSizeInGb: 30 },
    stoppingCondition: { maxRuntimeInSeconds: 3600 },
    inputDataConfig: [{ channelName: 'train', dataSource: { s3DataSource: { s3Uri: prep.outputS3Uri('train') } } }],
  });
  const report = new PropertyFile({ name: 'EvaluationReport', outputName: 'evaluation', path: 'evaluation.json' });
  const evaluate = new ProcessingStep('Evaluate', {
    processingResources: cluster,
    appSpecification: { imageUri: 'sklearn:1' },
    role: jobRole,
    processingInputs: [{ inputName: 'model', s3Input: { s3Uri: train.modelArtifacts, localPath: '/opt/ml/processing/model' } }],
    processingOutputConfig: { outputs: [{ outputName: 'evaluation', s3Output: { s3Uri: `s3://${bucket}/evaluation`, localPath: '/opt/ml/processing/evaluation' } }] },
    propertyFiles: [report],
  });
  const register = new RegisterModelStep('Register', {
    modelPackageGroupName: groupName,
    modelApprovalStatus: approval.asString(),
    inferenceSpecification: {
      containers: [{ image: 'xgboost:1', modelDataUrl: train.modelArtifacts }],
      supportedContentTypes: ['text/csv'],
      supportedResponseMimeTypes: ['text/csv'],
    },
  });
  const gate = new ConditionStep('CheckMse', {
    conditions: [Condition.lessThanOrEqualTo(evaluate.jsonGet(report, 'regression_metrics.mse.value'), threshold)],
    ifSteps: [register],
    elseSteps: [new FailStep('MseTooHigh', { errorMessage: 'mse above threshold' })],
  });
  return { definition: PipelineDefinition.fromSteps({ parameters: [threshold, approval, ...(options.parameters ?? [])], steps: [prep, train, evaluate, gate] }), jobRole };
}

/** An ARN as the template holds it (the partition is a token). */
function arnIn(stack: Stack, service: string, resource: string, resourceName: string): any {
  return stack.resolve(stack.formatArn({ service, resource, resourceName }));
}

describe('ModelBuildPipeline', () => {
  let stack: Stack;
  let pipelineArn: any;
  let template: Template;
  let pipeline: ModelBuildPipeline;
  let jobRole: iam.IRole;

  beforeAll(() => {
    // GIVEN
    stack = new Stack(new App(), 'Build', { env });
    const group = new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'churn' });
    const built = buildDefinition(stack, group.modelPackageGroupName);
    jobRole = built.jobRole;

    // WHEN
    pipeline = new ModelBuildPipeline(stack, 'Pipeline', { definition: built.definition, modelPackageGroup: group, pipelineName: 'ChurnBuild' });
    const starter = new iam.Role(stack, 'Starter', { assumedBy: new iam.AccountRootPrincipal() });
    pipeline.grantStartExecution(starter);
    pipeline.grantReadExecutions(starter);
    pipeline.onExecutionStatusChange('Failed', { eventPattern: { detail: { currentPipelineExecutionStatus: ['Failed'] } } });
    pipeline.addSchedule('Weekly', { schedule: scheduler.ScheduleExpression.rate(Duration.days(7)), parameters: { MseThreshold: '5.5' } });
    const data = new s3.Bucket(stack, 'Data', { eventBridgeEnabled: true });
    pipeline.onNewData('NewData', { bucket: data, prefix: 'incoming/', parameters: { ModelApprovalStatus: 'PendingManualApproval' } });
    template = Template.fromStack(stack);
    pipelineArn = stack.resolve(pipeline.pipelineArn);
  });

  test('creates the pipeline with its definition inlined and tokens resolved', () => {
    // THEN
    const resources = template.findResources('AWS::SageMaker::Pipeline');
    const props = Object.values(resources)[0].Properties;
    expect(props.PipelineName).toBe('ChurnBuild');
    const body = props.PipelineDefinition.PipelineDefinitionBody;
    // the body is a Fn::Join since the job role's ARN is a token
    expect(JSON.stringify(body)).toContain('Fn::GetAtt');
    expect(JSON.stringify(body)).toContain('\\"Type\\":\\"Condition\\"');
  });

  test('the execution role is derived from the steps, without FullAccess or sagemaker:*', () => {
    // THEN the role trusts SageMaker of this account only
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({
          Principal: { Service: 'sagemaker.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
        })],
      },
    });
    // job APIs on job ARNs, PassRole of the job role to SageMaker only, property files, experiments
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['sagemaker:CreateProcessingJob', 'sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob', 'sagemaker:AddTags'],
            Resource: arnIn(stack, 'sagemaker', 'processing-job', '*'),
          }),
          Match.objectLike({
            Action: ['sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob', 'sagemaker:AddTags'],
            Resource: arnIn(stack, 'sagemaker', 'training-job', '*'),
          }),
          Match.objectLike({ Action: 's3:GetObject', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::ml-data-111111111111/*']] } }),
          Match.objectLike({
            Action: 'iam:PassRole',
            Resource: stack.resolve(jobRole.roleArn),
            Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
          }),
        ]),
      },
      Roles: [{ Ref: Match.stringLikeRegexp('PipelineRole') }],
    });
    const text = JSON.stringify(template.toJSON());
    expect(text).not.toMatch(/"sagemaker:\*"/);
    expect(text).not.toMatch(/FullAccess/);
    template.resourcePropertiesCountIs('AWS::IAM::Role', { ManagedPolicyArns: Match.arrayWith([Match.stringLikeRegexp('aws:policy')]) }, 0);
  });

  test('the role may register into the model package group', () => {
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: 'sagemaker:CreateModelPackage', Resource: arnIn(stack, 'sagemaker', 'model-package', 'churn/*') })]),
      },
      Roles: [{ Ref: Match.stringLikeRegexp('PipelineRole') }],
    });
  });

  test('the pipeline ARN is in lower case, as SageMaker reports it', () => {
    expect(JSON.stringify(pipelineArn)).toContain(':pipeline/churnbuild');
    const defaultName = new ModelBuildPipeline(new Stack(new App(), 'Named', { env }), 'MyPipeline', {
      definition: PipelineDefinition.fromSteps({ steps: [new FailStep('stop')] }),
    }).pipelineName;
    expect(defaultName).toMatch(/^named-mypipeline-[0-9a-f]{8}$/);
  });

  test('grants starting and reading executions on the pipeline only, under both spellings of its name', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'sagemaker:StartPipelineExecution', Resource: [pipelineArn, arnIn(stack, 'sagemaker', 'pipeline', 'ChurnBuild')] }),
          Match.objectLike({
            Action: Match.arrayWith(['sagemaker:DescribePipelineExecution']),
            Resource: [
              pipelineArn, stack.resolve(`${pipeline.pipelineArn}/execution/*`),
              arnIn(stack, 'sagemaker', 'pipeline', 'ChurnBuild'), arnIn(stack, 'sagemaker', 'pipeline', 'ChurnBuild/execution/*'),
            ],
          }),
        ]),
      },
    });
  });

  test('onExecutionStatusChange matches the pipeline and the given status', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Building Pipeline Execution Status Change'],
        'detail': { pipelineArn: [pipelineArn], currentPipelineExecutionStatus: ['Failed'] },
      },
    });
  });

  test('metrics are the pipeline\'s in AWS/Sagemaker/ModelBuildingPipeline', () => {
    const metric = pipeline.metricExecutionFailed();
    expect(metric.namespace).toBe('AWS/Sagemaker/ModelBuildingPipeline');
    expect(metric.metricName).toBe('ExecutionFailed');
    expect(metric.dimensions).toEqual({ PipelineName: 'ChurnBuild' });
    expect(pipeline.metricExecutionDuration().statistic).toBe('Average');
  });

  test('a schedule starts the pipeline with parameters through a role that may start only it', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(7 days)',
      Target: {
        Arn: pipelineArn,
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('PipelineWeeklyRole'), 'Arn'] },
        SageMakerPipelineParameters: { PipelineParameterList: [{ Name: 'MseThreshold', Value: '5.5' }] },
      },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })] },
    });
  });

  test('new objects under a prefix start the pipeline', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.s3'],
        'detail-type': ['Object Created'],
        'detail': { bucket: { name: [{ Ref: Match.stringLikeRegexp('Data') }] }, object: { key: [{ prefix: 'incoming/' }] } },
      },
      Targets: [Match.objectLike({
        Arn: pipelineArn,
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('NewDataTarget0Role'), 'Arn'] },
        SageMakerPipelineParameters: { PipelineParameterList: [{ Name: 'ModelApprovalStatus', Value: 'PendingManualApproval' }] },
      })],
    });
  });
});

describe('ModelBuildPipeline definitions in S3', () => {
  test('a definition larger than the inline limit goes to an S3 asset', () => {
    // GIVEN a definition without deploy-time values
    const stack = new Stack(new App(), 'Large', { env });
    const { definition } = buildDefinition(stack, 'churn', { literalRole: true });

    // WHEN
    const pipeline = new ModelBuildPipeline(stack, 'Pipeline', { definition, inlineDefinitionLimit: 1000 });

    // THEN
    expect(pipeline.definitionAsset).toBeDefined();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::Pipeline', {
      PipelineDefinition: {
        PipelineDefinitionS3Location: {
          Bucket: Match.stringLikeRegexp('^cdk-hnb659fds-assets-111111111111-us-east-1$'),
          Key: Match.stringLikeRegexp('\\.json$'),
        },
        PipelineDefinitionBody: Match.absent(),
      },
    });
    // and a definition under the limit is inlined
    const small = new ModelBuildPipeline(stack, 'Small', { definition });
    expect(small.definitionAsset).toBeUndefined();
  });

  test('the role may create grants, for AWS resources only, on the jobs\' keys', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Keys', { env });
    const { definition } = buildDefinition(stack, 'churn', { literalRole: true });
    const key = new kms.Key(stack, 'JobKey', { enableKeyRotation: true });

    // WHEN
    new ModelBuildPipeline(stack, 'Pipeline', { definition, jobEncryptionKeys: [key] });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'kms:DescribeKey', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('JobKey'), 'Arn'] } }),
          Match.objectLike({ Action: 'kms:CreateGrant', Condition: { Bool: { 'kms:GrantIsForAWSResource': true } } }),
        ]),
      },
    });
  });

  test('fails when a definition too large to inline holds deploy-time values', () => {
    const stack = new Stack(new App(), 'LargeTokens', { env });
    const { definition } = buildDefinition(stack, 'churn');
    expect(() => new ModelBuildPipeline(stack, 'Pipeline', { definition, inlineDefinitionLimit: 1000 }))
      .toThrow(/ModelBuildPipeline LargeTokens\/Pipeline: the definition is \d+ characters, more than inlineDefinitionLimit 1000, and holds values known only at deploy time/);
  });
});

describe('ModelBuildPipeline validation', () => {
  test('fails on bad names and limits, all in one message', () => {
    const stack = new Stack(new App(), 'Bad', { env });
    const { definition } = buildDefinition(stack, 'churn', { literalRole: true });
    expect(() => new ModelBuildPipeline(stack, 'Pipeline', { definition, pipelineName: 'bad_name', maxParallelExecutionSteps: 0 }))
      .toThrow(/ModelBuildPipeline Bad\/Pipeline: pipeline name 'bad_name' must be .*; maxParallelExecutionSteps 0 must be a whole number of at least 1/);
  });

  test('fails when a step registers into a group given at run time and no group is passed', () => {
    const stack = new Stack(new App(), 'RunTimeGroup', { env });
    const groupParameter = new ParameterString('Group');
    const { definition } = buildDefinition(stack, groupParameter.asString(), { literalRole: true, parameters: [groupParameter] });
    expect(() => new ModelBuildPipeline(stack, 'Pipeline', { definition }))
      .toThrow(/a step registers into a model package group given at run time; pass modelPackageGroup/);
  });

  test('fails when a rule target with parameters is not added through rule.addTarget', () => {
    const stack = new Stack(new App(), 'Target', { env });
    const pipeline = ModelBuildPipeline.fromPipelineName(stack, 'Imported', 'other');
    const rule = new events.Rule(stack, 'Rule', { eventPattern: { source: ['custom'] } });
    expect(() => new SageMakerPipelineTarget(pipeline, { parameters: { A: 'b' } }).bind(rule, 'custom-id'))
      .toThrow(/pipeline parameters can be set only on a target added with rule.addTarget\(\)/);
  });

  test('a reusable rule target starts an imported pipeline with parameters, a DLQ and retries', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Reuse', { env });
    const pipeline = ModelBuildPipeline.fromPipelineName(stack, 'Imported', 'Retrain');
    const dlq = new sqs.Queue(stack, 'Dlq', { enforceSSL: true });
    const rule = new events.Rule(stack, 'Drift', { eventPattern: { source: ['mlops.drift'] } });

    // WHEN
    rule.addTarget(new SageMakerPipelineTarget(pipeline, { parameters: { Reason: 'drift' }, deadLetterQueue: dlq, retryAttempts: 3, maxEventAge: Duration.hours(2) }));

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({
        Arn: stack.resolve(pipeline.pipelineArn),
        SageMakerPipelineParameters: { PipelineParameterList: [{ Name: 'Reason', Value: 'drift' }] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Dlq'), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 },
      })],
    });
  });

  test('an expression-only check', () => {
    expect(PipelineExpression.fromNumber(1).toJson()).toBe(1);
  });
});

describe('ModelBuildPipeline at synth', () => {
  test('fails when the definition changes after the pipeline was created', () => {
    // GIVEN
    const app = new App();
    const stack = new Stack(app, 'Late', { env });
    const first = new FailStep('first');
    const second = new FailStep('second');
    const definition = PipelineDefinition.fromSteps({ steps: [first, second] });
    new ModelBuildPipeline(stack, 'Pipeline', { definition });

    // WHEN a dependency is added afterwards
    second.addDependsOn(first);

    // THEN
    expect(() => app.synth()).toThrow(/the definition changed after the pipeline was created/);
  });
});

describe('ModelBuildPipeline from SDK JSON', () => {
  test('the role of an imported SDK definition is derived from its steps', () => {
    // GIVEN the SDK-emitted definition, as a team keeps it next to its Python
    const stack = new Stack(new App(), 'Imported', { env: { account: '327206644775', region: 'us-east-1' } });
    const definition = PipelineDefinition.fromFile(path.join(__dirname, 'fixtures', 'dynamic-sagemaker-pipelines-framework.pipeline_definition.json'));

    // WHEN
    new ModelBuildPipeline(stack, 'Pipeline', { definition });

    // THEN
    const template = Template.fromStack(stack);
    const statements: any[] = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap((st) => (Array.isArray(st.Action) ? st.Action : [st.Action]));
    expect(actions).toEqual(expect.arrayContaining([
      'sagemaker:CreateProcessingJob', 'sagemaker:CreateTrainingJob', 'sagemaker:CreateModel', 'sagemaker:CreateTransformJob', 'sagemaker:CreateModelPackage',
    ]));
    expect(actions).not.toContain('sagemaker:CreateHyperParameterTuningJob');
    expect(statements).toContainEqual(expect.objectContaining({
      Action: 'iam:PassRole',
      Resource: 'arn:aws:iam::327206644775:role/service-role/AmazonSageMaker-ExecutionRole-20221003T003950',
      Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    }));
    const register = statements.find((st) => Array.isArray(st.Action) && st.Action.includes('sagemaker:CreateModelPackage'));
    expect(JSON.stringify(register.Resource)).toContain(':sagemaker:us-east-1:327206644775:model-package/test-calhousing/*');
    expect(JSON.stringify(register.Resource)).toContain(':sagemaker:us-east-1:327206644775:model-package-group/test-falcon40b-finetuneable');
    expect(statements).toContainEqual(expect.objectContaining({
      Action: 's3:GetObject',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::sagemaker-us-east-1-327206644775/*']] },
    }));
  });

  test('Lambda and callback steps let the role invoke the function and send to the queue', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Calls', { env });
    const fn = lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:us-east-1:111111111111:function:notify');
    const queue = new sqs.Queue(stack, 'Queue', { enforceSSL: true });
    const definition = PipelineDefinition.fromSteps({
      steps: [new LambdaStep('Notify', { lambdaFunction: fn }), new CallbackStep('Approve', { queue })],
    });

    // WHEN
    new ModelBuildPipeline(stack, 'Pipeline', { definition });

    // THEN the queue's ARN is rebuilt from its URL at deploy time
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'lambda:InvokeFunction', Resource: 'arn:aws:lambda:us-east-1:111111111111:function:notify' }),
          Match.objectLike({ Action: 'sqs:SendMessage', Resource: { 'Fn::Join': [':', Match.arrayWith(['arn'])] } }),
        ]),
      },
    });
  });
});

describe('ModelBuildPipeline check steps', () => {
  test('a quality check may read its group\'s baselines but not register', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Checks', { env });
    const role = iam.Role.fromRoleArn(stack, 'JobRole', 'arn:aws:iam::111111111111:role/monitor', { mutable: false });
    const definition = PipelineDefinition.fromSteps({
      steps: [new QualityCheckStep('DataQuality', {
        checkType: QualityCheckType.DATA_QUALITY,
        modelPackageGroupName: 'baselines',
        processingResources: { clusterConfig: { instanceType: 'ml.m5.xlarge', instanceCount: 1, volumeSizeInGb: 20 } },
        appSpecification: { imageUri: 'model-monitor:1' },
        role,
      })],
    });

    // WHEN
    new ModelBuildPipeline(stack, 'Pipeline', { definition });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['sagemaker:CreateProcessingJob', 'sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob', 'sagemaker:AddTags'] }),
          Match.objectLike({ Action: ['sagemaker:DescribeModelPackage', 'sagemaker:DescribeModelPackageGroup', 'sagemaker:ListModelPackages'] }),
        ]),
      },
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('sagemaker:CreateModelPackage');
  });
});
