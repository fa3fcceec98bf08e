import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PipelineExpression } from './expression';
import { renderValue } from './render';
import { requestWith, toRequest } from './request';
import { JobStepOptions, PipelineStep, StepRenderOptions } from './step';

/** A `KeyValue` of an EMR step's Java properties. */
export interface EmrKeyValue {
  /** The key. */
  readonly key: string;
  /** The value. */
  readonly value: string;
}

/** `HadoopJarStep`. */
export interface HadoopJarStep {
  /** The JAR, e.g. `command-runner.jar`. */
  readonly jar: string;
  /**
   * Arguments.
   * @default - none
   */
  readonly args?: string[];
  /**
   * The main class.
   * @default - the JAR's manifest's
   */
  readonly mainClass?: string;
  /**
   * Java properties.
   * @default - none
   */
  readonly properties?: EmrKeyValue[];
}

/** `StepConfig` of an EMR step. */
export interface EmrStepConfig {
  /** The JAR to run. */
  readonly hadoopJarStep: HadoopJarStep;
}

/** An instance group of a new EMR cluster (`InstanceGroupConfig`). */
export interface EmrInstanceGroup {
  /** `MASTER`, `CORE` or `TASK`. */
  readonly instanceRole: string;
  /** EC2 instance type, e.g. `m5.xlarge`. */
  readonly instanceType: string;
  /** Number of instances. */
  readonly instanceCount: number;
  /**
   * A name for the group.
   * @default - none
   */
  readonly name?: string;
  /**
   * `ON_DEMAND` or `SPOT`.
   * @default - ON_DEMAND
   */
  readonly market?: string;
  /**
   * The bid price of spot instances.
   * @default - none
   */
  readonly bidPrice?: string;
  /**
   * A custom AMI.
   * @default - none
   */
  readonly customAmiId?: string;
}

/** `Instances` of a new EMR cluster (`JobFlowInstancesConfig`). */
export interface EmrInstances {
  /**
   * Instance groups; give these or `additionalFields.InstanceFleets`.
   * @default - none
   */
  readonly instanceGroups?: EmrInstanceGroup[];
  /**
   * Number of instances (with `masterInstanceType` and `slaveInstanceType`).
   * @default - none
   */
  readonly instanceCount?: number;
  /**
   * Primary node instance type.
   * @default - none
   */
  readonly masterInstanceType?: string;
  /**
   * Core and task node instance type.
   * @default - none
   */
  readonly slaveInstanceType?: string;
  /**
   * The Hadoop version (AMI versions only).
   * @default - none
   */
  readonly hadoopVersion?: string;
  /**
   * The subnet the cluster runs in; may be a token or an expression.
   * @default - EMR's default
   */
  readonly ec2SubnetId?: string;
  /**
   * Subnets an instance fleet cluster may run in.
   * @default - none
   */
  readonly ec2SubnetIds?: string[];
  /**
   * An EC2 key pair.
   * @default - none
   */
  readonly ec2KeyName?: string;
  /**
   * EMR-managed security group of the primary node.
   * @default - EMR creates one
   */
  readonly emrManagedMasterSecurityGroup?: string;
  /**
   * EMR-managed security group of core and task nodes.
   * @default - EMR creates one
   */
  readonly emrManagedSlaveSecurityGroup?: string;
  /**
   * Security group for the EMR service to reach the cluster in a private subnet.
   * @default - EMR creates one
   */
  readonly serviceAccessSecurityGroup?: string;
  /**
   * Raw fields of `JobFlowInstancesConfig` (PascalCase) laid over the typed ones, e.g.
   * `InstanceFleets`. `KeepJobFlowAliveWhenNoSteps` and `TerminationProtected` are refused: the
   * step manages the cluster's life.
   * @default - none
   */
  readonly additionalFields?: { [key: string]: any };
}

/** An application of a new EMR cluster. */
export interface EmrApplication {
  /** The application, e.g. `Spark`. */
  readonly name: string;
  /**
   * Its version.
   * @default - the release's
   */
  readonly version?: string;
  /**
   * Arguments.
   * @default - none
   */
  readonly args?: string[];
}

/** A configuration classification of a new EMR cluster. */
export interface EmrConfiguration {
  /** The classification, e.g. `spark-defaults`. */
  readonly classification: string;
  /**
   * Its properties (keys as EMR names them).
   * @default - none
   */
  readonly properties?: { [key: string]: string };
  /**
   * Nested configurations.
   * @default - none
   */
  readonly configurations?: EmrConfiguration[];
}

/**
 * The cluster an EMR step creates, runs its step on and terminates: the fields of EMR's
 * `RunJobFlow` request except `Name`, `Steps`, `AutoTerminationPolicy`,
 * `Instances.KeepJobFlowAliveWhenNoSteps` and `Instances.TerminationProtected`, which the step
 * sets itself (SageMaker Developer Guide, "EMR step": launch a new job on a new cluster).
 */
