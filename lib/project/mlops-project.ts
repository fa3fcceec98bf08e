import { Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ModelDeploymentStack } from '../deployment/model-deployment-stack';
import { ModelEndpointOptions } from '../deployment/model-endpoint';
import { createEncryptionKey } from '../private/encryption-key';
import { ModelPromotionPipeline } from '../promotion/model-promotion-pipeline';
import { PromotionDeployTarget } from '../promotion/promotion-deploy-target';
import { PromotionNames } from '../promotion/promotion-names';
import { ModelApprovalTrigger } from '../registry/model-approval-trigger';
import { ModelPackageGroup } from '../registry/model-package-group';
import { MlopsPlatform } from './mlops-platform';

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
   * People who approve production deployments and receive the project's alarms.
   *
   * @default - nobody is subscribed; subscribe to `notificationTopic`
   */
  readonly reviewerEmails?: string[];
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
  /** The project's stack in the staging account. */
  public readonly stagingStack: Stack;
  /** The project's stacks in the production accounts. */
  public readonly productionStacks: Stack[];
  /** The project's key in the tooling account. */
  public readonly encryptionKey: kms.IKey;
  /** The registry. */
  public readonly modelPackageGroup: ModelPackageGroup;
  /** The template deployed to staging (synthesized once, deployed by the promotion pipeline). */
  public readonly stagingDeployment: ModelDeploymentStack;
  /** The template deployed to production. */
  public readonly productionDeployment: ModelDeploymentStack;
  /** The promotion pipeline. */
  public readonly promotion: ModelPromotionPipeline;
  /** The approval handler wiring. */
  public readonly approvalTrigger: ModelApprovalTrigger;
  /** The staging account's deploy target. */
  public readonly stagingTarget: PromotionDeployTarget;
  /** The production accounts' deploy targets. */
  public readonly productionTargets: PromotionDeployTarget[];
  /** Notifications of the project: approvals waiting, promotions failed, handler alarms. */
  public readonly notificationTopic: sns.ITopic;
  /** The name of the CloudFormation stack that serves the model in staging and production. */
  public readonly deploymentStackName: string;

  constructor(scope: Construct, id: string, props: MlopsProjectProps) {
    super(scope, id);
    PromotionNames.validateProjectName(`MlopsProject ${this.node.path}`, props.projectName);
    const platform = props.platform;
    const project = props.projectName;
    const prefix = platform.stackNamePrefix;
    const title = project.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
    this.projectName = project;
    this.deploymentStackName = `mlops-${project}`;

    this.toolingStack = new Stack(this, 'Tooling', {
      env: platform.tooling,
      stackName: `${prefix}-${title}-Tooling`,
      description: `SageMaker MLOps project ${project}: registry, build and promotion${props.description ? ` (${props.description})` : ''}`,
    });
    this.toolingStack.addStackDependency(platform.toolingStack);
    this.encryptionKey = createEncryptionKey(this.toolingStack, 'Key', `Encrypts the artifacts, notifications and handler data of project ${project}`);

    const workloadAccounts = [...new Set([platform.staging.account, ...platform.production.map((p) => p.account)])];
    this.modelPackageGroup = new ModelPackageGroup(this.toolingStack, 'Registry', {
      modelPackageGroupName: project,
      description: props.description,
      sharedWithAccounts: workloadAccounts,
    });

    const templateStack = (templateId: string, endpointName: string, options?: ModelEndpointOptions) => new ModelDeploymentStack(this.toolingStack, templateId, {
      synthesizer: ModelPromotionPipeline.templateSynthesizer(this.toolingStack),
      description: `SageMaker MLOps project ${project}: the model endpoint, deployed by the promotion pipeline`,
      endpoint: { ...options, endpointName: options?.endpointName ?? endpointName },
    });
    const stagingEndpointName = props.stagingEndpoint?.endpointName ?? `${project}-staging`;
    this.stagingDeployment = templateStack('StagingDeployment', stagingEndpointName, props.stagingEndpoint);
    this.productionDeployment = templateStack('ProductionDeployment', `${project}-production`, props.productionEndpoint);

    this.promotion = new ModelPromotionPipeline(this.toolingStack, 'Promotion', {
      projectName: project,
      modelPackageGroup: this.modelPackageGroup,
      encryptionKey: this.encryptionKey,
      reviewerEmails: props.reviewerEmails,
      staging: { account: platform.staging.account, region: platform.staging.region, stackName: this.deploymentStackName, template: this.stagingDeployment },
      smokeTest: { ...props.smokeTest, endpointName: stagingEndpointName },
      productionWaves: platform.production.map((env, i) => ({
        name: `wave${i + 1}`,
        targets: [{ account: env.account, region: env.region, stackName: this.deploymentStackName, template: this.productionDeployment }],
      })),
    });
    this.notificationTopic = this.promotion.notificationTopic;

    this.approvalTrigger = new ModelApprovalTrigger(this.toolingStack, 'ApprovalTrigger', {
      modelPackageGroup: this.modelPackageGroup,
      promotionPipeline: this.promotion.pipeline,
      alarmTopic: this.notificationTopic,
      encryptionKey: this.encryptionKey,
    });

    this.stagingStack = new Stack(this, 'Staging', {
      env: platform.staging,
      stackName: `${prefix}-${title}-Staging`,
      description: `SageMaker MLOps project ${project}: the roles the promotion pipeline uses in staging`,
    });
    this.stagingStack.addStackDependency(this.toolingStack);
    this.stagingTarget = new PromotionDeployTarget(this.stagingStack, 'DeployTarget', {
      projectName: project,
      toolingAccount: platform.tooling.account,
      toolingRegion: platform.tooling.region,
      template: this.stagingDeployment,
      stackNames: [this.deploymentStackName],
      smokeTestEndpointName: stagingEndpointName,
    });

    this.productionStacks = [];
    this.productionTargets = [];
    platform.production.forEach((env, i) => {
      const stack = new Stack(this, `Production${i + 1}`, {
        env,
        stackName: `${prefix}-${title}-Production${i + 1}`,
        description: `SageMaker MLOps project ${project}: the roles the promotion pipeline uses in production account ${i + 1}`,
      });
      stack.addStackDependency(this.toolingStack);
      this.productionStacks.push(stack);
      this.productionTargets.push(new PromotionDeployTarget(stack, 'DeployTarget', {
        projectName: project,
        toolingAccount: platform.tooling.account,
        toolingRegion: platform.tooling.region,
        template: this.productionDeployment,
        stackNames: [this.deploymentStackName],
      }));
    });
  }
}
