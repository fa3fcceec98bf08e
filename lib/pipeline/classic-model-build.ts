import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Condition } from './definition/condition';
import { ConditionStep, FailStep } from './definition/control-steps';
import { ExecutionVariable, PipelineExpression } from './definition/expression';
import { DatasetFormat, ProcessingStep, QualityCheckStep, RegisterModelStep, TrainingStep } from './definition/job-steps';
import { ModelCardContent, ModelCardRiskRating, ModelCardStatus, ModelPackageCard } from './definition/model-card';
import { ParameterBoolean, ParameterFloat, ParameterInteger, ParameterString, PipelineParameter } from './definition/parameter';
import { PipelineDefinition } from './definition/pipeline-definition';
import { PropertyFile } from './definition/step';
// The Model Monitor image table lives with the monitors; it should move to private/ (told the lead).
import { MonitoringImageKind, monitoringImageUri } from '../monitoring/monitoring-images';
import { IWorkloadNetwork } from '../network/workload-network';
import { checkInstanceType } from '../private/sagemaker-instance-types';

/**
 * How the evaluation metric must compare with the threshold for the model to be registered.
 */
export enum MetricComparison {
  /** metric <= threshold, for errors (mse, rmse...). */
  LESS_THAN_OR_EQUAL_TO = 'LessThanOrEqualTo',
  /** metric >= threshold, for scores (accuracy, auc, f1...). */
  GREATER_THAN_OR_EQUAL_TO = 'GreaterThanOrEqualTo',
}

/**
 * The model card of the packages the classic build registers: what people say about the model.
 * The build adds what it knows itself: the training job, its data and image, and the evaluation
 * metric it computed.
 */
export interface ClassicModelCardOptions {
  /**
   * The general purpose of the model.
   * @default - none
   */
  readonly purposeOfModel?: string;
  /**
   * The uses the model is meant for, and those it is not.
   * @default - none
   */
  readonly intendedUses?: string;
  /**
   * The risk rating.
   * @default ModelCardRiskRating.UNKNOWN
   */
  readonly riskRating?: ModelCardRiskRating;
  /**
   * Why the model has its risk rating.
   * @default - none
   */
  readonly explanationsForRiskRating?: string;
  /**
   * Who created the model.
   * @default - none
   */
  readonly modelCreator?: string;
}

/**
 * Props of the classic model-build definition.
 */
