import { Duration, Fn, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { createHash } from 'crypto';
import { Construct } from 'constructs';
import { ALARM_STATE_CHANGE, SAGEMAKER_NAME, violationsPattern } from './drift-events';
import { MonitorSchedule } from './monitor-schedule';
import { MonitoringBaseline } from './monitoring-baseline';
import { ModelPackageBaselines } from './model-package-baselines';
import { monitoringImageRegions, monitoringImageUri, MonitoringImageKind } from './monitoring-images';
import { MonitoringTarget } from './monitoring-inputs';
import { waiveWildcardResources } from './nag-resource';
import { parseS3Uri } from './s3-location';
import { ServiceEndpoint } from '../network/service-endpoint';
import { ServiceUsage } from '../network/service-usage';
import { networkProblems } from '../network/network-interface-grants';
import { IWorkloadNetwork, NetworkInterfaceUser, WorkloadNetwork } from '../network/workload-network';
import { NagRules, waive } from '../private/compliance';
import { createEncryptionKey } from '../private/encryption-key';
import { ManagedPolicyRole } from '../private/managed-policy-role';
import { checkInstanceType } from '../private/sagemaker-instance-types';
import { createSecureBucket } from '../private/secure-bucket';

/** The four kinds of Model Monitor. */
export enum MonitorType {
  /** Drift of the input data from the baseline statistics and constraints. */
  DATA_QUALITY = 'DataQuality',
  /** Drift of prediction quality, measured against ground truth. */
  MODEL_QUALITY = 'ModelQuality',
  /** Drift of bias metrics (SageMaker Clarify), measured against ground truth. */
  MODEL_BIAS = 'ModelBias',
  /** Drift of feature attributions (SageMaker Clarify). */
  MODEL_EXPLAINABILITY = 'ModelExplainability',
}

/** The kind of problem a model-quality monitor measures. */
export enum ModelQualityProblemType {
  /** Binary classification. */
  BINARY_CLASSIFICATION = 'BinaryClassification',
  /** Multiclass classification. */
  MULTICLASS_CLASSIFICATION = 'MulticlassClassification',
  /** Regression. */
  REGRESSION = 'Regression',
}

/**
 * An alarm on a metric that Model Monitor publishes for a monitor (namespace
 * `aws/sagemaker/Endpoints/<kind>-metrics` for endpoints, `aws/sagemaker/ModelMonitoring/<kind>-metrics`
 * for batch transform, dimensions `Endpoint` and `MonitoringSchedule`).
 */
export interface MonitorMetricAlarmOptions {
  /** The metric, e.g. `feature_baseline_drift_age`, `accuracy`, `DPPL`. */
  readonly metricName: string;

  /** The threshold. */
  readonly threshold: number;

  /**
   * How the metric compares with the threshold.
   *
   * @default cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
   */
  readonly comparisonOperator?: cloudwatch.ComparisonOperator;

  /**
   * Dimensions beyond `Endpoint` and `MonitoringSchedule` (bias metrics also have `BiasStage`,
   * `Label`, `LabelValue`, `Facet`, `FacetValue`; explainability `ExplainabilityMethod`, `Label`, `ValueType`).
   *
   * @default - none
   */
  readonly dimensions?: { [name: string]: string };

  /**
   * Consecutive breaching periods (each one hour) before the alarm fires.
   *
   * @default 1
   */
  readonly evaluationPeriods?: number;
}

/**
 * What every monitor type can set.
 */
export interface MonitorOptions {
  /**
   * How often the monitor runs.
   *
   * @default - hourly for data quality, daily at 00:00 UTC for the others (ground truth arrives later)
   */
  readonly schedule?: MonitorSchedule;

  /**
   * What the monitor compares with. Data and model quality need one to find violations.
   *
   * @default - none (bias and explainability take their constraints from the analysis only)
   */
  readonly baseline?: MonitoringBaseline;

  /**
   * Alarms on the monitor's metrics.
   *
   * @default - none beyond the violations alarm every monitor has
   */
  readonly alarms?: MonitorMetricAlarmOptions[];

  /**
   * Whether the monitoring container may make no network calls. Clarify analyses that invoke a
   * model (SHAP against a shadow endpoint) need `false`.
   *
   * @default true
   */
  readonly networkIsolation?: boolean;

  /**
   * How long one execution may run; at most the schedule's interval.
   *
   * @default Duration.hours(1)
   */
  readonly maxRuntime?: Duration;
}

/**
 * A data-quality monitor.
 */
export interface DataQualityMonitorOptions extends MonitorOptions {
  /**
   * Alarm thresholds of feature drift, per feature: an alarm on `feature_baseline_drift_<feature>`
   * above the threshold (the distance from the baseline distribution, 0 to 1).
   *
   * @default - no feature-drift alarms
   */
  readonly featureDriftThresholds?: { [feature: string]: number };
}

/**
 * Where the model's answers are in the captured data, and which window of ground truth to join.
 */
export interface PredictionAttributesOptions {
  /**
   * The attribute of the inference output holding the prediction (JSON path or CSV index).
   *
   * @default - the whole output
   */
  readonly inferenceAttribute?: string;

  /**
   * The attribute holding the probability of the prediction.
   *
   * @default - none
   */
  readonly probabilityAttribute?: string;

  /**
   * Threshold turning a probability into a positive label (binary classification).
   *
   * @default - none
   */
  readonly probabilityThresholdAttribute?: number;

  /**
   * How far before each execution the window of analysed data starts (ground truth arrives late).
   *
   * @default - the schedule's interval
   */
  readonly startTimeOffset?: Duration;

  /**
   * How far before each execution the window ends.
   *
   * @default - at the execution
   */
  readonly endTimeOffset?: Duration;
}

/**
 * A model-quality monitor.
 */
export interface ModelQualityMonitorOptions extends MonitorOptions, PredictionAttributesOptions {
  /** The problem the model solves. */
  readonly problemType: ModelQualityProblemType;

  /** Where ground-truth labels are uploaded (`s3://bucket/prefix`), merged with captured data by event id. */
  readonly groundTruthS3Uri: string;

  /**
   * The ground-truth bucket, when `groundTruthS3Uri` is a token; the monitor role is granted read.
   *
   * @default - access derived from `groundTruthS3Uri`
   */
  readonly groundTruthBucket?: s3.IBucket;
}

/**
 * A model-bias monitor (SageMaker Clarify).
 */
export interface ModelBiasMonitorOptions extends MonitorOptions, PredictionAttributesOptions {
  /** Where ground-truth labels are uploaded (`s3://bucket/prefix`). */
  readonly groundTruthS3Uri: string;

  /**
   * The ground-truth bucket, when `groundTruthS3Uri` is a token.
   *
   * @default - access derived from `groundTruthS3Uri`
   */
  readonly groundTruthBucket?: s3.IBucket;

  /**
   * Clarify's analysis configuration (`analysis_config.json`: label, facets, metrics).
   *
   * @default - the model package's `Bias.ConfigFile` when the baseline is `fromModelPackage`; otherwise required
   */
  readonly analysisConfigS3Uri?: string;

  /**
   * The attribute of the captured input holding the features.
   *
   * @default - the whole input
   */
  readonly featuresAttribute?: string;
}

/**
 * A model-explainability monitor (SageMaker Clarify).
 */
export interface ModelExplainabilityMonitorOptions extends MonitorOptions {
  /**
   * Clarify's analysis configuration (`analysis_config.json`: SHAP baseline, features).
   *
   * @default - the model package's `Explainability.ConfigFile` when the baseline is `fromModelPackage`; otherwise required
   */
  readonly analysisConfigS3Uri?: string;

  /**
   * The attribute of the captured input holding the features.
   *
   * @default - the whole input
   */
  readonly featuresAttribute?: string;

  /**
   * The attribute of the inference output holding the prediction.
   *
   * @default - the whole output
   */
  readonly inferenceAttribute?: string;

  /**
   * The attribute holding the probability.
   *
   * @default - none
   */
  readonly probabilityAttribute?: string;
}

/**
 * Properties of a `ModelMonitor`.
 */
export interface ModelMonitorProps {
  /** What to monitor: an endpoint that captures data, or a batch transform. */
  readonly target: MonitoringTarget;

  /**
   * A data-quality monitor.
   *
   * @default - none
   */
  readonly dataQuality?: DataQualityMonitorOptions;

  /**
   * A model-quality monitor.
   *
   * @default - none
   */
  readonly modelQuality?: ModelQualityMonitorOptions;

  /**
   * A model-bias monitor.
   *
   * @default - none
   */
  readonly modelBias?: ModelBiasMonitorOptions;

  /**
   * A model-explainability monitor.
   *
   * @default - none
   */
  readonly modelExplainability?: ModelExplainabilityMonitorOptions;

  /**
   * Prefix of the monitoring schedule names (`<prefix>-data-quality`, ...), at most 42 characters.
   *
   * @default - the endpoint name (shortened with a hash when longer than 42 characters); required for a batch transform
   */
  readonly namePrefix?: string;

  /**
   * Bucket for the monitoring reports (statistics, constraints, violations).
   *
   * @default - a new KMS-encrypted, TLS-only, versioned bucket with access logs
   */
  readonly outputBucket?: s3.IBucket;

  /**
   * Key for the reports, the processing volumes and the forwarding dead-letter queue.
   *
   * @default - a new KMS key with rotation (USD 1 a month)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Role of the monitoring jobs.
   *
   * @default - a new role that reads the captured data, baselines and ground truth, writes the reports and publishes Model Monitor metrics, nothing else
   */
  readonly role?: iam.IRole;

  /**
   * Instance type of the monitoring jobs. Every execution runs one for its duration.
   *
   * @default 'ml.m5.xlarge'
   */
  readonly instanceType?: string;

  /**
   * Size of each job's ML storage volume, in GiB.
   *
   * @default 20
   */
  readonly volumeSizeGb?: number;

  /**
   * The network the monitoring jobs run in: a `PlatformNetwork`, or a `DeployTimeNetwork` in a
   * deployment template. The jobs' role gets the network-interface permissions SageMaker
   * documents, scoped to its subnets, and S3 (and for Clarify monitors without network
   * isolation, the SageMaker API and Runtime) is declared for its VPC endpoints.
   *
   * @default - `vpc` if given, else no VPC (network isolation still applies)
   */
  readonly network?: IWorkloadNetwork;

  /**
   * VPC for the monitoring jobs (prefer `network`).
   *
   * @default - no VPC (network isolation still applies)
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets of `vpc`.
   *
   * @default - the VPC's private subnets with egress, or its isolated subnets when it has none
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups of the jobs in `vpc`.
   *
   * @default - a new security group without inbound rules
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * The tooling account's event bus: monitoring executions with violations and the state changes
   * of this monitor's metric alarms are forwarded to it, where `DriftRetraining` listens.
   *
   * @default - nothing is forwarded (events stay on this account's default bus)
   */
  readonly eventBus?: events.IEventBus;

  /**
   * Topic the alarms notify.
   *
   * @default - a new topic encrypted with `encryptionKey`
   */
  readonly alarmTopic?: sns.ITopic;
}

interface MonitorKindInfo {
  readonly type: MonitorType;
  readonly suffix: string;
  readonly metrics: string;
  readonly image: MonitoringImageKind;
  readonly defaultSchedule: () => MonitorSchedule;
}

const KINDS: { [key: string]: MonitorKindInfo } = {
  DataQuality: { type: MonitorType.DATA_QUALITY, suffix: 'data-quality', metrics: 'data-metrics', image: MonitoringImageKind.MODEL_MONITOR, defaultSchedule: () => MonitorSchedule.hourly() },
  ModelQuality: { type: MonitorType.MODEL_QUALITY, suffix: 'model-quality', metrics: 'model-metrics', image: MonitoringImageKind.MODEL_MONITOR, defaultSchedule: () => MonitorSchedule.daily() },
  ModelBias: { type: MonitorType.MODEL_BIAS, suffix: 'model-bias', metrics: 'bias-metrics', image: MonitoringImageKind.CLARIFY, defaultSchedule: () => MonitorSchedule.daily() },
  ModelExplainability: { type: MonitorType.MODEL_EXPLAINABILITY, suffix: 'model-explainability', metrics: 'explainability-metrics', image: MonitoringImageKind.CLARIFY, defaultSchedule: () => MonitorSchedule.daily() },
};

const MAX_PREFIX = 63 - '-model-explainability'.length;
const INPUT_PATH = '/opt/ml/processing/input';
const OUTPUT_PATH = '/opt/ml/processing/output';

/**
 * Model Monitor for one endpoint or batch transform: any of the four monitor types, each a job
 * definition and an hourly or daily schedule against a baseline, with reports encrypted by a
 * customer-managed key, network isolation, a least-privilege role, a violations alarm per
 * monitor (an execution completed with violations), alarms on the metrics you name, and the
 * forwarding of those events to the tooling account's bus for drift-driven retraining.
 *
 * Every execution runs a processing instance (`instanceType`) and is billed for it.
 */
export class ModelMonitor extends Construct {
  /** The monitoring jobs' role. */
  public readonly role: iam.IRole;
  /** Key of the reports and volumes. */
  public readonly encryptionKey: kms.IKey;
  /** Bucket of the reports. */
  public readonly outputBucket: s3.IBucket;
  /** Topic of the alarms. */
  public readonly alarmTopic: sns.ITopic;
  /** The endpoint monitored, if it is one. */
  public readonly endpointName?: string;
  /** Names of the monitoring schedules created, one per monitor type. */
  public readonly monitoringScheduleNames: string[] = [];
  /** The data-quality job definition. */
  public readonly dataQualityJobDefinition?: sagemaker.CfnDataQualityJobDefinition;
  /** The model-quality job definition. */
  public readonly modelQualityJobDefinition?: sagemaker.CfnModelQualityJobDefinition;
  /** The model-bias job definition. */
  public readonly modelBiasJobDefinition?: sagemaker.CfnModelBiasJobDefinition;
  /** The model-explainability job definition. */
  public readonly modelExplainabilityJobDefinition?: sagemaker.CfnModelExplainabilityJobDefinition;
  /** The monitoring schedules, one per monitor type. */
  public readonly schedules: sagemaker.CfnMonitoringSchedule[] = [];
  /** Rules on executions completed with violations, one per monitor type. */
  public readonly violationsRules: events.Rule[] = [];
  /** Alarms on executions completed with violations, one per monitor type. */
  public readonly violationsAlarms: cloudwatch.Alarm[] = [];
  /** Alarms on Model Monitor metrics (feature drift, quality, bias, attribution). */
  public readonly metricAlarms: cloudwatch.Alarm[] = [];
  /** Forwards the metric alarms' state changes to `eventBus`, when given. */
  public readonly alarmForwardingRule?: events.Rule;
  /** Events that could not be forwarded to `eventBus`, when given. */
  public readonly forwardingDeadLetterQueue?: sqs.IQueue;
  /** The security group of the jobs in a VPC given as `vpc` (none for `network`: it brings its own). */
  public readonly securityGroups: ec2.ISecurityGroup[];
  /** Where the jobs run, when in a VPC. */
  public readonly network?: IWorkloadNetwork;

  private readonly namePrefix: string;
  private readonly batch: boolean;
  private readonly readGrants = new Set<string>();
  /** Wildcard resources granted to our own role, each waived by name once all grants are made. */
  private readonly wildcardResources: string[] = [];
  private baselineLookup?: ModelPackageBaselines;
  private readonly forwardTarget?: events.IRuleTarget;

  constructor(scope: Construct, id: string, props: ModelMonitorProps) {
    super(scope, id);
    const target = props.target;
    this.batch = target.endpointName === undefined;
    this.endpointName = target.endpointName;
    this.namePrefix = props.namePrefix ?? defaultNamePrefix(target.endpointName);
    this.validate(props);

    this.encryptionKey = props.encryptionKey ?? createEncryptionKey(this, 'Key', `Encrypts the Model Monitor reports and volumes of ${this.namePrefix}`);
    this.outputBucket = props.outputBucket ?? createSecureBucket(this, 'Reports', { encryptionKey: this.encryptionKey });
    this.alarmTopic = props.alarmTopic ?? new sns.Topic(this, 'AlarmTopic', {
      displayName: `Model Monitor alarms of ${this.namePrefix}`,
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
    // CloudWatch publishes alarm notifications to the key-encrypted topic.
    // "Add the aws:SourceAccount and aws:SourceArn condition keys to the KMS resource policy"
    // (Amazon SNS Developer Guide, sns-key-management, CloudWatch among the services listed).
    this.encryptionKey.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
    }), 'kms:Decrypt', 'kms:GenerateDataKey');

    if (props.vpc) {
      this.securityGroups = props.securityGroups ?? [new ec2.SecurityGroup(this, 'SecurityGroup', {
        vpc: props.vpc,
        description: `Model Monitor jobs of ${this.namePrefix}`,
        allowAllOutbound: false,
      })];
      this.network = WorkloadNetwork.fromVpc(props.vpc, this.securityGroups, props.vpcSubnets);
    } else {
      this.securityGroups = [];
      this.network = props.network;
    }

    const role = props.role ?? new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com', {
        // "Use aws:SourceAccount if you want to allow any resource in that account" (SageMaker
        // Developer Guide, security-confused-deputy-prevention).
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `Runs the Model Monitor jobs of ${this.namePrefix}`,
    });
    this.role = role;
    this.grantJobBasics(props);

    if (props.eventBus) {
      const queue = new sqs.Queue(this, 'ForwardingDeadLetters', {
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: this.encryptionKey,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      waive(queue, {
        rules: [...NagRules.dlqOfDlq],
        reason: 'this queue is itself the dead-letter queue of the drift-event forwarding; a queue behind it would only move the problem',
      });
      // EventBridge sets aws:SourceAccount to the rule's account (EventBridge User Guide,
      // cross-service-confused-deputy-prevention).
      this.encryptionKey.grant(new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }), 'kms:Decrypt', 'kms:GenerateDataKey');
      this.forwardingDeadLetterQueue = queue;
      const forwardRole = new ManagedPolicyRole(this, 'ForwardingRole', {
        assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
        description: `Forwards the drift events of ${this.namePrefix} to the tooling account event bus`,
      });
      this.forwardTarget = new targets.EventBus(props.eventBus, { role: forwardRole, deadLetterQueue: queue });
    }

    // All four job definition types take EnableNetworkIsolation, EnableInterContainerTrafficEncryption
    // and VpcConfig in NetworkConfig (CloudFormation resource schemas of AWS::SageMaker::*JobDefinition).
    const placement = this.network;
    const network = (options: MonitorOptions) => ({
      enableInterContainerTrafficEncryption: true,
      enableNetworkIsolation: options.networkIsolation ?? true,
      vpcConfig: placement ? {
        securityGroupIds: placement.securityGroupIds,
        subnets: placement.subnetIds,
      } : undefined,
    });
    if (placement) {
      const services = [ServiceEndpoint.S3];
      // A Clarify job that gets inferences creates a shadow endpoint and calls the SageMaker API and
      // Runtime for it (SageMaker Developer Guide, "Configure Amazon VPC for SageMaker Clarify jobs").
      if ([props.modelBias, props.modelExplainability].some((o) => o && o.networkIsolation === false)) {
        services.push(ServiceEndpoint.SAGEMAKER_API, ServiceEndpoint.SAGEMAKER_RUNTIME);
      }
      ServiceUsage.declare(this, services, `the Model Monitor jobs of ${this.namePrefix} read captured data and baselines and write reports in S3`);
    }
    const resources = {
      clusterConfig: {
        instanceCount: 1,
        instanceType: props.instanceType ?? 'ml.m5.xlarge',
        volumeSizeInGb: props.volumeSizeGb ?? 20,
        volumeKmsKeyId: this.encryptionKey.keyArn,
      },
    };
    const output = (info: MonitorKindInfo) => ({
      kmsKeyId: this.encryptionKey.keyArn,
      monitoringOutputs: [{
        s3Output: { localPath: OUTPUT_PATH, s3Uri: this.outputBucket.s3UrlForObject(`${this.namePrefix}/${info.suffix}`), s3UploadMode: 'EndOfJob' },
      }],
    });
    const environment = (info: MonitorKindInfo) => ({
      MLOPS_MONITOR_TYPE: info.type,
      ...(target.endpointName ? { MLOPS_ENDPOINT_NAME: target.endpointName } : {}),
    });
    const stopping = (options: MonitorOptions) => ({ maxRuntimeInSeconds: (options.maxRuntime ?? Duration.hours(1)).toSeconds() });
    const image = (info: MonitorKindInfo) => monitoringImageUri(this, info.image)!;

    if (props.dataQuality) {
      const o = props.dataQuality;
      const info = KINDS.DataQuality;
      const baseline = this.baselineFiles(o.baseline, 'ModelDataQuality.Constraints', 'ModelDataQuality.Statistics');
      const def = new sagemaker.CfnDataQualityJobDefinition(this, 'DataQualityJobDefinition', {
        roleArn: role.roleArn,
        dataQualityAppSpecification: { imageUri: image(info), environment: environment(info) },
        dataQualityBaselineConfig: baseline.constraints || baseline.statistics ? {
          constraintsResource: baseline.constraints ? { s3Uri: baseline.constraints } : undefined,
          statisticsResource: baseline.statistics ? { s3Uri: baseline.statistics } : undefined,
        } : undefined,
        dataQualityJobInput: this.batch
          ? { batchTransformInput: this.batchInput(target) }
          : { endpointInput: this.endpointInput(target) },
        dataQualityJobOutputConfig: output(info),
        jobResources: resources,
        networkConfig: network(o),
        stoppingCondition: stopping(o),
      });
      this.dataQualityJobDefinition = def;
      this.addSchedule(info, o, jobDefinitionNameOf(def.attrJobDefinitionArn), def);
      for (const [feature, threshold] of Object.entries(o.featureDriftThresholds ?? {})) {
        this.addMetricAlarm(info, { metricName: `feature_baseline_drift_${feature}`, threshold });
      }
    }

    if (props.modelQuality) {
      const o = props.modelQuality;
      const info = KINDS.ModelQuality;
      const baseline = this.baselineFiles(o.baseline, 'ModelQuality.Constraints');
      this.grantReadS3(o.groundTruthS3Uri, o.groundTruthBucket);
      const def = new sagemaker.CfnModelQualityJobDefinition(this, 'ModelQualityJobDefinition', {
        roleArn: role.roleArn,
        modelQualityAppSpecification: { imageUri: image(info), environment: environment(info), problemType: o.problemType },
        modelQualityBaselineConfig: baseline.constraints ? { constraintsResource: { s3Uri: baseline.constraints } } : undefined,
        modelQualityJobInput: {
          ...(this.batch
            ? { batchTransformInput: { ...this.batchInput(target), ...this.predictionAttributes(o) } }
            : { endpointInput: { ...this.endpointInput(target), ...this.predictionAttributes(o) } }),
          groundTruthS3Input: { s3Uri: o.groundTruthS3Uri },
        },
        modelQualityJobOutputConfig: output(info),
        jobResources: resources,
        networkConfig: network(o),
        stoppingCondition: stopping(o),
      });
      this.modelQualityJobDefinition = def;
      this.addSchedule(info, o, jobDefinitionNameOf(def.attrJobDefinitionArn), def);
    }

    if (props.modelBias) {
      const o = props.modelBias;
      const info = KINDS.ModelBias;
      const baseline = this.baselineFiles(o.baseline, 'Bias.PostTrainingConstraints', undefined, 'Bias.ConfigFile');
      const config = o.analysisConfigS3Uri ?? baseline.config!;
      this.grantReadS3(o.groundTruthS3Uri, o.groundTruthBucket);
      if (o.analysisConfigS3Uri) this.grantReadS3(o.analysisConfigS3Uri, undefined, true);
      const def = new sagemaker.CfnModelBiasJobDefinition(this, 'ModelBiasJobDefinition', {
        roleArn: role.roleArn,
        modelBiasAppSpecification: { imageUri: image(info), environment: environment(info), configUri: config },
        modelBiasBaselineConfig: baseline.constraints ? { constraintsResource: { s3Uri: baseline.constraints } } : undefined,
        modelBiasJobInput: {
          ...(this.batch
            ? { batchTransformInput: { ...this.batchInput(target), ...this.predictionAttributes(o), featuresAttribute: o.featuresAttribute } }
            : { endpointInput: { ...this.endpointInput(target), ...this.predictionAttributes(o), featuresAttribute: o.featuresAttribute } }),
          groundTruthS3Input: { s3Uri: o.groundTruthS3Uri },
        },
        modelBiasJobOutputConfig: output(info),
        jobResources: resources,
        networkConfig: network(o),
        stoppingCondition: stopping(o),
      });
      this.modelBiasJobDefinition = def;
      this.addSchedule(info, o, jobDefinitionNameOf(def.attrJobDefinitionArn), def);
    }

    if (props.modelExplainability) {
      const o = props.modelExplainability;
      const info = KINDS.ModelExplainability;
      const baseline = this.baselineFiles(o.baseline, 'Explainability.Constraints', undefined, 'Explainability.ConfigFile');
      const config = o.analysisConfigS3Uri ?? baseline.config!;
      if (o.analysisConfigS3Uri) this.grantReadS3(o.analysisConfigS3Uri, undefined, true);
      const attributes = { featuresAttribute: o.featuresAttribute, inferenceAttribute: o.inferenceAttribute, probabilityAttribute: o.probabilityAttribute };
      const def = new sagemaker.CfnModelExplainabilityJobDefinition(this, 'ModelExplainabilityJobDefinition', {
        roleArn: role.roleArn,
        modelExplainabilityAppSpecification: { imageUri: image(info), environment: environment(info), configUri: config },
        modelExplainabilityBaselineConfig: baseline.constraints ? { constraintsResource: { s3Uri: baseline.constraints } } : undefined,
        modelExplainabilityJobInput: this.batch
          ? { batchTransformInput: { ...this.batchInput(target), ...attributes } }
          : { endpointInput: { ...this.endpointInput(target), ...attributes } },
        modelExplainabilityJobOutputConfig: output(info),
        jobResources: resources,
        networkConfig: network(o),
        stoppingCondition: stopping(o),
      });
      this.modelExplainabilityJobDefinition = def;
      this.addSchedule(info, o, jobDefinitionNameOf(def.attrJobDefinitionArn), def);
    }

    for (const alarm of [...this.violationsAlarms, ...this.metricAlarms]) {
      alarm.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
    }
    if (this.forwardTarget && this.metricAlarms.length > 0) {
      this.alarmForwardingRule = new events.Rule(this, 'AlarmForwardingRule', {
        description: `Forwards the Model Monitor metric alarms of ${this.namePrefix} to the tooling account`,
        eventPattern: {
          source: ['aws.cloudwatch'],
          detailType: [ALARM_STATE_CHANGE],
          resources: this.metricAlarms.map((a) => a.alarmArn),
        },
        targets: [this.forwardTarget],
      });
    }
    if (this.role instanceof ManagedPolicyRole) {
      waiveWildcardResources(this.role, this.wildcardResources,
        'processing jobs write one object per execution under the monitor\'s report prefix, read captured data and ground truth below their prefixes, and log to log streams SageMaker names per job');
    }
  }

  /**
   * A metric that Model Monitor publishes for one of this monitor's schedules.
   */
  public metric(monitorType: MonitorType, metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    const info = Object.values(KINDS).find((k) => k.type === monitorType)!;
    const scheduleName = `${this.namePrefix}-${info.suffix}`;
    return new cloudwatch.Metric({
      namespace: `aws/sagemaker/${this.batch ? 'ModelMonitoring' : 'Endpoints'}/${info.metrics}`,
      metricName,
      dimensionsMap: this.batch ? { MonitoringSchedule: scheduleName } : { Endpoint: this.endpointName!, MonitoringSchedule: scheduleName },
      statistic: 'Maximum',
      period: Duration.hours(1),
      ...props,
    });
  }

  private validate(props: ModelMonitorProps): void {
    const problems: string[] = [];
    const target = props.target;
    const monitors = [props.dataQuality, props.modelQuality, props.modelBias, props.modelExplainability];
    if (monitors.every((m) => m === undefined)) {
      problems.push('give at least one of dataQuality, modelQuality, modelBias, modelExplainability');
    }
    if (target.endpointName !== undefined) {
      if (!target.dataCaptureEnabled) {
        problems.push(`endpoint '${target.endpointName}' does not capture data, and Model Monitor reads only captured data: enable data capture on the endpoint`);
      }
      if (!Token.isUnresolved(target.endpointName) && !SAGEMAKER_NAME.test(target.endpointName)) {
        problems.push(`endpoint name must be a SageMaker name, got '${target.endpointName}'`);
      }
    }
    if (target.endpointName === undefined && !target.dataCaptureEnabled) {
      problems.push('the batch transform does not capture data, and Model Monitor reads only captured data: enable its data capture');
    }
    if (target.dataCaptureEnabled && !target.dataCaptureBucket && target.dataCaptureS3Uri === undefined) {
      problems.push('give the endpoint\'s dataCaptureS3Uri or dataCaptureBucket, so the monitor role can read captured data');
    }
    if (target.dataCaptureS3Uri !== undefined && !Token.isUnresolved(target.dataCaptureS3Uri) && !parseS3Uri(target.dataCaptureS3Uri)) {
      problems.push(`data capture location must be an s3:// URI, got '${target.dataCaptureS3Uri}'`);
    }
    if (this.namePrefix === '') {
      problems.push('namePrefix is required for a batch-transform monitor');
    } else if (!Token.isUnresolved(this.namePrefix) && (!SAGEMAKER_NAME.test(this.namePrefix) || this.namePrefix.length > MAX_PREFIX)) {
      problems.push(`namePrefix must be a SageMaker name of at most ${MAX_PREFIX} characters, got '${this.namePrefix}'`);
    }
    const named: Array<[string, MonitorOptions | undefined, MonitorKindInfo]> = [
      ['dataQuality', props.dataQuality, KINDS.DataQuality],
      ['modelQuality', props.modelQuality, KINDS.ModelQuality],
      ['modelBias', props.modelBias, KINDS.ModelBias],
      ['modelExplainability', props.modelExplainability, KINDS.ModelExplainability],
    ];
    for (const [name, o, info] of named) {
      if (!o) continue;
      const schedule = o.schedule ?? info.defaultSchedule();
      const scheduleProblem = schedule._problem();
      if (scheduleProblem) problems.push(`${name}: ${scheduleProblem}`);
      const interval = schedule._intervalSeconds();
      const runtime = (o.maxRuntime ?? Duration.hours(1)).toSeconds({ integral: false });
      if (!Token.isUnresolved(runtime) && (runtime < 1 || runtime > 86_400 || (interval !== undefined && runtime > interval))) {
        problems.push(`${name}: maxRuntime must be between 1 second and the schedule's interval (${interval ?? 86_400} s), got ${runtime} s`);
      }
      if (o.baseline?.constraintsS3Uri && !Token.isUnresolved(o.baseline.constraintsS3Uri) && !parseS3Uri(o.baseline.constraintsS3Uri)) {
        problems.push(`${name}: baseline constraints must be an s3:// URI, got '${o.baseline.constraintsS3Uri}'`);
      }
      if (o.baseline?.statisticsS3Uri && !Token.isUnresolved(o.baseline.statisticsS3Uri) && !parseS3Uri(o.baseline.statisticsS3Uri)) {
        problems.push(`${name}: baseline statistics must be an s3:// URI, got '${o.baseline.statisticsS3Uri}'`);
      }
      if (!monitoringImageUri(this, info.image)) {
        problems.push(`${name}: SageMaker publishes no ${info.image === MonitoringImageKind.CLARIFY ? 'Clarify' : 'Model Monitor'} image in region ${Stack.of(this).region}; it does in ${monitoringImageRegions(info.image).join(', ')}`);
      }
    }
    for (const [name, o] of [['dataQuality', props.dataQuality], ['modelQuality', props.modelQuality]] as const) {
      const b = o?.baseline;
      if (o && (!b || (!b.modelPackageArn && !b.constraintsS3Uri))) {
        problems.push(`${name} needs a baseline with constraints (MonitoringBaseline.fromS3 or fromModelPackage): without one it finds no violations`);
      }
    }
    for (const [name, o, uri] of [['modelQuality', props.modelQuality, props.modelQuality?.groundTruthS3Uri], ['modelBias', props.modelBias, props.modelBias?.groundTruthS3Uri]] as const) {
      if (o && uri !== undefined && !Token.isUnresolved(uri) && !parseS3Uri(uri)) {
        problems.push(`${name}: groundTruthS3Uri must be an s3:// URI, got '${uri}'`);
      }
    }
    for (const [name, o] of [['modelBias', props.modelBias], ['modelExplainability', props.modelExplainability]] as const) {
      if (o && !o.analysisConfigS3Uri && !o.baseline?.modelPackageArn) {
        problems.push(`${name} needs analysisConfigS3Uri (Clarify's analysis_config.json) or a baseline fromModelPackage that carries one`);
      }
    }
    for (const [feature, threshold] of Object.entries(props.dataQuality?.featureDriftThresholds ?? {})) {
      if (!(threshold > 0 && threshold <= 1)) problems.push(`dataQuality: drift threshold of feature '${feature}' must be in (0, 1], got ${threshold}`);
    }
    if (props.volumeSizeGb !== undefined && (!Number.isInteger(props.volumeSizeGb) || props.volumeSizeGb < 1 || props.volumeSizeGb > 16_384)) {
      problems.push(`volumeSizeGb must be an integer from 1 to 16384, got ${props.volumeSizeGb}`);
    }
    if (props.network && props.vpc) {
      problems.push('give network or vpc, not both');
    }
    if (props.network) problems.push(...networkProblems(props.network));
    // The API's own enumeration of monitoring job instance types (MonitoringClusterConfig.InstanceType).
    const instanceTypeProblem = typeof props.instanceType === 'string' ? checkInstanceType('monitoring', props.instanceType) : undefined;
    if (instanceTypeProblem) problems.push(`instanceType: ${instanceTypeProblem}`);
    if (problems.length > 0) {
      throw new Error(`ModelMonitor ${this.node.path}: ${problems.join('; ')}`);
    }
  }

  private endpointInput(target: MonitoringTarget) {
    return {
      endpointName: target.endpointName!,
      localPath: `${INPUT_PATH}/endpoint`,
      s3InputMode: 'File',
      s3DataDistributionType: 'FullyReplicated',
    };
  }

  private batchInput(target: MonitoringTarget) {
    return {
      dataCapturedDestinationS3Uri: target.dataCaptureS3Uri!,
      datasetFormat: target.datasetFormat!._render(),
      localPath: `${INPUT_PATH}/batch`,
      s3InputMode: 'File',
      s3DataDistributionType: 'FullyReplicated',
    };
  }

  private predictionAttributes(o: PredictionAttributesOptions) {
    const offset = (d?: Duration) => (d ? `-${d.toIsoString()}` : undefined);
    return {
      inferenceAttribute: o.inferenceAttribute,
      probabilityAttribute: o.probabilityAttribute,
      probabilityThresholdAttribute: o.probabilityThresholdAttribute,
      startTimeOffset: offset(o.startTimeOffset),
      endTimeOffset: offset(o.endTimeOffset),
    };
  }

  /**
   * The baseline files of one monitor: explicit URIs, or fields of the model package's
   * drift-check baselines read at deploy time.
   */
  private baselineFiles(baseline: MonitoringBaseline | undefined, constraintsField: string, statisticsField?: string, configField?: string) {
    if (!baseline) return {};
    if (baseline.bucket) this.grantReadBucket(baseline.bucket);
    if (baseline.modelPackageArn) {
      const lookup = this.modelPackageLookup(baseline.modelPackageArn);
      const field = (f: string) => lookup.s3Uri(f);
      return {
        constraints: field(constraintsField),
        statistics: statisticsField ? field(statisticsField) : undefined,
        config: configField ? field(configField) : undefined,
      };
    }
    if (baseline.constraintsS3Uri) this.grantReadS3(baseline.constraintsS3Uri, undefined, true);
    if (baseline.statisticsS3Uri) this.grantReadS3(baseline.statisticsS3Uri, undefined, true);
    return { constraints: baseline.constraintsS3Uri, statistics: baseline.statisticsS3Uri, config: undefined };
  }

  private modelPackageLookup(modelPackageArn: string): ModelPackageBaselines {
    this.baselineLookup ??= new ModelPackageBaselines(this, 'BaselineLookup', { modelPackageArn, encryptionKey: this.encryptionKey, network: this.network });
    return this.baselineLookup;
  }

  private grantJobBasics(props: ModelMonitorProps): void {
    const stack = Stack.of(this);
    const target = props.target;
    // Captured data
    if (target.dataCaptureBucket) this.grantReadBucket(target.dataCaptureBucket);
    else if (target.dataCaptureS3Uri) this.grantReadS3(target.dataCaptureS3Uri);
    target.dataCaptureKey?.grantDecrypt(this.role);

    // Reports, volumes
    const reports = this.outputBucket.arnForObjects(`${this.namePrefix}/*`);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:PutObject', 's3:GetObject'],
      resources: [reports],
    }));
    this.wildcardResources.push(reports);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [this.outputBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${this.namePrefix}/*`] } },
    }));
    this.encryptionKey.grant(this.role, 'kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey');
    this.encryptionKey.grant(this.role, 'kms:CreateGrant');

    // Model Monitor publishes its metrics and logs as the job role.
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringLike: { 'cloudwatch:namespace': 'aws/sagemaker/*' } },
    }));
    const processingLogs = `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:/aws/sagemaker/ProcessingJobs*`;
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [processingLogs],
    }));
    this.wildcardResources.push(processingLogs);
    this.network?.grantNetworkInterfaces(this.role, NetworkInterfaceUser.SAGEMAKER);
    if (this.role instanceof ManagedPolicyRole) {
      waive(this.role, {
        rules: ['AwsSolutions::AwsSolutions-IAM5[Resource::*]'],
        reason: 'cloudwatch:PutMetricData has no resource-level permissions (limited to the aws/sagemaker namespaces by condition); VPC network-interface actions have none either',
      });
      waive(this.role, {
        rules: ['AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', 'AwsSolutions::AwsSolutions-IAM5[Action::kms:ReEncrypt*]'],
        reason: 'the processing job encrypts its volume and reports with the monitor key; the wildcard actions are on that key only',
      });
    }
  }

  /**
   * Grants reading the objects of a bucket handed to us (captured data, ground truth, baselines),
   * with exact actions rather than `grantRead`'s `s3:GetObject*`, `s3:List*`.
   */
  private grantReadBucket(bucket: s3.IBucket): void {
    if (this.readGrants.has(bucket.node.path)) return;
    this.readGrants.add(bucket.node.path);
    const objects = bucket.arnForObjects('*');
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects] }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
    bucket.encryptionKey?.grantDecrypt(this.role);
    this.wildcardResources.push(objects);
  }

  /**
   * Grants read of one object (`file`) or below a prefix of an S3 URI. Skipped for a token: pass
   * the bucket instead.
   */
  private grantReadS3(uri: string, bucket?: s3.IBucket, file = false): void {
    if (bucket) {
      this.grantReadBucket(bucket);
      return;
    }
    const parsed = parseS3Uri(uri);
    if (!parsed || this.readGrants.has(uri)) return;
    this.readGrants.add(uri);
    const partition = Stack.of(this).partition;
    const key = parsed.key.replace(/\/$/, '');
    if (file) {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [`arn:${partition}:s3:::${parsed.bucket}/${key}`],
      }));
      return;
    }
    const objects = `arn:${partition}:s3:::${parsed.bucket}/${key}${key === '' ? '' : '/'}*`;
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects] }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [`arn:${partition}:s3:::${parsed.bucket}`],
      conditions: { StringLike: { 's3:prefix': [`${key}${key === '' ? '' : '/'}*`] } },
    }));
    this.wildcardResources.push(objects);
  }

  private addSchedule(info: MonitorKindInfo, options: MonitorOptions, jobDefinitionName: string, definition: Construct): void {
    const name = `${this.namePrefix}-${info.suffix}`;
    const schedule = new sagemaker.CfnMonitoringSchedule(this, `${info.type}Schedule`, {
      monitoringScheduleName: name,
      endpointName: this.endpointName,
      monitoringScheduleConfig: {
        monitoringJobDefinitionName: jobDefinitionName,
        monitoringType: info.type,
        scheduleConfig: { scheduleExpression: (options.schedule ?? info.defaultSchedule()).expressionString },
      },
    });
    schedule.node.addDependency(definition);
    // The job runs as the role as soon as the schedule fires: its permissions must exist first.
    schedule.node.addDependency(this.role);
    this.schedules.push(schedule);
    this.monitoringScheduleNames.push(name);

    const rule = new events.Rule(this, `${info.type}ViolationsRule`, {
      description: `${info.type} monitoring executions of ${this.namePrefix} that completed with violations`,
      eventPattern: violationsPattern({ scheduleArns: [schedule.attrMonitoringScheduleArn] }),
      targets: this.forwardTarget ? [this.forwardTarget] : [],
    });
    this.violationsRules.push(rule);
    this.violationsAlarms.push(new cloudwatch.Alarm(this, `${info.type}ViolationsAlarm`, {
      alarmDescription: `A ${info.type} monitoring execution of ${this.namePrefix} completed with constraint violations`,
      metric: new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'MatchedEvents',
        dimensionsMap: { RuleName: rule.ruleName },
        statistic: 'Sum',
        period: Duration.hours(1),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }));
    for (const alarm of options.alarms ?? []) {
      this.addMetricAlarm(info, alarm);
    }
  }

  private addMetricAlarm(info: MonitorKindInfo, options: MonitorMetricAlarmOptions): void {
    const base = this.metric(info.type, options.metricName);
    const metric = options.dimensions
      ? base.with({ dimensionsMap: { ...base.dimensions as { [k: string]: string }, ...options.dimensions } })
      : base;
    const id = `${info.type}Alarm${this.metricAlarms.filter((a) => a.node.id.startsWith(`${info.type}Alarm`)).length + 1}`;
    this.metricAlarms.push(new cloudwatch.Alarm(this, id, {
      alarmDescription: `${info.type} metric ${options.metricName} of ${this.namePrefix} crossed ${options.threshold}`,
      metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      comparisonOperator: options.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      // Model Monitor publishes only when an execution runs: no data is not drift.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }));
  }
}

/**
 * The name in a job definition's ARN (`arn:…:data-quality-job-definition/<name>`). The job
 * definitions are left unnamed so that CloudFormation can replace them (every property change
 * replaces one); a fixed name would collide with itself.
 */
function jobDefinitionNameOf(arn: string): string {
  return Fn.select(1, Fn.split('/', arn));
}

/** The endpoint name, or when too long for a schedule name, its start and a hash of the whole. */
function defaultNamePrefix(endpointName: string | undefined): string {
  if (endpointName === undefined) return '';
  if (Token.isUnresolved(endpointName) || endpointName.length <= MAX_PREFIX) return endpointName;
  const hash = createHash('sha256').update(endpointName).digest('hex').slice(0, 8);
  return `${endpointName.slice(0, MAX_PREFIX - 9).replace(/-+$/, '')}-${hash}`;
}
