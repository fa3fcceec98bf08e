import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  AutoMlStep, Condition, ConditionStep, EmrServerlessStep, EmrStep, FailStep, MlflowConfig, ModelCardContent, ModelCardMetricType,
  ModelCardRiskRating, ModelCardStatus, ModelStep, ParameterString, PipelineDefinition, PipelineExpression, PipelineStep,
  ProcessingStep, PropertyFile, RegisterModelStep, StepRenderOptions, TrainingStep, TuningStep,
} from '../../../lib/pipeline/definition';

const stack = new Stack(new App(), 'Steps', { env: { account: '111111111111', region: 'us-east-1' } });
const role = iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::111111111111:role/job', { mutable: false });
const inference = { containers: [{ image: 'xgboost:1', modelDataUrl: 's3://b/model.tar.gz' }], supportedContentTypes: ['text/csv'], supportedResponseMimeTypes: ['text/csv'] };
const training = {
  algorithmSpecification: { trainingInputMode: 'File', trainingImage: 'xgboost:1' }, role,
  outputDataConfig: { s3OutputPath: 's3://b/models' },
  resourceConfig: { instanceType: 'ml.m5.xlarge', instanceCount: 1, volumeSizeInGb: 30 },
  stoppingCondition: { maxRuntimeInSeconds: 3600 },
};