export interface ClassicModelBuildProps {
  /** The role the processing and training jobs and the model run as. */
  readonly jobRole: iam.IRole;
  /** The model package group the model is registered into (e.g. `group.modelPackageGroupName`). */
  readonly modelPackageGroupName: string;
  /**
   * The image of the preprocessing and evaluation jobs (e.g. SageMaker scikit-learn). An ECR
   * image must be in the job role's stack's region: SageMaker pulls no image across regions.
   */
  readonly processingImageUri: string;
  /** The training image (e.g. SageMaker XGBoost), in ECR of the job role's stack's region. */
  readonly trainingImageUri: string;
  /**
   * The inference image of the registered model, in ECR of the job role's stack's region.
   * @default - the training image
   */
  readonly inferenceImageUri?: string;
  /** The bucket the jobs write to, under `<outputPrefix>/<execution id>/<step>/`. */
  readonly dataBucketName: string;
  /**
   * The key prefix of the jobs' outputs.
   * @default 'model-build'
   */
  readonly outputPrefix?: string;
  /** The raw data's S3 URI: the default of the `InputData` parameter. */
  readonly inputDataUri: string;
  /** The preprocessing script in S3; it reads `/opt/ml/processing/input` and writes `train`, `validation`, `test` under `/opt/ml/processing/`. */
  readonly preprocessScriptUri: string;
  /** The evaluation script in S3; it reads `/opt/ml/processing/model` and `/opt/ml/processing/test` and writes `/opt/ml/processing/evaluation/evaluation.json`. */
  readonly evaluateScriptUri: string;
  /**
   * Default instance type of the processing jobs and the data quality check
   * (`ProcessingInstanceType` parameter), one of the SageMaker API's `ProcessingInstanceType`s.
   * @default 'ml.m5.xlarge'
   */
  readonly processingInstanceType?: string;
  /**
   * Default instance type of training (`TrainingInstanceType` parameter), one of the SageMaker
   * API's `TrainingInstanceType`s.
   * @default 'ml.m5.xlarge'
   */
  readonly trainingInstanceType?: string;
  /**
   * Hyperparameters of training.
   * @default - none
   */
  readonly hyperParameters?: { [name: string]: string };
  /**
   * The path of the metric in `evaluation.json`. Give it whenever you give `metricThreshold` or
   * `comparison`: they are about your metric, and without it the condition would compare them
   * with the default's.
   * @default 'regression_metrics.mse.value' (only when neither `metricThreshold` nor `comparison` is given)
   */
  readonly metricJsonPath?: string;
  /**
   * Default threshold of the metric (`MetricThreshold` parameter). Needs `metricJsonPath`.
   * @default 6
   */
  readonly metricThreshold?: number;
  /**
   * How the metric must compare with the threshold. Needs `metricJsonPath`.
   * @default MetricComparison.LESS_THAN_OR_EQUAL_TO
   */
  readonly comparison?: MetricComparison;
  /**
   * The Model Monitor image of the data quality check (`sagemaker-model-monitor-analyzer`).
   * @default - the first-party image of the job role's stack's region, as the SageMaker Python SDK resolves it
   */
  readonly dataQualityImageUri?: string;
  /**
   * A model card for each registered package.
   * @default - no model card
   */
  readonly modelCard?: ClassicModelCardOptions;
  /**
   * The network the jobs run in (`NetworkConfig.VpcConfig` of the processing and check jobs,
   * `VpcConfig` of training), with traffic between instances encrypted. The data quality check,
   * and training unless the jobs get an `environment` (a tracking server to log to), also run
   * with network isolation (their containers read and write only what SageMaker stages); the
   * preprocessing and evaluation scripts keep network access inside the VPC, so they can reach
   * S3 through its endpoint. Give the job role the network too
   * (`SageMakerJobRole`'s `network`).
   * @default - no VPC
   */
  readonly network?: IWorkloadNetwork;
  /**
   * Environment variables of the processing, training and evaluation jobs (for example
   * `MLFLOW_TRACKING_URI`, `MlflowTrackingServer.trackingEnvironment`).
   * @default - none
   */
  readonly environment?: { [name: string]: string };
}

/** The metric the condition compares when no threshold, comparison nor path is given. */
const DEFAULT_METRIC_PATH = 'regression_metrics.mse.value';

/**
 * The region of an Amazon ECR image URI (`<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/...`
 * or the dual-stack `<account>.dkr-ecr.<region>.on.aws/...`), or `undefined` for anything else:
 * a token, an image of another registry, a bare name.
 */
function ecrRegionOf(uri: string): string | undefined {
  if (Token.isUnresolved(uri)) return undefined;
  const m = /^\d{12}\.dkr[.-]ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.(?:amazonaws\.com(?:\.cn)?|on\.aws)\//.exec(uri);
  return m ? m[1] : undefined;
}

/**
 * The classic model-build pipeline: preprocess → a data quality check of the training data →
 * train → evaluate (writing a property file) → a condition on the evaluation metric → register
 * the model (PendingManualApproval by default) or fail. Each step is a public property, so it can
 * be reused or changed; `definition` goes to a `ModelBuildPipeline`.
 *
 * The data quality check (the SDK's `QualityCheckStep` with a `DataQualityCheckConfig`, on the
 * preprocessed training data, CSV without a header) calculates statistics and constraints; the
 * registered package carries them as `ModelMetrics.ModelDataQuality` (the calculated ones) and
 * `DriftCheckBaselines.ModelDataQuality` (the ones to check drift against), which Model Monitor
 * reads from the approved package.
 *
 * Parameters: `InputData`, `ProcessingInstanceType`, `ProcessingInstanceCount`,
 * `TrainingInstanceType`, `ModelApprovalStatus`, `MetricThreshold`, and for the check, named as
 * in the SDK's examples, `SkipDataQualityCheck` and `RegisterNewDataQualityBaseline`. Both
 * default to true, where the SDK's examples default to false: a first run has no approved
 * package to check against, and a run that retrains on drift must not fail on the very drift it
 * retrains for; the new package's baselines are its own training data's
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-quality-clarify-baseline-lifecycle.html,
 * skip_check / register_new_baseline True/True). Start an execution with both false to refuse a
 * model whose training data drifted from the approved one's.
 */