export interface EmrClusterConfig {
  /** The instances. */
  readonly instances: EmrInstances;
  /**
   * The EMR release, e.g. `emr-6.15.0`.
   * @default - none: give `amiVersion`
   */
  readonly releaseLabel?: string;
  /**
   * An AMI version, for releases before 4.0.
   * @default - none
   */
  readonly amiVersion?: string;
  /**
   * Applications.
   * @default - none
   */
  readonly applications?: EmrApplication[];
  /**
   * Configurations.
   * @default - none
   */
  readonly configurations?: EmrConfiguration[];
  /**
   * The name of the role EMR assumes (`ServiceRole`); the pipeline's role may pass it to EMR.
   * @default - none: EMR's default service role must exist
   */
  readonly serviceRole?: string;
  /**
   * The name of the cluster's EC2 instance profile (`JobFlowRole`). The pipeline's role may pass
   * the role of the same name to EC2, so name the profile after its role (as EMR's
   * `EMR_EC2_DefaultRole` is).
   * @default - none: EMR's default instance profile
   */
  readonly jobFlowRole?: string;
  /**
   * Where EMR writes logs.
   * @default - no logs in S3
   */
  readonly logUri?: string;
  /**
   * An EMR security configuration's name.
   * @default - none
   */
  readonly securityConfiguration?: string;
  /**
   * Free-form info for EMR.
   * @default - none
   */
  readonly additionalInfo?: string;
  /**
   * Raw fields of `RunJobFlow` (PascalCase) laid over the typed ones.
   * @default - none
   */
  readonly additionalFields?: { [key: string]: any };
}

/**
 * Props of an EMR step.
 */
export interface EmrStepProps extends JobStepOptions {
  /**
   * The running EMR cluster the step is added to (`ClusterId`). Give this or `clusterConfig`.
   * @default - none: the step creates a cluster from `clusterConfig`
   */
  readonly clusterId?: string;
  /**
   * The cluster the step creates, runs on and terminates (`ClusterConfig`). Give this or `clusterId`.
   * @default - none: the step runs on `clusterId`
   */
  readonly clusterConfig?: EmrClusterConfig;
  /** What the EMR step runs. */
  readonly stepConfig: EmrStepConfig;
  /**
   * A runtime role of the step on a running cluster (`ExecutionRoleArn`); the cluster's
   * instance profile must be able to assume it.
   * @default - the cluster's instance profile
   */
  readonly executionRole?: iam.IRole;
}

const RESTRICTED_CLUSTER_FIELDS = ['Name', 'Steps', 'AutoTerminationPolicy'];
const RESTRICTED_INSTANCE_FIELDS = ['KeepJobFlowAliveWhenNoSteps', 'TerminationProtected'];

/**
 * An `EMR` step: adds a step to a running Amazon EMR cluster, or creates a cluster for it and
 * terminates it after (SageMaker Developer Guide, "EMR step").
 */
export class EmrStep extends PipelineStep {
  constructor(name: string, private readonly props: EmrStepProps) {
    super(name, 'EMR', props);
    const problems: string[] = [];
    if ((props.clusterId === undefined) === (props.clusterConfig === undefined)) {
      problems.push('give exactly one of clusterId (a running cluster) and clusterConfig (a cluster the step creates)');
    }
    if (props.clusterConfig && props.executionRole) {
      problems.push('executionRole applies to a running cluster (clusterId) only, as in the SDK');
    }
    const config = props.clusterConfig;
    if (config) {
      const restricted = Object.keys(config.additionalFields ?? {}).filter((k) => RESTRICTED_CLUSTER_FIELDS.includes(k));
      const restrictedInstances = Object.keys(config.instances.additionalFields ?? {}).filter((k) => RESTRICTED_INSTANCE_FIELDS.includes(k));
      if (restricted.length + restrictedInstances.length > 0) {
        problems.push(`clusterConfig sets ${[...restricted, ...restrictedInstances.map((k) => `Instances.${k}`)].join(', ')}, which the step sets itself; remove them`);
      }
      const groups = config.instances.instanceGroups !== undefined;
      const fleets = config.instances.additionalFields?.InstanceFleets !== undefined;
      if (groups && fleets) problems.push('clusterConfig.instances has both instanceGroups and InstanceFleets; give one');
      if (config.releaseLabel === undefined && config.amiVersion === undefined && config.additionalFields?.ReleaseLabel === undefined) {
        problems.push('clusterConfig needs releaseLabel (or amiVersion for releases before 4.0)');
      }
    }
    if (problems.length > 0) throw new Error(`EmrStep ${name}: ${problems.join('; ')}`);
  }

  protected renderBody(_options: StepRenderOptions): any {
    const args: Record<string, any> = { stepConfig: this.props.stepConfig };
    if (this.props.clusterId !== undefined) args.clusterId = this.props.clusterId;
    if (this.props.executionRole) args.executionRole = this.props.executionRole;
    const request = requestWith(args, this.props.additionalArguments);
    if (this.props.clusterConfig && this.props.additionalArguments?.ClusterConfig === undefined) {
      request.ClusterConfig = clusterRequest(this.props.clusterConfig);
    }
    return { Arguments: request };
  }
}