describe('model cards', () => {
  test('literal content is written as the SDK writes it: json.dumps of the snake_case content', () => {
    // GIVEN
    const content = ModelCardContent.of({
      modelOverview: { modelCreator: 'team-ml', modelArtifact: [] },
      intendedUses: { purposeOfModel: 'churn', riskRating: ModelCardRiskRating.LOW },
    });

    // WHEN
    const json = new RegisterModelStep('Register', {
      modelPackageGroupName: 'churn', inferenceSpecification: inference, modelCard: { content, status: ModelCardStatus.PENDING_REVIEW },
    }).toJson();

    // THEN the shape of the SDK's own test_model_package.py ModelCard (ModelCardStatus, ModelCardContent string)
    expect(json.Arguments.ModelCard).toEqual({
      ModelCardStatus: 'PendingReview',
      ModelCardContent: '{"model_overview": {"model_creator": "team-ml", "model_artifact": []}, "intended_uses": {"purpose_of_model": "churn", "risk_rating": "Low"}}',
    });
  });

  test('the training job and an evaluation metric from a property file become a Std:Join that builds the JSON at run time', () => {
    // GIVEN
    const train = new TrainingStep('Train', training);
    const report = new PropertyFile({ name: 'Report', outputName: 'evaluation', path: 'evaluation.json' });
    const evaluate = new ProcessingStep('Evaluate', {
      processingResources: { clusterConfig: { instanceType: 'ml.m5.xlarge', instanceCount: 1, volumeSizeInGb: 30 } },
      appSpecification: { imageUri: 'sklearn:1' }, role,
      processingOutputConfig: { outputs: [{ outputName: 'evaluation', s3Output: { s3Uri: 's3://b/e', localPath: '/opt/ml/processing/evaluation' } }] },
      propertyFiles: [report],
    });
    const content = ModelCardContent.of({
      trainingDetails: { trainingJobDetails: { trainingArn: train.trainingJobArn } },
      evaluationDetails: [{ name: 'test', metricGroups: [{ name: 'regression', metricData: [{ name: 'mse', value: evaluate.jsonGet(report, 'regression_metrics.mse.value').asNumber() }] }] }],
    });

    // WHEN
    const register = new RegisterModelStep('Register', { modelPackageGroupName: 'churn', inferenceSpecification: inference, modelCard: { content } });
    const json = PipelineDefinition.fromSteps({ steps: [train, evaluate, register] }).toJson();

    // THEN the ARN sits in its quotes, the number bare
    expect(json.Steps[2].Arguments.ModelCard).toEqual({
      ModelCardStatus: 'Draft',
      ModelCardContent: {
        'Std:Join': {
          On: '',
          Values: [
            '{"training_details": {"training_job_details": {"training_arn": "',
            { Get: 'Steps.Train.TrainingJobArn' },
            '"}}, "evaluation_details": [{"name": "test", "metric_groups": [{"name": "regression", "metric_data": [{"name": "mse", "type": "number", "value": ',
            { 'Std:JsonGet': { PropertyFile: { Get: 'Steps.Evaluate.PropertyFiles.Report' }, Path: 'regression_metrics.mse.value' } },
            '}]}]}]}',
          ],
        },
      },
    });
  });

  test('fails when a metric has no value or two, and when lists exceed the schema, in one message', () => {
    expect(() => ModelCardContent.of({
      modelOverview: { modelArtifact: Array.from({ length: 16 }, (_, i) => `s3://b/${i}`) },
      evaluationDetails: [{ name: 'test', metricGroups: [{ name: 'g', metricData: [{ name: 'none' }, { name: 'two', value: 1, stringValue: 'x', type: ModelCardMetricType.STRING }] }] }],
    })).toThrow(/ModelCardContent: metric 'none' of evaluation 'test' needs exactly one of value, stringValue and booleanValue, not 0; metric 'two' .* not 2; modelOverview.modelArtifact has 16 entries, more than the model card schema's 15/);
  });

  test('fails when free-form content has fields a model package card does not take', () => {
    expect(() => ModelCardContent.fromObject({ model_package_details: {} })).toThrow(/a model package's card has no model_package_details/);
    expect(() => ModelCardContent.fromObject({ model_overview: { model_name: 'x' } })).toThrow(/model_overview holds only model_creator and model_artifact, not model_name/);
    expect(ModelCardContent.fromObject({ additional_information: { caveats_and_recommendations: 'é' } }).toJsonString())
      .toBe('{"additional_information": {"caveats_and_recommendations": "\\u00e9"}}');
  });

  test('fails when literal content is longer than CreateModelPackage takes', () => {
    const content = ModelCardContent.fromObject({ additional_information: { caveats_and_recommendations: 'x'.repeat(100_001) } });
    expect(() => content.toJsonString()).toThrow(/ModelCardContent: the content is \d+ characters, more than CreateModelPackage's 100000/);
  });
});

describe('MLflow', () => {
  test('a job reaches the tracking server through its environment', () => {
    const mlflow = MlflowConfig.of({ trackingServerArn: 'arn:aws:sagemaker:us-east-1:111111111111:mlflow-tracking-server/ml', experimentName: 'churn' });
    const json = new TrainingStep('Train', { ...training, environment: { ...mlflow.environment(), OTHER: '1' } }).toJson();
    expect(json.Arguments.Environment).toEqual({ MLFLOW_TRACKING_URI: 'arn:aws:sagemaker:us-east-1:111111111111:mlflow-tracking-server/ml', MLFLOW_EXPERIMENT_NAME: 'churn', OTHER: '1' });
  });

  test('fails when the tracking server is not an MLflow ARN', () => {
    expect(() => MlflowConfig.of({ trackingServerArn: 'arn:aws:sagemaker:us-east-1:111111111111:pipeline/ml' }))
      .toThrow(/MlflowConfig: trackingServerArn 'arn:aws:sagemaker:us-east-1:111111111111:pipeline\/ml' is not the ARN of a SageMaker MLflow tracking server/);
  });
});

describe('EMR, EMR Serverless, AutoML and tuning steps', () => {
  const jar = { hadoopJarStep: { jar: 'command-runner.jar' } };

  test('fails when an EMR step has both or neither of clusterId and clusterConfig', () => {
    expect(() => new EmrStep('Emr', { stepConfig: jar })).toThrow(/EmrStep Emr: give exactly one of clusterId/);
    expect(() => new EmrStep('Emr', { stepConfig: jar, clusterId: 'j-1', clusterConfig: { releaseLabel: 'emr-6.15.0', instances: {} } }))
      .toThrow(/EmrStep Emr: give exactly one of clusterId/);
  });

  test('fails when a cluster config sets what the step manages, with every problem', () => {
    expect(() => new EmrStep('Emr', {
      stepConfig: jar,
      executionRole: role,
      clusterConfig: { instances: { additionalFields: { KeepJobFlowAliveWhenNoSteps: true } }, additionalFields: { Steps: [] } },
    })).toThrow(/executionRole applies to a running cluster .*; clusterConfig sets Steps, Instances.KeepJobFlowAliveWhenNoSteps, which the step sets itself; remove them; clusterConfig needs releaseLabel/);
  });

  test('an EMR cluster config renders EMR configurations with their property keys as they are, and the roles by name', () => {
    const json = new EmrStep('Emr', {
      stepConfig: jar,
      clusterConfig: {
        releaseLabel: 'emr-6.15.0',
        instances: { instanceGroups: [{ instanceRole: 'MASTER', instanceType: 'm5.xlarge', instanceCount: 1 }], ec2SubnetId: 'subnet-1' },
        applications: [{ name: 'Spark' }],
        configurations: [{ classification: 'spark-defaults', properties: { 'spark.executor.memory': '4g' } }],
        serviceRole: 'EMR_DefaultRole',
        jobFlowRole: 'EMR_EC2_DefaultRole',
      },
    }).toJson();
    expect(json.Arguments.ClusterConfig).toEqual({
      ReleaseLabel: 'emr-6.15.0',
      Instances: { InstanceGroups: [{ InstanceRole: 'MASTER', InstanceType: 'm5.xlarge', InstanceCount: 1 }], Ec2SubnetId: 'subnet-1' },
      Applications: [{ Name: 'Spark' }],
      Configurations: [{ Classification: 'spark-defaults', Properties: { 'spark.executor.memory': '4g' } }],
      ServiceRole: 'EMR_DefaultRole',
      JobFlowRole: 'EMR_EC2_DefaultRole',
    });
  });

  test('fails when an EMR Serverless step has both or neither application', () => {
    const jobConfig = { executionRole: role, jobDriver: {} };
    expect(() => new EmrServerlessStep('S', { jobConfig })).toThrow(/EmrServerlessStep S: give exactly one of applicationId/);
    expect(() => new EmrServerlessStep('S', { jobConfig, applicationId: 'a', applicationConfig: {} })).toThrow(/give exactly one of applicationId/);
  });

  test('fails when an AutoML step asks for a mode a pipeline does not run', () => {
    expect(() => new AutoMlStep('A', {
      role, inputDataConfig: [], outputDataConfig: { s3OutputPath: 's3://b/a' }, autoMlJobConfig: { mode: 'HYPERPARAMETER_TUNING' },
    })).toThrow(/AutoMlStep A: mode 'HYPERPARAMETER_TUNING' is not supported in a pipeline; the SDK's AutoMLStep runs ENSEMBLING only/);
  });

  test('fails when a tuning job trains on spot instances without a wait time', () => {
    expect(() => new TuningStep('Tune', {
      hyperParameterTuningJobConfig: { strategy: 'Random', resourceLimits: { maxNumberOfTrainingJobs: 2, maxParallelTrainingJobs: 1 } },
      trainingJobDefinition: { ...training, enableManagedSpotTraining: true },
    })).toThrow(/TuningStep Tune: enableManagedSpotTraining needs stoppingCondition.maxWaitTimeInSeconds/);
    const json = new TuningStep('Tune', {
      hyperParameterTuningJobConfig: { strategy: 'Random', resourceLimits: { maxNumberOfTrainingJobs: 2, maxParallelTrainingJobs: 1 } },
      trainingJobDefinition: { ...training, enableManagedSpotTraining: true, stoppingCondition: { maxRuntimeInSeconds: 3600, maxWaitTimeInSeconds: 7200 } },
    }).toJson();
    expect(json.Arguments.TrainingJobDefinition).toMatchObject({ EnableManagedSpotTraining: true, StoppingCondition: { MaxRuntimeInSeconds: 3600, MaxWaitTimeInSeconds: 7200 } });
  });
});

describe('network settings', () => {
  test('subnets and security groups may be CloudFormation tokens or pipeline parameters, in every job that runs in a VPC', () => {
    // GIVEN
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'jobs', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const subnet = vpc.isolatedSubnets[0].subnetId;
    const group = new ParameterString('SecurityGroup');
    const vpcConfig = { subnets: [subnet], securityGroupIds: [group.asString()] };

    // WHEN
    const json = PipelineDefinition.fromSteps({
      parameters: [group],
      steps: [
        new ProcessingStep('Prep', {
          processingResources: { clusterConfig: { instanceType: 'ml.m5.xlarge', instanceCount: 1, volumeSizeInGb: 30 } },
          appSpecification: { imageUri: 'sklearn:1' }, role,
          networkConfig: { enableNetworkIsolation: true, enableInterContainerTrafficEncryption: true, vpcConfig },
        }),
        new TrainingStep('Train', { ...training, vpcConfig, enableNetworkIsolation: true, enableInterContainerTrafficEncryption: true }),
        new ModelStep('Model', { executionRole: role, primaryContainer: { image: 'xgboost:1' }, vpcConfig, enableNetworkIsolation: true }),
      ],
    }).toJson();

    // THEN
    const expected = { Subnets: [subnet], SecurityGroupIds: [{ Get: 'Parameters.SecurityGroup' }] };
    expect(json.Steps[0].Arguments.NetworkConfig).toEqual({ EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true, VpcConfig: expected });
    expect(json.Steps[1].Arguments).toMatchObject({ VpcConfig: expected, EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true });
    expect(json.Steps[2].Arguments).toMatchObject({ VpcConfig: expected, EnableNetworkIsolation: true });
    expect(stack.resolve(json.Steps[0].Arguments.NetworkConfig.VpcConfig.Subnets[0])).toEqual({ Ref: expect.stringMatching(/VpcjobsSubnet/) });
  });
});

/** A step type of your own: Arguments of any shape, rendered by renderBody. */
class NotebookJobStep extends PipelineStep {
  constructor(name: string, private readonly notebook: string) {
    super(name, 'Training', {});
  }

  protected renderBody(_options: StepRenderOptions): any {
    return { Arguments: { Notebook: this.notebook } };
  }
}

describe('custom steps and inspection', () => {
  test('a subclass of PipelineStep renders its body beside the common fields', () => {
    const step = new NotebookJobStep('Notebook', 's3://b/nb.ipynb');
    step.addDependsOn(new FailStep('Before'));
    expect(step.toJson()).toEqual({ Name: 'Notebook', Type: 'Training', Arguments: { Notebook: 's3://b/nb.ipynb' }, DependsOn: ['Before'] });
  });

  test('renderWithoutValidation shows a definition that toJson refuses', () => {
    // GIVEN a definition built, then made invalid by a dependency on a step outside it
    const fail = new FailStep('Stop');
    const definition = PipelineDefinition.fromSteps({ steps: [fail] });
    fail.addDependsOn(new FailStep('Elsewhere'));

    // THEN
    expect(() => definition.toJson()).toThrow(/step 'Stop' depends on step 'Elsewhere' which is not in the pipeline/);
    expect(definition.renderWithoutValidation().Steps[0]).toEqual({ Name: 'Stop', Type: 'Fail', Arguments: { ErrorMessage: '' }, DependsOn: ['Elsewhere'] });
  });

  test('a condition step with empty branches still reads its operands', () => {
    const gate = new ConditionStep('Gate', { conditions: [Condition.equalTo(PipelineExpression.get('Parameters.Missing'), PipelineExpression.fromNumber(1))] });
    expect(() => PipelineDefinition.fromSteps({ steps: [gate] })).toThrow(/step 'Gate' references parameter 'Missing' which is not declared/);
  });
});