export class ClassicModelBuild {
  /** The definition. */
  public readonly definition: PipelineDefinition;
  /** The pipeline's parameters. */
  public readonly parameters: PipelineParameter[];
  /** Preprocessing: splits the data into train, validation and test. */
  public readonly preprocessStep: ProcessingStep;
  /** The data quality check of the training data: its baselines are registered with the package. */
  public readonly dataQualityCheckStep: QualityCheckStep;
  /** Training. */
  public readonly trainStep: TrainingStep;
  /** Evaluation: writes `evaluation.json`, the `EvaluationReport` property file. */
  public readonly evaluateStep: ProcessingStep;
  /** The condition on the metric. */
  public readonly conditionStep: ConditionStep;
  /** Registration into the model package group. */
  public readonly registerStep: RegisterModelStep;
  /** The failure when the metric misses the threshold. */
  public readonly failStep: FailStep;
  /** The evaluation report property file. */
  public readonly evaluationReport: PropertyFile;

  /**
   * What is wrong with the options of a classic build whose jobs run in `stack`'s region, as
   * sentences naming the prop, its value and the fix, without the owner: `ClassicModelBuild` and
   * `ProjectModelBuild.classic` share the options' names.
   *
   * @internal
   */
  public static _problems(options: Pick<ClassicModelBuildProps, 'processingImageUri' | 'trainingImageUri' | 'inferenceImageUri'
  | 'dataQualityImageUri' | 'processingInstanceType' | 'trainingInstanceType' | 'metricJsonPath' | 'metricThreshold' | 'comparison'>, stack: Stack): string[] {
    const problems: string[] = [];
    // Without metricJsonPath the condition silently compares the threshold with the default metric.
    if (options.metricJsonPath === undefined && (options.metricThreshold !== undefined || options.comparison !== undefined)) {
      const given = [
        ...(options.metricThreshold !== undefined ? [`metricThreshold ${options.metricThreshold}`] : []),
        ...(options.comparison !== undefined ? [`comparison ${options.comparison}`] : []),
      ];
      problems.push(`${given.join(' and ')} ${given.length > 1 ? 'need' : 'needs'} metricJsonPath, the path of your metric in evaluation.json `
        + `(for example 'binary_classification_metrics.auc.value'): without it the condition compares the default metric '${DEFAULT_METRIC_PATH}'`);
    }
    if (options.metricJsonPath !== undefined && !Token.isUnresolved(options.metricJsonPath) && options.metricJsonPath.trim() === '') {
      problems.push(`metricJsonPath is empty; give the path of your metric in evaluation.json (for example '${DEFAULT_METRIC_PATH}')`);
    }
    for (const [prop, kind, value] of [
      ['processingInstanceType', 'processing', options.processingInstanceType],
      ['trainingInstanceType', 'training', options.trainingInstanceType],
    ] as const) {
      const problem = value === undefined ? undefined : checkInstanceType(kind, value);
      if (problem) problems.push(`${prop}: ${problem}`);
    }
    const region = stack.region;
    if (!Token.isUnresolved(region)) {
      // SageMaker runs images from ECR of its own region only. For models the API model says so:
      // "the Docker image for inference container in Amazon EC2 Container Registry must be in the
      // same region as the model or endpoint you are creating" (botocore sagemaker 2017-07-24,
      // ContainerDefinition.Image). For jobs its reference is silent, but the service refuses
      // another region's image when the job starts: CreateProcessingJob "Invalid region us-east-2
      // in image URI ... Please provide an image URI in region us-west-2"
      // (aws/amazon-sagemaker-examples#2422), CreateTrainingJob "Invalid DNS suffix 'amazonaws.com'
      // for region 'us-east-1' in training image" (aws-samples/mlops-amazon-sagemaker#9), as
      // CreateModel does ("Cross region ECR image pulls are not allowed",
      // aws/sagemaker-pytorch-inference-toolkit#7). Failing here saves a failed first execution.
      for (const [prop, uri] of [
        ['processingImageUri', options.processingImageUri],
        ['trainingImageUri', options.trainingImageUri],
        ['inferenceImageUri', options.inferenceImageUri],
        ['dataQualityImageUri', options.dataQualityImageUri],
      ] as const) {
        const imageRegion = uri === undefined ? undefined : ecrRegionOf(uri);
        if (imageRegion !== undefined && imageRegion !== region) {
          problems.push(`${prop} '${uri}' is in ECR of ${imageRegion}, not of ${region} where the build's jobs run and its model is registered: `
            + `SageMaker pulls job and model images only from ECR of its own region, so use the image's repository in ${region} `
            + '(SageMaker\'s own images have one in each region, under that region\'s account)');
        }
      }
      if (options.dataQualityImageUri === undefined && monitoringImageUri(stack, MonitoringImageKind.MODEL_MONITOR) === undefined) {
        problems.push(`no SageMaker Model Monitor image is known for region ${region}; pass dataQualityImageUri (the sagemaker-model-monitor-analyzer image of that region)`);
      }
    }
    return problems;
  }

