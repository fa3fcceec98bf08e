import { Aspects, CfnParameter, Duration, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { EndpointHosting } from '../deployment/endpoint-hosting';
import { ModelDeploymentStack } from '../deployment/model-deployment-stack';
import { ModelEndpointOptions } from '../deployment/model-endpoint';
import { DriftRetraining } from '../monitoring/drift-retraining';
import { DataQualityMonitorOptions, ModelBiasMonitorOptions, ModelExplainabilityMonitorOptions, ModelMonitor, ModelQualityMonitorOptions } from '../monitoring/model-monitor';
import { MonitoringBaseline } from '../monitoring/monitoring-baseline';
import { MonitoringTarget } from '../monitoring/monitoring-inputs';
import { ModelBuildPipeline } from '../pipeline/model-build-pipeline';
import { SageMakerJobRole } from '../pipeline/sagemaker-job-role';
import { nagResourceName, waive } from '../private/compliance';
import { nameStatementsProp } from '../private/prop-names';
import { createEncryptionKey } from '../private/encryption-key';
import { SandboxRemoval } from '../private/sandbox';
import { createSecureBucket } from '../private/secure-bucket';
import { DATA_QUALITY_CONSTRAINTS_PARAMETER, DATA_QUALITY_STATISTICS_PARAMETER, ModelPromotionPipeline } from '../promotion/model-promotion-pipeline';
import { PromotionDeployTarget } from '../promotion/promotion-deploy-target';
import { PromotionNames } from '../promotion/promotion-names';
import { ModelApprovalTrigger } from '../registry/model-approval-trigger';
import { IModelPackageGroup, ModelPackageGroup } from '../registry/model-package-group';
import { ModelPackageGroupSharing } from '../registry/model-package-group-sharing';
import { MlflowTrackingServer, MlflowTrackingServerSize } from '../governance/mlflow-tracking-server';
import { ModelCardStatusSync } from '../governance/model-card-status-sync';
import { DashboardHandler, ProjectDashboard } from '../governance/project-dashboard';
import { ServiceEndpoint } from '../network/service-endpoint';
import { ServiceUsage } from '../network/service-usage';
import { IWorkloadNetwork } from '../network/workload-network';
import { StudioProjectAccess } from '../studio/studio-domain';
import { MlopsPlatform } from './mlops-platform';
import { ModelBuildSource, SourceRepository } from './model-build-source';
import { ProjectModelBuild } from './project-model-build';

/**
 * How a project's staging endpoint is tested before production.
 */
export interface ProjectSmokeTest {
  /**
   * A sample request body, sent as is. At most 4 KB.
   */
  readonly payload: string;

  /**
   * Content type of the payload.
   *
   * @default 'text/csv'
   */
  readonly contentType?: string;

  /**
   * Accept header.
   *
   * @default - the endpoint's default
   */
  readonly accept?: string;

  /**
   * A regular expression the answer must match.
   *
   * @default - any non-empty answer passes
   */
  readonly expectedResponsePattern?: string;
}

/**
 * What a project monitors in production.
 */
export interface ProjectMonitoringOptions {
  /**
   * Data quality of the requests.
   *
   * @default - hourly, against the baselines at
   *   `s3://<data bucket>/baselines/data-quality/{constraints,statistics}.json` (write them with a
   *   QualityCheckStep of the build, or the SDK's `suggest_baseline`); needs `modelBuild`
   */
  readonly dataQuality?: DataQualityMonitorOptions;

  /**
   * Model quality, against ground truth.
   *
   * @default - not monitored
   */
  readonly modelQuality?: ModelQualityMonitorOptions;

  /**
   * Bias drift.
   *
   * @default - not monitored
   */
  readonly modelBias?: ModelBiasMonitorOptions;

  /**
   * Feature attribution (explainability) drift.
   *
   * @default - not monitored
   */
  readonly modelExplainability?: ModelExplainabilityMonitorOptions;

  /**
   * No retraining within this time after the last one started.
   *
   * @default Duration.days(1)
   */
  readonly retrainingCooldown?: Duration;
}

/**
 * A project's managed MLflow tracking server for its experiments.
 */
export interface ProjectExperimentsOptions {
  /**
   * The server's size.
   *
   * @default MlflowTrackingServerSize.SMALL
   */
  readonly size?: MlflowTrackingServerSize;

  /**
   * The server's name.
   *
   * @default 'mlops-<project>'
   */
  readonly trackingServerName?: string;
}

/**
 * What a project records for governance and audit.
 */
export interface ProjectGovernanceOptions {
  /**
   * The model card of every package of the registry follows the package's approval
   * (`ModelCardStatusSync`): pending review, approved, archived when rejected. The classic build
   * registers a card with every package.
   *
   * @default true
   */
  readonly modelCardStatus?: boolean;

  /**
   * A CloudWatch dashboard of the project (`ProjectDashboard`, `mlops-<project>`): build
   * executions, the endpoints per stage, monitoring violations, the handlers' errors and dead
   * letters, the project's alarms. USD 3 a month beyond the three free dashboards of an account.
   *
   * @default true
   */
  readonly dashboard?: boolean;

  /**
   * A managed MLflow tracking server for the project's experiments, its artifacts in the
   * project's data bucket under `mlflow/`; the build's jobs may log to it (the classic build's
   * jobs get `MLFLOW_TRACKING_URI`). Billed for every hour it runs, by size (SageMaker pricing).
   * In private mode, jobs reach it through the SageMaker MLflow interface endpoint
   * (`aws.sagemaker.<region>.experiments`), which the tooling network then creates (about USD 15
   * a month in two Availability Zones). Needs `modelBuild`.
   *
   * @default - no tracking server
   */
  readonly experiments?: ProjectExperimentsOptions;
}

/**
 * Properties of an `MlopsProject`.
 */
export interface MlopsProjectProps {
  /**
   * The platform the project is onboarded onto.
   */
  readonly platform: MlopsPlatform;

  /**
   * The project's name: 1-32 characters of a-z, 0-9 and '-'. It names the registry, the
   * endpoints (`<name>-staging`, `<name>-production`) and the roles shared across accounts.
   */
  readonly projectName: string;

  /**
   * What the project is for, shown in the registry and the stacks' descriptions.
   *
   * @default - none
   */
  readonly description?: string;

  /**
   * How the staging endpoint serves (inference kind, strategy, capture...).
   *
   * @default - the `ModelEndpoint` defaults: one real-time instance with data capture
   */
  readonly stagingEndpoint?: ModelEndpointOptions;

  /**
   * How the production endpoints serve.
   *
   * @default - the `ModelEndpoint` defaults: one real-time instance with data capture
   */
  readonly productionEndpoint?: ModelEndpointOptions;

  /**
   * The staging smoke test.
   */
  readonly smokeTest: ProjectSmokeTest;

  /**
   * The model-build pipeline. The project creates a data bucket
   * (`mlops-<project>-data-<tooling account>`), a role for the pipeline's SageMaker jobs and the
   * pipeline, registering into the project's registry; new objects under the build's input
   * prefix start it.
   *
   * @default - no build pipeline: register model packages into the registry from elsewhere
   */
  readonly modelBuild?: ProjectModelBuild;

  /**
   * The repository of the model-build code: a push writes the definition with the SageMaker
   * Python SDK, updates the pipeline and runs it. Needs `modelBuild`.
   *
   * @default - the pipeline changes only with the platform's `cdk deploy`
   */
  readonly buildRepository?: SourceRepository;

  /**
   * Model Monitor on the production endpoint, and retraining when it finds drift. Drift events
   * reach the tooling account's bus; the drift handler starts the build pipeline (once per event,
   * never while one runs, not within the cooldown) and tells the project's topic.
   *
   * @default - no monitoring
   */
  readonly monitoring?: ProjectMonitoringOptions;

  /**
   * The project's key in the tooling account (data bucket, promotion artifacts, topic, handler
   * logs and dead letters). A key of your own must carry the alias
   * `alias/mlops-<project>-promotion-artifacts` if it is not defined in the project's tooling
   * stack: the staging and production roles are limited to the key of that alias.
   *
   * The key must be of the tooling region (a multi-Region key: its replica there).
   *
   * @default - a new KMS key with rotation (USD 1 a month)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The project's topic: approvals waiting, promotions failed, drift and retraining, handler
   * alarms. Its key must let CloudWatch and CodeStar Notifications publish.
   *
   * @default - a new topic encrypted with the project's key
   */
  readonly notificationTopic?: sns.ITopic;

  /**
   * People who approve production deployments and receive the project's alarms.
   *
   * @default - nobody is subscribed; subscribe to `notificationTopic`
   */
  readonly reviewerEmails?: string[];

  /**
   * A model package group that exists already, in the tooling account and region (another
   * team's registry, or one that predates the platform): the project registers into it, promotes
   * from it and shares it with staging and production (merged into the group's resource policy,
   * keeping other statements), instead of creating `<projectName>`.
   * Import it with `ModelPackageGroup.fromModelPackageGroupName` or `fromModelPackageGroupArn`.
   *
   * @default - a new group named after the project, retained on delete
   */
  readonly modelPackageGroup?: IModelPackageGroup;

  /**
   * Governance and audit: model cards that follow approvals, a dashboard, experiments in MLflow.
   * Every promotion is recorded in SageMaker lineage regardless (the promotion's `recordLineage`).
   *
   * @default - model-card status and the dashboard on, no MLflow tracking server
   */
  readonly governance?: ProjectGovernanceOptions;

  /**
   * Statements for the CloudFormation execution roles of staging and production, for resources
   * you add to `stagingDeployment` or `productionDeployment` whose permissions the project cannot
   * derive (a type it does not know, a name not known at synth). Synthesis fails naming the
   * resource, its template and this prop when one is needed. Scope them to the project's
   * deployment stacks' resources (`mlops-<project>-staging`, `mlops-<project>-production`).
   *
   * @default - none: the permissions are derived from the deployment templates
   */
  readonly additionalDeploymentStatements?: iam.PolicyStatement[];
}

/**
 * One ML use case, end to end, onboarded onto an `MlopsPlatform`: a model registry in the tooling
 * account shared with staging and production, the approval handler that starts a promotion when
 * a reviewer approves a model, the promotion pipeline (staging, smoke test, manual approval,
 * production waves) and the deploy targets in each account.
 *
 * The project creates its own stacks (`<prefix>-<Project>-Tooling`, `-Staging`,
 * `-Production<n>`), so a platform of many projects keeps every stack small, and every part is a
 * public property that can be inspected or extended.
 */
export class MlopsProject extends Construct {
  /** The project name. */
  public readonly projectName: string;
  /** The project's tooling stack. */
  public readonly toolingStack: Stack;
  /** The project's stack where staging is deployed: its deploy roles and the stage's hosting resources. */
  public readonly stagingStack: Stack;
  /** The project's stacks in the production accounts and regions other than staging's (one per account and region). */
  public readonly productionStacks: Stack[];
  /** The project's key in the tooling account. */
  public readonly encryptionKey: kms.IKey;
  /** The registry: the project's own, or the one given as `modelPackageGroup`. */
  public readonly modelPackageGroup: IModelPackageGroup;
  /** The sharing of a registry given as `modelPackageGroup` with staging and production. */
  public readonly registrySharing?: ModelPackageGroupSharing;
  /** The template deployed to staging (synthesized once, deployed by the promotion pipeline). */
  public readonly stagingDeployment: ModelDeploymentStack;
  /** The template deployed to production. */
  public readonly productionDeployment: ModelDeploymentStack;
  /** The promotion pipeline. */
  public readonly promotion: ModelPromotionPipeline;
  /** The approval handler wiring. */
  public readonly approvalTrigger: ModelApprovalTrigger;
  /** The deploy target where staging is deployed. */
  public readonly stagingTarget: PromotionDeployTarget;
  /** The deploy targets of the production accounts and regions other than staging's. */
  public readonly productionTargets: PromotionDeployTarget[];
  /** The long-lived resources of the staging endpoint (key, captured data, logs). */
  public readonly stagingHosting: EndpointHosting;
  /** The long-lived resources of the production endpoint, one per production account and region. */
  public readonly productionHostings: EndpointHosting[];
  /** Notifications of the project: approvals waiting, promotions failed, handler alarms. */
  public readonly notificationTopic: sns.ITopic;
  /** The name of the CloudFormation stack that serves the model in staging. */
  public readonly stagingStackName: string;
  /** The name of the CloudFormation stack that serves the model in production. */
  public readonly productionStackName: string;
  /** The platform the project is onboarded onto. */
  public readonly platform: MlopsPlatform;
  private readonly title: string;
  private readonly additionalDeploymentStatements?: iam.PolicyStatement[];
  /** The data bucket keys staging and production read: model artifacts, and baselines (production). */
  private sharedKeys?: { modelArtifacts: string[]; baselines: string[] };
  /** The data bucket's name, known before the bucket exists: templates of other accounts use it. */
  private readonly dataBucketName: string;
  /** The project's data bucket (training data, code, model artifacts), with `modelBuild`. */
  public readonly dataBucket?: s3.IBucket;
  /** The role of the build's SageMaker jobs, with `modelBuild`. */
  public readonly jobRole?: iam.IRole;
  /** The model-build pipeline, with `modelBuild`. */
  public readonly buildPipeline?: ModelBuildPipeline;
  /** The push-to-run pipeline of the build code, with `buildRepository`. */
  public readonly buildSource?: ModelBuildSource;
  /** Model Monitor on the production endpoint, with `monitoring`. */
  public readonly monitor?: ModelMonitor;
  /** Retraining on drift, with `monitoring` and `modelBuild`. */
  public readonly driftRetraining?: DriftRetraining;
  /** The tooling network the project's handlers, build jobs and build run in, when the platform is private. */
  public readonly network?: IWorkloadNetwork;
  /** Model cards following approvals, unless `governance.modelCardStatus` is false. */
  public readonly modelCardStatus?: ModelCardStatusSync;
  /** The project's dashboard, unless `governance.dashboard` is false. */
  public readonly dashboard?: ProjectDashboard;
  /** The MLflow tracking server, with `governance.experiments`. */
  public readonly experiments?: MlflowTrackingServer;

  constructor(scope: Construct, id: string, props: MlopsProjectProps) {
    super(scope, id);
    PromotionNames.validateProjectName(`MlopsProject ${this.node.path}`, props.projectName);
    if (props.buildRepository && !props.modelBuild) {
      throw new Error(`MlopsProject ${this.node.path}: buildRepository needs modelBuild (the pipeline a push updates)`);
    }
    const m = props.monitoring;
    if (m && !props.modelBuild && !m.dataQuality && !m.modelQuality && !m.modelBias && !m.modelExplainability) {
      throw new Error(`MlopsProject ${this.node.path}: monitoring without modelBuild needs a monitor with its baseline (dataQuality, modelQuality, modelBias or modelExplainability)`);
    }
    const given = props.modelPackageGroup;
    if (given) {
      const env = given.env;
      const tooling = props.platform.tooling;
      if ((!Token.isUnresolved(env.account) && env.account !== tooling.account) || (!Token.isUnresolved(env.region) && env.region !== tooling.region)) {
        throw new Error(`MlopsProject ${this.node.path}: modelPackageGroup '${given.modelPackageGroupName}' is in ${env.account}/${env.region}, not in the tooling account and region ${tooling.account}/${tooling.region}; the promotion, its handlers and the build use the registry of the tooling account (import the group there, e.g. ModelPackageGroup.fromModelPackageGroupArn with an ARN of ${tooling.account} in ${tooling.region})`);
      }
    }
    const key = props.encryptionKey;
    if (key && !Token.isUnresolved(key.env.region) && key.env.region !== props.platform.tooling.region) {
      // A KMS key lives in one region; only multi-Region keys are used across regions, through a
      // replica in each region, with the same key id and its own ARN there (botocore kms
      // 2014-11-01, ReplicateKey: "a multi-Region replica key ... in a different Region";
      // interoperable "without ... making a cross-Region call").
      throw new Error(`MlopsProject ${this.node.path}: encryptionKey '${key.keyArn}' is a key of ${key.env.region}, not of the tooling region ${props.platform.tooling.region} `
        + 'where it encrypts the project\'s bucket, topic, queues and promotion artifacts: give a key of the tooling region (for a multi-Region key, its replica there)');
    }
    if (props.governance?.experiments && !props.modelBuild) {
      throw new Error(`MlopsProject ${this.node.path}: governance.experiments needs modelBuild (the tracking server keeps its artifacts in the project's data bucket, and the build's jobs log to it)`);
    }
    const platform = props.platform;
    const project = props.projectName;
    // Two projects of one name would collide at deploy time on buckets, roles, the registry and
    // endpoint names: refuse it here, naming both.
    platform._registerProject(project, this.node.path);
    if (platform.sandbox) Aspects.of(this).add(new SandboxRemoval());
    const prefix = platform.stackNamePrefix;
    const title = project.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
    this.projectName = project;
    this.platform = platform;
    this.additionalDeploymentStatements = props.additionalDeploymentStatements;
    this.title = title;
    this.stagingStackName = `mlops-${project}-staging`;
    this.dataBucketName = `mlops-${project}-data-${platform.tooling.account}`;
    this.productionStackName = `mlops-${project}-production`;

    this.toolingStack = new Stack(this, 'Tooling', {
      env: platform.tooling,
      stackName: `${prefix}-${title}-Tooling`,
      description: `SageMaker MLOps project ${project}: registry, build and promotion${props.description ? ` (${props.description})` : ''}`,
    });
    this.toolingStack.addStackDependency(platform.toolingStack);
    this.encryptionKey = props.encryptionKey ?? createEncryptionKey(this.toolingStack, 'Key', `Encrypts the artifacts, notifications and handler data of project ${project}`);

    // Private mode: the tooling network of the platform (handlers, build jobs, the source build);
    // the deployment templates resolve the network of where they land at deploy time.
    this.network = platform.networkFor(platform.tooling);
    const privateNetworks = platform.networking.isPrivate;

    const workloadAccounts = [...new Set([platform.staging.account, ...platform.production.map((p) => p.account)])];
    if (props.modelPackageGroup) {
      // A registry that exists: its policy is merged with the sharing, not replaced.
      this.modelPackageGroup = props.modelPackageGroup;
      const others = workloadAccounts.filter((a) => a !== platform.tooling.account);
      if (others.length > 0) {
        this.registrySharing = new ModelPackageGroupSharing(this.toolingStack, 'RegistrySharing', {
          modelPackageGroup: props.modelPackageGroup,
          accounts: others,
          encryptionKey: this.encryptionKey,
          network: this.network,
        });
      }
    } else {
      this.modelPackageGroup = new ModelPackageGroup(this.toolingStack, 'Registry', {
        modelPackageGroupName: project,
        description: props.description,
        sharedWithAccounts: workloadAccounts,
      });
    }

    // Static templates, deployed by the promotion pipeline: the stage's key, buckets and log group
    // are the hosting stacks' (deployed once with cdk deploy), found through SSM at deploy time.
    const templateStack = (templateId: string, stage: string, endpointName: string, options: ModelEndpointOptions | undefined, monitoring: boolean) => new ModelDeploymentStack(this.toolingStack, templateId, {
      synthesizer: ModelPromotionPipeline.templateSynthesizer(this.toolingStack),
      description: `SageMaker MLOps project ${project}: the ${stage} model endpoint, deployed by the promotion pipeline`,
      endpoint: { ...options, endpointName },
      hostedResources: { parameterPrefix: PromotionNames.hostingParameterPrefix(project, stage), monitoring },
      platformNetwork: privateNetworks,
    });
    const stagingEndpointName = props.stagingEndpoint?.endpointName ?? `${project}-staging`;
    const productionEndpointName = props.productionEndpoint?.endpointName ?? `${project}-production`;
    this.stagingDeployment = templateStack('StagingDeployment', STAGING, stagingEndpointName, props.stagingEndpoint, false);
    this.productionDeployment = templateStack('ProductionDeployment', PRODUCTION, productionEndpointName, props.productionEndpoint, props.monitoring !== undefined);
    // What the templates run (models, monitors) runs in the staging and production networks:
    // their endpoints are created there, not in the tooling network that synthesizes them.
    platform.networkFor(platform.staging)?.serve(this.stagingDeployment);
    for (const env of platform.production) platform.networkFor(env)?.serve(this.productionDeployment);

    const replicationBuckets = this.addReplicationBuckets();
    // The production monitor checks the traffic against the served package's own baselines,
    // unless given some: the promotion passes them to the production template.
    const packageBaselines = props.monitoring !== undefined && props.modelBuild !== undefined && props.monitoring.dataQuality?.baseline === undefined;
    if (packageBaselines) this.packageBaselineParameters();

    this.promotion = new ModelPromotionPipeline(this.toolingStack, 'Promotion', {
      replicationBuckets,
      projectName: project,
      modelPackageGroup: this.modelPackageGroup,
      encryptionKey: this.encryptionKey,
      reviewerEmails: props.reviewerEmails,
      notificationTopic: props.notificationTopic,
      staging: { account: platform.staging.account, region: platform.staging.region, stackName: this.stagingStackName, template: this.stagingDeployment },
      smokeTest: { ...props.smokeTest, endpointName: stagingEndpointName },
      productionWaves: platform.production.map((env, i) => ({
        name: `wave${i + 1}`,
        targets: [{ account: env.account, region: env.region, stackName: this.productionStackName, template: this.productionDeployment }],
      })),
      deployDataQualityBaselines: packageBaselines,
      network: this.network,
    });
    this.notificationTopic = this.promotion.notificationTopic;

    this.approvalTrigger = new ModelApprovalTrigger(this.toolingStack, 'ApprovalTrigger', {
      modelPackageGroup: this.modelPackageGroup,
      promotionPipeline: this.promotion.pipeline,
      alarmTopic: this.notificationTopic,
      encryptionKey: this.encryptionKey,
      network: this.network,
    });

    if (props.modelBuild) {
      const build = this.addModelBuild(props.modelBuild, workloadAccounts, props.governance?.experiments);
      this.experiments = build.experiments;
      this.dataBucket = build.dataBucket;
      this.jobRole = build.jobRole;
      this.buildPipeline = build.pipeline;
      if (props.buildRepository) {
        this.buildSource = new ModelBuildSource(this.toolingStack, 'BuildSource', {
          repository: props.buildRepository,
          pipeline: build.pipeline,
          pipelineRole: build.pipeline.role,
          encryptionKey: this.encryptionKey,
          network: this.network,
        });
      }
      this.sharedKeys = build.sharedKeys;
      // Endpoints in staging and production read the model artifacts from the tooling account.
      for (const deployment of [this.stagingDeployment, this.productionDeployment]) {
        grantArtifactRead(deployment.endpoint.role, build.dataBucketName, build.sharedKeys.modelArtifacts, 'ModelArtifacts', platform.tooling, PromotionNames.artifactKeyAlias(project));
      }
    }

    if (props.monitoring) {
      const monitoring = this.addMonitoring(props.monitoring);
      this.monitor = monitoring.monitor;
      this.driftRetraining = monitoring.retraining;
    }

    const targets = this.addDeployTargets(stagingEndpointName, productionEndpointName, props.monitoring !== undefined);
    this.stagingStack = targets.stagingStack;
    this.stagingTarget = targets.stagingTarget;
    this.productionStacks = targets.productionStacks;
    this.productionTargets = targets.productionTargets;
    this.stagingHosting = targets.stagingHosting;
    this.productionHostings = targets.productionHostings;

    const governance = props.governance ?? {};
    if (governance.modelCardStatus ?? true) {
      this.modelCardStatus = new ModelCardStatusSync(this.toolingStack, 'ModelCardStatus', {
        modelPackageGroup: this.modelPackageGroup,
        alarmTopic: this.notificationTopic,
        encryptionKey: this.encryptionKey,
        network: this.network,
      });
    }
    if (governance.dashboard ?? true) {
      this.dashboard = this.addDashboard(stagingEndpointName, productionEndpointName);
    }
  }

  /**
   * What a Studio team of this project may do (`StudioDomain.addTeam`'s `projects`): the data
   * bucket, by its name (so a Studio stack of the tooling account refers to it without a
   * cross-stack reference to a generated ARN), with the project key, the build pipeline and the
   * registry. Needs `modelBuild` (the data bucket).
   */
  public studioProjectAccess(scope: Construct): StudioProjectAccess {
    if (!this.dataBucket) {
      throw new Error(`MlopsProject ${this.node.path}: studioProjectAccess needs modelBuild (a team works on the project's data bucket)`);
    }
    const id = `${this.title}ProjectData`;
    const bucket = (scope.node.tryFindChild(id) as s3.IBucket | undefined) ?? s3.Bucket.fromBucketAttributes(scope, id, {
      bucketName: this.dataBucketName,
      encryptionKey: this.encryptionKey,
    });
    return { dataBucket: bucket, buildPipeline: this.buildPipeline, modelPackageGroup: this.modelPackageGroup };
  }

  private addDashboard(stagingEndpointName: string, productionEndpointName: string): ProjectDashboard {
    const platform = this.platform;
    const handlers: DashboardHandler[] = [
      { title: 'Approval to promotion', function: this.approvalTrigger.handler, deadLetterQueue: this.approvalTrigger.deadLetterQueue },
      { title: 'Resolve the model package', function: this.promotion.resolveFunction },
      { title: 'Staging smoke test', function: this.promotion.smokeTestFunction },
      ...(this.promotion.lineageRecorder ? [{ title: 'Lineage of deployments', function: this.promotion.lineageRecorder.function, deadLetterQueue: this.promotion.lineageRecorder.deadLetterQueue }] : []),
      ...(this.driftRetraining ? [{ title: 'Drift to retraining', function: this.driftRetraining.handlerFunction, deadLetterQueue: this.driftRetraining.deadLetterQueue }] : []),
      ...(this.modelCardStatus ? [{ title: 'Model card status', function: this.modelCardStatus.handler, deadLetterQueue: this.modelCardStatus.deadLetterQueue }] : []),
    ];
    return new ProjectDashboard(this.toolingStack, 'Dashboard', {
      projectName: this.projectName,
      buildPipeline: this.buildPipeline,
      endpoints: [
        { stage: STAGING, endpointName: stagingEndpointName, account: platform.staging.account, region: platform.staging.region },
        ...platform.production.map((env, i) => ({
          stage: platform.production.length > 1 ? `${PRODUCTION} ${i + 1}` : PRODUCTION,
          endpointName: productionEndpointName,
          account: env.account,
          region: env.region,
          monitoringScheduleNames: this.monitor?.monitoringScheduleNames,
        })),
      ],
      handlers,
      alarms: [this.approvalTrigger.deadLetterAlarm],
    });
  }

  /**
   * CodePipeline deploys into another region from an artifact bucket of the tooling account in
   * that region: one small stack per extra region, its key under the promotion alias.
   */
  private addReplicationBuckets(): { [region: string]: s3.IBucket } {
    const platform = this.platform;
    const project = this.projectName;
    const buckets: { [region: string]: s3.IBucket } = {};
    for (const region of new Set([platform.staging.region, ...platform.production.map((p) => p.region)])) {
      if (region === platform.tooling.region) continue;
      const replication = new Stack(this, `Replication-${region}`, {
        env: { account: platform.tooling.account, region },
        stackName: `${platform.stackNamePrefix}-${this.title}-Artifacts-${region}`,
        description: `SageMaker MLOps project ${project}: promotion artifacts for deployments in ${region}`,
      });
      this.toolingStack.addStackDependency(replication);
      const key = createEncryptionKey(replication, 'Key', `Encrypts the ${project} promotion artifacts copied to ${region}`);
      key.addAlias(PromotionNames.artifactKeyAlias(project));
      buckets[region] = createSecureBucket(replication, 'Artifacts', {
        encryptionKey: key,
        bucketName: PromotionNames.replicationBucketName(project, platform.tooling.account, region),
      });
    }
    return buckets;
  }

  /**
   * One stack per account and region that hosts a stage: the roles the promotion uses there (IAM
   * names carry the region, so two regions of one account stay apart) and each stage's hosting
   * resources. In a single-account setup staging and production share it.
   */
  private addDeployTargets(stagingEndpointName: string, productionEndpointName: string, monitoring: boolean) {
    const platform = this.platform;
    const project = this.projectName;
    const where = (env: { account: string; region: string }) => `${env.account}/${env.region}`;
    const hostStack = (stack: Stack, env: { account: string; region: string }) => {
      const stagingHere = where(env) === where(platform.staging);
      const productionHere = platform.production.some((p) => where(p) === where(env));
      const deployments = [
        ...(stagingHere ? [{ template: this.stagingDeployment as Stack, stackName: this.stagingStackName }] : []),
        ...(productionHere ? [{ template: this.productionDeployment as Stack, stackName: this.productionStackName }] : []),
      ];
      const target = new PromotionDeployTarget(stack, 'DeployTarget', nameStatementsProp({
        projectName: project,
        toolingAccount: platform.tooling.account,
        toolingRegion: platform.tooling.region,
        deployments,
        smokeTestEndpointName: stagingHere ? stagingEndpointName : undefined,
        additionalExecutionStatements: this.additionalDeploymentStatements,
      }, 'MlopsProject additionalDeploymentStatements'));
      const stagingHosting = stagingHere ? new EndpointHosting(stack, 'StagingHosting', {
        parameterPrefix: PromotionNames.hostingParameterPrefix(project, STAGING),
        endpointName: stagingEndpointName,
      }) : undefined;
      const productionHosting = productionHere ? new EndpointHosting(stack, 'ProductionHosting', {
        parameterPrefix: PromotionNames.hostingParameterPrefix(project, PRODUCTION),
        endpointName: productionEndpointName,
        monitoring,
      }) : undefined;
      return { target, stagingHosting, productionHosting };
    };

    const stagingStack = this.workloadStack('Staging', platform.staging, 'staging');
    const staging = hostStack(stagingStack, platform.staging);
    const productionStacks: Stack[] = [];
    const productionTargets: PromotionDeployTarget[] = [];
    const productionHostings: EndpointHosting[] = staging.productionHosting ? [staging.productionHosting] : [];
    const seen = new Set([where(platform.staging)]);
    platform.production.forEach((env, i) => {
      if (seen.has(where(env))) return;
      seen.add(where(env));
      const stack = this.workloadStack(`Production${i + 1}`, env, `production account ${i + 1} (${env.region})`);
      const hosted = hostStack(stack, env);
      productionStacks.push(stack);
      productionTargets.push(hosted.target);
      productionHostings.push(hosted.productionHosting!);
    });
    return { stagingStack, stagingTarget: staging.target, productionStacks, productionTargets, stagingHosting: staging.stagingHosting!, productionHostings };
  }

  private addMonitoring(options: ProjectMonitoringOptions) {
    const deployment = this.productionDeployment;
    const dataBucketName = this.dataBucket ? this.dataBucketName : undefined;
    let dataQuality = options.dataQuality;
    if (dataQuality?.baseline === undefined && dataBucketName) {
      // Options without a baseline (a schedule, thresholds) keep the package's baselines.
      const parameters = this.packageBaselineParameters();
      dataQuality = {
        ...options.dataQuality,
        baseline: MonitoringBaseline.fromS3({ constraintsS3Uri: parameters.constraints, statisticsS3Uri: parameters.statistics }),
      };
    }
    // No eventBus: the platform forwards this account's monitoring events to the tooling bus
    // once; a rule of the monitor's own would deliver each violation a second time.
    const monitor = new ModelMonitor(deployment, 'Monitor', {
      target: MonitoringTarget.fromModelEndpoint(deployment.endpoint),
      outputBucket: deployment.hostedReportsBucket,
      encryptionKey: deployment.encryptionKey,
      alarmTopic: deployment.hostedAlarmTopic,
      dataQuality,
      modelQuality: options.modelQuality,
      modelBias: options.modelBias,
      modelExplainability: options.modelExplainability,
      network: deployment.network,
    });
    if (dataBucketName) {
      // The monitor runs in production and reads its baselines from the tooling data bucket.
      grantArtifactRead(monitor.role, dataBucketName, this.sharedKeys!.baselines, 'Baselines', this.platform.tooling, PromotionNames.artifactKeyAlias(this.projectName));
    }
    const retraining = this.buildPipeline ? new DriftRetraining(this.toolingStack, 'DriftRetraining', {
      pipeline: this.buildPipeline,
      monitors: [monitor],
      eventBus: this.platform.eventBus.eventBus,
      // Drift counts only from where production runs: a staging schedule of the same name retrains nothing.
      monitoredEnvironments: this.platform.production.map((env) => ({ account: env.account, region: env.region })),
      topic: this.notificationTopic,
      encryptionKey: this.encryptionKey,
      cooldown: options.retrainingCooldown,
      network: this.network,
    }) : undefined;
    return { monitor, retraining };
  }

  /**
   * The production template's parameters receiving the served package's data-quality baselines:
   * its DriftCheckBaselines, which the build registers (ClassicModelBuild's data-quality check
   * step) and the promotion's resolve action reads from the package.
   */
  private packageBaselineParameters(): { constraints: string; statistics: string } {
    const deployment = this.productionDeployment;
    const uri = (id: string, description: string) => ((deployment.node.tryFindChild(id) as CfnParameter | undefined) ?? new CfnParameter(deployment, id, {
      type: 'String',
      allowedPattern: '^s3://.+',
      description,
      constraintDescription: 'an s3:// URI: the approved model package has no data-quality drift-check baseline; register one in the build (a QualityCheckStep whose baselines RegisterModel records)',
    })).valueAsString;
    return {
      constraints: uri(DATA_QUALITY_CONSTRAINTS_PARAMETER, 'The data-quality constraints of the model package served (its DriftCheckBaselines)'),
      statistics: uri(DATA_QUALITY_STATISTICS_PARAMETER, 'The data-quality statistics of the model package served (its DriftCheckBaselines)'),
    };
  }

  private workloadStack(id: string, env: { account: string; region: string }, what: string): Stack {
    const stack = new Stack(this, id, {
      env,
      stackName: `${this.platform.stackNamePrefix}-${this.title}-${id}`,
      description: `SageMaker MLOps project ${this.projectName}: the promotion's roles and the endpoints' hosting resources in ${what}`,
    });
    // Deployed before the tooling stack: its promotion pipeline may run as soon as it exists, and
    // then needs the deploy roles and the hosting resources here. Nothing here needs the tooling
    // stack (its roles are trusted through the tooling account with an aws:PrincipalArn condition).
    this.toolingStack.addStackDependency(stack);
    // The platform's stack there comes first: its network publishes the ids the templates resolve.
    const platformStack = this.platform.stackFor(env);
    if (platformStack) stack.addStackDependency(platformStack);
    return stack;
  }

  private addModelBuild(modelBuild: ProjectModelBuild, workloadAccounts: string[], experimentsOptions?: ProjectExperimentsOptions) {
    const stack = this.toolingStack;
    const project = this.projectName;
    const dataBucketName = this.dataBucketName;
    const dataBucket = createSecureBucket(stack, 'Data', {
      encryptionKey: this.encryptionKey,
      bucketName: dataBucketName,
    });
    const jobRole = new SageMakerJobRole(stack, 'JobRole', {
      buckets: [dataBucket],
      encryptionKeys: [this.encryptionKey],
      description: `SageMaker processing and training jobs of project ${project}`,
      network: this.network,
    }).role;

    const experiments = experimentsOptions ? new MlflowTrackingServer(stack, 'Experiments', {
      artifactBucket: dataBucket,
      artifactEncryptionKey: this.encryptionKey,
      trackingServerName: experimentsOptions.trackingServerName ?? `mlops-${project}`,
      size: experimentsOptions.size,
    }) : undefined;
    if (experiments) {
      experiments.grantLog(jobRole);
      // The jobs run in the tooling network: they reach the server through its interface endpoint.
      if (this.network) ServiceUsage.declare(experiments, [ServiceEndpoint.SAGEMAKER_MLFLOW], `the build jobs of project ${project} log to the MLflow tracking server`);
    }

    const { definition, inputPrefix = '', modelArtifactKeyPatterns, baselineKeyPatterns } = modelBuild.bind(new Construct(stack, 'ModelBuildDefinition'), {
      jobRole, dataBucketName, modelPackageGroupName: this.modelPackageGroup.modelPackageGroupName, outputPrefix: MODEL_OUTPUT_PREFIX.replace(/\/$/, ''),
      network: this.network,
      environment: experiments?.trackingEnvironment,
    });
    const pipeline = new ModelBuildPipeline(stack, 'ModelBuild', {
      pipelineName: `${project}-build`,
      description: `Model build of project ${project}`,
      definition,
      modelPackageGroup: this.modelPackageGroup,
      jobRoles: [jobRole],
      dataBuckets: [dataBucket],
      jobEncryptionKeys: [this.encryptionKey],
    });
    if (inputPrefix !== '') {
      pipeline.onNewData('NewTrainingData', { bucket: dataBucket, prefix: inputPrefix, description: `New training data for ${project}` });
    }

    // Staging and production endpoints read the trained model from the tooling account, and
    // production monitors the baselines: the bucket and its key admit exactly the roles of the
    // deployment stacks (their IAM path is the stack's name), and only those objects.
    const everything = [`${MODEL_OUTPUT_PREFIX}*`];
    const sharedKeys = { modelArtifacts: modelArtifactKeyPatterns ?? everything, baselines: baselineKeyPatterns ?? everything };
    const roleOf = (stackName: string, account: string) => `arn:${stack.partition}:iam::${account}:role/${stackName}/*`;
    for (const account of workloadAccounts) {
      const stagingHere = account === this.platform.staging.account;
      const productionHere = this.platform.production.some((p) => p.account === account);
      const roles = [
        ...(stagingHere ? [roleOf(this.stagingStackName, account)] : []),
        ...(productionHere ? [roleOf(this.productionStackName, account)] : []),
      ];
      const deploymentRoles = roles.length === 1 ? roles[0] : roles;
      dataBucket.addToResourcePolicy(new iam.PolicyStatement({
        sid: `ModelArtifactsFor${account}`,
        principals: [new iam.AccountPrincipal(account)],
        actions: ['s3:GetObject'],
        resources: sharedKeys.modelArtifacts.map((k) => dataBucket.arnForObjects(k)),
        conditions: { ArnLike: { 'aws:PrincipalArn': deploymentRoles } },
      }));
      if (productionHere) {
        dataBucket.addToResourcePolicy(new iam.PolicyStatement({
          sid: `BaselinesFor${account}`,
          principals: [new iam.AccountPrincipal(account)],
          actions: ['s3:GetObject'],
          resources: sharedKeys.baselines.map((k) => dataBucket.arnForObjects(k)),
          conditions: { ArnLike: { 'aws:PrincipalArn': roleOf(this.productionStackName, account) } },
        }));
      }
      this.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
        sid: `DecryptModelArtifactsFor${account}`,
        principals: [new iam.AccountPrincipal(account)],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'aws:PrincipalArn': deploymentRoles },
          StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` },
        },
      }));
    }
    return { dataBucket, dataBucketName, jobRole, pipeline, experiments, sharedKeys };
  }
}

/** Where the model build writes its outputs in the data bucket: model artifacts, reports. */
const MODEL_OUTPUT_PREFIX = 'model-build/';


/** The stage names of a project's deployments. */
const STAGING = 'staging';
const PRODUCTION = 'production';



/**
 * The identity side of a cross-account read of model artifacts: the endpoint's role (in the
 * staging or production account) may read the build outputs of the tooling account's data
 * bucket, and decrypt with the project key (found by its alias, as its id is generated).
 */
function grantArtifactRead(role: iam.IRole, bucketName: string, keyPatterns: string[], what: 'ModelArtifacts' | 'Baselines', tooling: { account: string; region: string }, keyAlias: string): void {
  const stack = Stack.of(role);
  const objects = keyPatterns.map((k) => `arn:${stack.partition}:s3:::${bucketName}/${k}`);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: `Read${what}FromTooling`,
    actions: ['s3:GetObject'],
    resources: objects,
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: `Decrypt${what}FromTooling`,
    actions: ['kms:Decrypt'],
    resources: [`arn:${stack.partition}:kms:${tooling.region}:${tooling.account}:key/*`],
    conditions: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': keyAlias } },
  }));
  waive(role, {
    rules: [...objects, `arn:${stack.partition}:kms:${tooling.region}:${tooling.account}:key/*`]
      .map((r) => `AwsSolutions-IAM5[Resource::${nagResourceName(stack, r)}]`),
    reason: 'model artifacts and baselines are written under execution ids and generated job names below the build prefix of the tooling data bucket; the tooling key id is generated in another account and the alias condition names it',
  });
}