function clusterRequest(config: EmrClusterConfig): any {
  const { instances, configurations, additionalFields, ...rest } = config;
  const { additionalFields: instanceFields, ...instanceRest } = instances;
  const out = toRequest(rest);
  out.Instances = { ...toRequest(instanceRest), ...renderValue(instanceFields ?? {}) };
  if (configurations) out.Configurations = configurations.map(configurationRequest);
  Object.assign(out, renderValue(additionalFields ?? {}));
  return out;
}

function configurationRequest(c: EmrConfiguration): any {
  const out: Record<string, any> = { Classification: c.classification };
  if (c.properties) out.Properties = renderValue(c.properties);
  if (c.configurations) out.Configurations = c.configurations.map(configurationRequest);
  return out;
}

/**
 * An EMR Serverless job run (the SDK v3 `EMRServerlessJobConfig`). Fields are EMR Serverless's
 * own, in camelCase as its API names them.
 */
export interface EmrServerlessJobConfig {
  /**
   * The job driver, as EMR Serverless's `StartJobRun` takes it, e.g.
   * `{ sparkSubmit: { entryPoint: 's3://bucket/job.py' } }`. Values may hold expressions.
   */
  readonly jobDriver: { [key: string]: any };
  /** The role the job runs as (`executionRoleArn`); the pipeline's role may pass it to EMR Serverless. */
  readonly executionRole: iam.IRole;
  /**
   * Configuration overrides, e.g. `monitoringConfiguration`.
   * @default - none
   */
  readonly configurationOverrides?: { [key: string]: any };
  /**
   * How long the job may run.
   * @default - EMR Serverless's default
   */
  readonly executionTimeoutMinutes?: number;
  /**
   * The job run's name.
   * @default - none
   */
  readonly name?: string;
  /**
   * Tags of the job run.
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/**
 * Props of an EMR Serverless step.
 */
export interface EmrServerlessStepProps extends JobStepOptions {
  /** The job run. */
  readonly jobConfig: EmrServerlessJobConfig;
  /**
   * An existing EMR Serverless application (`ApplicationId`). Give this or `applicationConfig`.
   * @default - none: the step creates an application from `applicationConfig`
   */
  readonly applicationId?: string;
  /**
   * The application the step creates (`ApplicationConfig`, EMR Serverless's `CreateApplication`
   * fields in camelCase, e.g. `{ name, releaseLabel: 'emr-6.15.0', type: 'SPARK' }`). Give this or
   * `applicationId`.
   * @default - none: the step runs on `applicationId`
   */
  readonly applicationConfig?: { [key: string]: any };
}

/**
 * An `EMRServerless` step (SageMaker Python SDK v3's `EMRServerlessStep`, `sagemaker-mlops`
 * v3.20.0 workflow/emr_serverless_step.py): runs a job on an EMR Serverless application, an
 * existing one or one the step creates. SDK v2 has no such step; the definition is the same
 * whichever `SdkVersion` it is rendered for.
 */
export class EmrServerlessStep extends PipelineStep {
  constructor(name: string, private readonly props: EmrServerlessStepProps) {
    super(name, 'EMRServerless', props);
    if ((props.applicationId === undefined) === (props.applicationConfig === undefined)) {
      throw new Error(`EmrServerlessStep ${name}: give exactly one of applicationId (an existing application) and applicationConfig (an application the step creates)`);
    }
    if (props.applicationId !== undefined && !Token.isUnresolved(props.applicationId) && props.applicationId.trim() === '') {
      throw new Error(`EmrServerlessStep ${name}: applicationId is empty; give the application's id`);
    }
  }

  /** The job run's state (`State` of `GetJobRun`'s job run). */
  public get state(): PipelineExpression {
    return this.property('JobRun.State');
  }

  protected renderBody(_options: StepRenderOptions): any {
    const job = this.props.jobConfig;
    const jobConfig: Record<string, any> = { executionRoleArn: job.executionRole.roleArn, jobDriver: job.jobDriver };
    if (this.props.applicationId !== undefined) jobConfig.applicationId = this.props.applicationId;
    if (job.configurationOverrides !== undefined) jobConfig.configurationOverrides = job.configurationOverrides;
    if (job.executionTimeoutMinutes !== undefined) jobConfig.executionTimeoutMinutes = job.executionTimeoutMinutes;
    if (job.name !== undefined) jobConfig.name = job.name;
    if (job.tags !== undefined) jobConfig.tags = job.tags;
    const args: Record<string, any> = {
      // The role at the top level is the one the service uses; JobConfig repeats it (SDK v3).
      ExecutionRoleArn: job.executionRole.roleArn,
      JobConfig: jobConfig,
    };
    if (this.props.applicationId !== undefined) args.ApplicationId = this.props.applicationId;
    else args.ApplicationConfig = this.props.applicationConfig;
    const out = renderValue(args);
    for (const [k, v] of Object.entries(this.props.additionalArguments ?? {})) out[k] = renderValue(v);
    return { Arguments: out };
  }
}