  constructor(props: ClassicModelBuildProps) {
    const problems = ClassicModelBuild._problems(props, Stack.of(props.jobRole));
    if (problems.length > 0) throw new Error(`ClassicModelBuild: ${problems.join('; ')}`);
    const inputData = new ParameterString('InputData', { defaultValue: props.inputDataUri });
    const processingInstanceType = new ParameterString('ProcessingInstanceType', { defaultValue: props.processingInstanceType ?? 'ml.m5.xlarge' });
    const processingInstanceCount = new ParameterInteger('ProcessingInstanceCount', { defaultValue: 1 });
    const trainingInstanceType = new ParameterString('TrainingInstanceType', { defaultValue: props.trainingInstanceType ?? 'ml.m5.xlarge' });
    const approvalStatus = new ParameterString('ModelApprovalStatus', {
      defaultValue: 'PendingManualApproval',
      enumValues: ['PendingManualApproval', 'Approved'],
    });
    const threshold = new ParameterFloat('MetricThreshold', { defaultValue: props.metricThreshold ?? 6 });
    const skipDataQualityCheck = new ParameterBoolean('SkipDataQualityCheck', { defaultValue: true });
    const registerNewDataQualityBaseline = new ParameterBoolean('RegisterNewDataQualityBaseline', { defaultValue: true });
    this.parameters = [
      inputData, processingInstanceType, processingInstanceCount, trainingInstanceType, approvalStatus, threshold,
      skipDataQualityCheck, registerNewDataQualityBaseline,
    ];

    const prefix = props.outputPrefix ?? 'model-build';
    const outputUri = (step: string, ...rest: string[]) => PipelineExpression.join('/', [
      's3:/', props.dataBucketName, prefix, ExecutionVariable.PIPELINE_EXECUTION_ID.asString(), step, ...rest,
    ]).asString();
    const cluster = {
      clusterConfig: { instanceType: processingInstanceType.asString(), instanceCount: processingInstanceCount.asNumber(), volumeSizeInGb: 30 },
    };
    const script = (uri: string) => `/opt/ml/processing/input/code/${uri.split('/').pop()}`;
    const vpcConfig = props.network ? { subnets: props.network.subnetIds, securityGroupIds: props.network.securityGroupIds } : undefined;
    const processingNetwork = vpcConfig ? { vpcConfig, enableInterContainerTrafficEncryption: true } : undefined;

    this.preprocessStep = new ProcessingStep('Preprocess', {
      processingResources: cluster,
      appSpecification: { imageUri: props.processingImageUri, containerEntrypoint: ['python3', script(props.preprocessScriptUri)] },
      role: props.jobRole,
      processingInputs: [
        { inputName: 'input', s3Input: { s3Uri: inputData.asString(), localPath: '/opt/ml/processing/input' } },
        { inputName: 'code', s3Input: { s3Uri: props.preprocessScriptUri, localPath: '/opt/ml/processing/input/code' } },
      ],
      processingOutputConfig: {
        outputs: ['train', 'validation', 'test'].map((name) => ({
          outputName: name,
          s3Output: { s3Uri: outputUri('Preprocess', 'output', name), localPath: `/opt/ml/processing/${name}` },
        })),
      },
      stoppingCondition: { maxRuntimeInSeconds: 3600 },
      networkConfig: processingNetwork,
      environment: props.environment,
    });

    // Known for every literal region, checked above; an env-agnostic stack maps the region at deploy time.
    const dataQualityImageUri = props.dataQualityImageUri ?? monitoringImageUri(Stack.of(props.jobRole), MonitoringImageKind.MODEL_MONITOR)!;
    const trainingData = this.preprocessStep.outputS3Uri('train');
    this.dataQualityCheckStep = QualityCheckStep.dataQuality('DataQualityCheck', {
      checkJobConfig: {
        role: props.jobRole,
        imageUri: dataQualityImageUri,
        instanceType: processingInstanceType.asString(),
        instanceCount: 1,
        volumeSizeInGb: 30,
        maxRuntimeInSeconds: 3600,
        networkConfig: vpcConfig ? { ...processingNetwork, enableNetworkIsolation: true } : undefined,
      },
      dataQualityCheckConfig: {
        baselineDataset: trainingData,
        // The preprocessing script writes the splits as CSV without a header (the label first).
        datasetFormat: DatasetFormat.csv({ header: false }),
        outputS3Uri: outputUri('DataQualityCheck', 'output'),
      },
      skipCheck: skipDataQualityCheck,
      registerNewBaseline: registerNewDataQualityBaseline,
      modelPackageGroupName: props.modelPackageGroupName,
    });

    this.trainStep = new TrainingStep('Train', {
      // A violation of the approved baselines stops the build before it trains (when checked).
      dependsOn: [this.dataQualityCheckStep],
      algorithmSpecification: { trainingImage: props.trainingImageUri, trainingInputMode: 'File' },
      role: props.jobRole,
      outputDataConfig: { s3OutputPath: outputUri('Train', 'output') },
      resourceConfig: { instanceType: trainingInstanceType.asString(), instanceCount: 1, volumeSizeInGb: 30 },
      stoppingCondition: { maxRuntimeInSeconds: 86400 },
      inputDataConfig: ['train', 'validation'].map((name) => ({
        channelName: name,
        contentType: 'text/csv',
        dataSource: { s3DataSource: { s3Uri: this.preprocessStep.outputS3Uri(name) } },
      })),
      hyperParameters: props.hyperParameters,
      environment: props.environment,
      ...(vpcConfig ? { vpcConfig, enableInterContainerTrafficEncryption: true, enableNetworkIsolation: props.environment === undefined } : {}),
    });

    this.evaluationReport = new PropertyFile({ name: 'EvaluationReport', outputName: 'evaluation', path: 'evaluation.json' });
    this.evaluateStep = new ProcessingStep('Evaluate', {
      processingResources: cluster,
      appSpecification: { imageUri: props.processingImageUri, containerEntrypoint: ['python3', script(props.evaluateScriptUri)] },
      role: props.jobRole,
      processingInputs: [
        { inputName: 'model', s3Input: { s3Uri: this.trainStep.modelArtifacts, localPath: '/opt/ml/processing/model' } },
        { inputName: 'test', s3Input: { s3Uri: this.preprocessStep.outputS3Uri('test'), localPath: '/opt/ml/processing/test' } },
        { inputName: 'code', s3Input: { s3Uri: props.evaluateScriptUri, localPath: '/opt/ml/processing/input/code' } },
      ],
      processingOutputConfig: {
        outputs: [{ outputName: 'evaluation', s3Output: { s3Uri: outputUri('Evaluate', 'output', 'evaluation'), localPath: '/opt/ml/processing/evaluation' } }],
      },
      stoppingCondition: { maxRuntimeInSeconds: 3600 },
      networkConfig: processingNetwork,
      environment: props.environment,
      propertyFiles: [this.evaluationReport],
    });

    const metricPath = props.metricJsonPath ?? DEFAULT_METRIC_PATH;
    const metric = this.evaluateStep.jsonGet(this.evaluationReport, metricPath);
    const trainingImage = props.trainingImageUri;
    const modelCard: ModelPackageCard | undefined = props.modelCard && {
      // Pending review while the package waits for approval; the approval path updates it.
      status: ModelCardStatus.PENDING_REVIEW,
      content: ModelCardContent.of({
        modelOverview: { modelCreator: props.modelCard.modelCreator, modelArtifact: [this.trainStep.modelArtifacts] },
        intendedUses: {
          purposeOfModel: props.modelCard.purposeOfModel,
          intendedUses: props.modelCard.intendedUses,
          riskRating: props.modelCard.riskRating ?? ModelCardRiskRating.UNKNOWN,
          explanationsForRiskRating: props.modelCard.explanationsForRiskRating,
        },
        trainingDetails: {
          trainingJobDetails: {
            trainingArn: this.trainStep.trainingJobArn,
            trainingDatasets: [trainingData],
            trainingImages: Token.isUnresolved(trainingImage) ? undefined : [trainingImage],
          },
        },
        evaluationDetails: [{
          name: 'Evaluate',
          evaluationJobArn: this.evaluateStep.property('ProcessingJobArn').asString(),
          datasets: [this.preprocessStep.outputS3Uri('test')],
          metricGroups: [{ name: 'evaluation', metricData: [{ name: metricPath, value: metric.asNumber() }] }],
        }],
      }),
    };

    this.registerStep = new RegisterModelStep('RegisterModel', {
      modelPackageGroupName: props.modelPackageGroupName,
      modelApprovalStatus: approvalStatus.asString(),
      inferenceSpecification: {
        containers: [{ image: props.inferenceImageUri ?? props.trainingImageUri, modelDataUrl: this.trainStep.modelArtifacts }],
        supportedContentTypes: ['text/csv'],
        supportedResponseMimeTypes: ['text/csv'],
      },
      modelMetrics: {
        modelQuality: {
          statistics: {
            contentType: 'application/json',
            s3Uri: PipelineExpression.join('/', [this.evaluateStep.outputS3Uri('evaluation'), 'evaluation.json']).asString(),
          },
        },
        modelDataQuality: {
          statistics: { contentType: 'application/json', s3Uri: this.dataQualityCheckStep.calculatedBaselineStatistics },
          constraints: { contentType: 'application/json', s3Uri: this.dataQualityCheckStep.calculatedBaselineConstraints },
        },
      },
      driftCheckBaselines: {
        modelDataQuality: {
          statistics: { contentType: 'application/json', s3Uri: this.dataQualityCheckStep.baselineUsedForDriftCheckStatistics },
          constraints: { contentType: 'application/json', s3Uri: this.dataQualityCheckStep.baselineUsedForDriftCheckConstraints },
        },
      },
      customerMetadataProperties: { PipelineExecutionArn: ExecutionVariable.PIPELINE_EXECUTION_ARN.asString() },
      modelCard,
    });
    const comparison = props.comparison ?? MetricComparison.LESS_THAN_OR_EQUAL_TO;
    this.failStep = new FailStep('MetricMissedThreshold', {
      errorMessage: PipelineExpression.join(' ', [
        `Evaluation metric ${metricPath} is not ${comparison === MetricComparison.LESS_THAN_OR_EQUAL_TO ? '<=' : '>='}`,
        threshold.asString(),
      ]).asString(),
    });
    this.conditionStep = new ConditionStep('CheckEvaluation', {
      conditions: [comparison === MetricComparison.LESS_THAN_OR_EQUAL_TO
        ? Condition.lessThanOrEqualTo(metric, threshold)
        : Condition.greaterThanOrEqualTo(metric, threshold)],
      ifSteps: [this.registerStep],
      elseSteps: [this.failStep],
    });

    this.definition = PipelineDefinition.fromSteps({
      parameters: this.parameters,
      steps: [this.preprocessStep, this.dataQualityCheckStep, this.trainStep, this.evaluateStep, this.conditionStep],
    });
  }
}
