import { Aspects, CfnCapabilities, CfnParameter, CfnResource, Duration, Fn, Lazy, Names, Stack, Token } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as cpactions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as notifications from 'aws-cdk-lib/aws-codestarnotifications';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { ModelDeploymentStack } from '../deployment/model-deployment-stack';
import { PromotionLineageRecorder } from '../governance/promotion-lineage-recorder';
import { IModelPackageGroup } from '../registry/model-package-group';
import { acknowledgeSourceCondition, CODEPIPELINE_TRUST_REASON, nagResourceName, waive } from '../private/compliance';
import { createEncryptionKey } from '../private/encryption-key';
import { EventHandlerFunction } from '../private/event-handler';
import { ManagedPolicyRole } from '../private/managed-policy-role';
import { createSecureBucket } from '../private/secure-bucket';
import { CrossAccountRoleReference } from './cross-account-role';
import { DeploymentTemplateNaming, isSet, MAX_DEPLOYMENT_STACK_NAME } from './deployment-template-names';
import { DeploymentTemplateSynthesizer } from './deployment-template-synthesizer';
import { PromotionNames } from './promotion-names';
import { IWorkloadNetwork } from '../network/workload-network';

/** The pipeline variable that carries the model package ARN. */
export const MODEL_PACKAGE_ARN_VARIABLE = 'ModelPackageArn';

/** The variable's default: redeploy the last approved model package. */
export const LATEST_APPROVED = 'LATEST_APPROVED';

/** The CloudFormation parameter of the deployment template that receives the ARN. */
export const MODEL_PACKAGE_ARN_PARAMETER = 'ModelPackageArn';

/**
 * The production templates' parameters (and the resolve action's output variables) that carry the
 * served package's data-quality drift-check baselines, with `deployDataQualityBaselines`.
 */
export const DATA_QUALITY_CONSTRAINTS_PARAMETER = 'DataQualityConstraintsS3Uri';
export const DATA_QUALITY_STATISTICS_PARAMETER = 'DataQualityStatisticsS3Uri';

/**
 * One place a model is deployed to: an account and region, and the CloudFormation stack there.
 */
export interface PromotionTarget {
  /**
   * The account to deploy into. It must have a `PromotionDeployTarget` for this project.
   */
  readonly account: string;

  /**
   * The region to deploy into.
   *
   * @default - the pipeline's region
   */
  readonly region?: string;

  /**
   * The name of the CloudFormation stack in the target account (at most 55 characters: the
   * template's resources are named after it).
   */
  readonly stackName: string;

  /**
   * The stack whose template is deployed (for example a `ModelDeploymentStack`). It must be
   * defined inside the pipeline's stack with `ModelPromotionPipeline.templateSynthesizer()`,
   * and have a `ModelPackageArn` parameter.
   */
  readonly template: Stack;

  /**
   * Other parameters of the template.
   *
   * @default - none
   */
  readonly parameterOverrides?: { [name: string]: string };
}

/**
 * A wave of production targets, deployed in parallel. A failure in a wave stops the waves after it.
 */
export interface ProductionWave {
  /**
   * Name of the wave, used in the stage name (`Production-<name>`).
   */
  readonly name: string;

  /**
   * The targets of the wave.
   */
  readonly targets: PromotionTarget[];
}

/**
 * The staging smoke test: a sample request and what its answer must look like.
 */
export interface SmokeTest {
  /**
   * The name of the endpoint the staging deployment creates.
   */
  readonly endpointName: string;

  /**
   * The sample request body, sent as is. At most 4 KB (it is kept in an SSM parameter).
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
 * Properties of a `ModelPromotionPipeline`.
 */
export interface ModelPromotionPipelineProps {
  /**
   * The project, used in the names of the roles shared with the target accounts:
   * 1-32 characters of a-z, 0-9 and '-'.
   */
  readonly projectName: string;

  /**
   * The registry whose approved packages this pipeline promotes.
   */
  readonly modelPackageGroup: IModelPackageGroup;

  /**
   * The staging deployment, tested before anything reaches production.
   */
  readonly staging: PromotionTarget;

  /**
   * How the staging endpoint is tested.
   */
  readonly smokeTest: SmokeTest;

  /**
   * Production, in waves.
   */
  readonly productionWaves: ProductionWave[];

  /**
   * Email addresses of the reviewers who approve production deployments.
   *
   * @default - no subscription; subscribe to `approvalTopic` yourself
   */
  readonly reviewerEmails?: string[];

  /**
   * Topic for "approval waiting" and "promotion failed" notifications.
   *
   * @default - a new KMS-encrypted topic
   */
  readonly notificationTopic?: sns.ITopic;

  /**
   * Key for the artifact bucket, the topic and the handlers' logs and dead letters. A key created
   * in this stack gets the alias `alias/mlops-<project>-promotion-artifacts`, which the target
   * accounts' deploy roles are limited to; give an imported key that alias yourself.
   *
   * @default - a new KMS key with rotation (USD 1 a month)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The SSM parameter where the approval handler records the last approved package.
   *
   * @default - `/sagemaker-mlops/<group name>/approved-model-package`
   */
  readonly approvedModelParameterName?: string;

  /**
   * Artifact buckets in the other regions the pipeline deploys to, in the tooling account
   * (CodePipeline copies artifacts there). Encrypt each with a key aliased
   * `alias/mlops-<project>-promotion-artifacts` in its region, the alias the deploy roles are
   * limited to. `MlopsProject` creates them.
   *
   * @default - none: every target must be in the pipeline's region
   */
  readonly replicationBuckets?: { [region: string]: s3.IBucket };

  /**
   * How long a production approval may wait.
   *
   * @default Duration.days(7)
   */
  readonly approvalTimeout?: Duration;

  /**
   * Deploy the approved package's own data-quality baselines with it: the resolve action reads its
   * `DriftCheckBaselines.ModelDataQuality` (constraints and statistics, registered by the build)
   * and every production deployment passes them as the template parameters
   * `DataQualityConstraintsS3Uri` and `DataQualityStatisticsS3Uri`, for a production monitor that
   * checks the traffic against what the served model was trained on. A package without them is
   * not promoted: the resolve action fails saying so.
   *
   * @default false
   */
  readonly deployDataQualityBaselines?: boolean;

  /**
   * Record every deployment in SageMaker lineage in this account: an action per deployment from
   * the model package to the endpoint it now serves, with the execution, the time and who approved
   * it (`PromotionLineageRecorder`). A failed record never undoes a deployment: it is retried,
   * alarmed, and kept in a dead-letter queue.
   *
   * @default true - a Lambda function invoked once per deployment, and its alarms
   */
  readonly recordLineage?: boolean;

  /**
   * The network the promotion's handlers (resolve, smoke test, lineage) run in: the platform's
   * `PlatformNetwork` of the tooling account and region. The smoke test stays out of it when the
   * staging endpoint is in another region: VPC endpoints serve their own region only ("VPC
   * endpoints currently do not support cross-Region requests", CodeBuild User Guide, VPC best
   * practices; AWS PrivateLink endpoints are regional).
   *
   * @default - the handlers run outside any VPC
   */
  readonly network?: IWorkloadNetwork;
}

/**
 * Promotes an approved model package from the tooling account to staging, tests it, waits for a
 * person's approval and deploys it to production in waves: a CodePipeline V2 whose
 * `ModelPackageArn` variable is the unit of promotion.
 *
 * Every deployment uses a template synthesized once, with the platform (see
 * `DeploymentTemplateSynthesizer`), with the ARN as a parameter: nothing is synthesized per
 * model. An execution started without the variable redeploys the last approved package; one
 * that names a package no longer approved, or of another group, fails before deploying.
 */
export class ModelPromotionPipeline extends Construct {
  /**
   * A synthesizer for a deployment template defined inside `scope`'s stack.
   */
  public static templateSynthesizer(scope: Construct): DeploymentTemplateSynthesizer {
    return new DeploymentTemplateSynthesizer(Stack.of(scope));
  }

  /** The CodePipeline (V2). */
  public readonly pipeline: codepipeline.Pipeline;
  /** The pipeline's role, which assumes the deploy roles in the target accounts. */
  public readonly role: iam.Role;
  /** The artifact bucket. */
  public readonly artifactBucket: s3.IBucket;
  /** The key of the artifact bucket, shared with the target accounts' deploy roles. */
  public readonly encryptionKey: kms.IKey;
  /** Notifications: an approval is waiting, or a promotion failed. */
  public readonly notificationTopic: sns.ITopic;
  /** Decides which package an execution deploys. */
  public readonly resolveFunction: lambda.IFunction;
  /** Tests the staging endpoint (its role, `mlops-<project>-smoke-caller`, is trusted by staging). */
  public readonly smokeTestFunction: lambda.IFunction;
  /** The sample request of the smoke test. */
  public readonly smokeTestPayload: ssm.StringParameter;
  /** The accounts the pipeline deploys into. */
  public readonly targetAccounts: string[];
  /** Records every deployment in SageMaker lineage, unless `recordLineage` is false. */
  public readonly lineageRecorder?: PromotionLineageRecorder;

  constructor(scope: Construct, id: string, props: ModelPromotionPipelineProps) {
    super(scope, id);
    const owner = `ModelPromotionPipeline ${this.node.path}`;
    PromotionNames.validateProjectName(owner, props.projectName);
    validateTargets(owner, props, Stack.of(this).region);

    const stack = Stack.of(this);
    const project = props.projectName;
    this.encryptionKey = props.encryptionKey ?? createEncryptionKey(this, 'Key', `Encrypts the promotion artifacts and notifications of ${project}`);
    // The target accounts' deploy roles may decrypt artifacts with the key of this alias only.
    if (this.encryptionKey instanceof kms.Key) {
      this.encryptionKey.addAlias(PromotionNames.artifactKeyAlias(project));
    }
    this.artifactBucket = createSecureBucket(this, 'Artifacts', {
      // A known name, so the target accounts' deploy roles can name it (their policies cannot
      // reference a resource of another account).
      bucketName: Token.isUnresolved(stack.account) ? undefined : PromotionNames.artifactBucketName(project, stack.account),
      encryptionKey: this.encryptionKey,
      lifecycleRules: [{ expiration: Duration.days(90), noncurrentVersionExpiration: Duration.days(30) }],
    });

    this.notificationTopic = props.notificationTopic ?? new sns.Topic(this, 'Notifications', {
      displayName: `Model promotion of ${project}`,
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
    for (const email of props.reviewerEmails ?? []) {
      if (this.notificationTopic instanceof sns.Topic) {
        this.notificationTopic.addSubscription(new subscriptions.EmailSubscription(email));
      }
    }
    // Pipeline notifications and the handlers' alarms publish to the encrypted topic.
    // CodeStar Notifications publishes to the encrypted topic through SNS: the key policy the
    // Developer Tools console guide gives it is limited by kms:ViaService to SNS (dtconsole
    // set-up-sns); no source key is documented for it there.
    this.encryptionKey.grant(new iam.ServicePrincipal('codestar-notifications.amazonaws.com', {
      conditions: { StringEquals: { 'kms:ViaService': `sns.${stack.region}.amazonaws.com` } },
    }), 'kms:GenerateDataKey*', 'kms:Decrypt');
    const keyResource = this.encryptionKey.node.defaultChild;
    if (keyResource) {
      acknowledgeSourceCondition(this.encryptionKey, 'codestar-notifications.amazonaws.com',
        'the Developer Tools console guide (set-up-sns) scopes CodeStar Notifications on a topic key with kms:ViaService for SNS only and documents no aws:SourceAccount or aws:SourceArn there');
    }
    // "Add the aws:SourceAccount and aws:SourceArn condition keys to the KMS resource policy"
    // (Amazon SNS Developer Guide, sns-key-management, CloudWatch among the services listed).
    this.encryptionKey.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }), 'kms:GenerateDataKey*', 'kms:Decrypt');

    this.role = new ManagedPolicyRole(this, 'Role', {
      roleName: PromotionNames.pipelineRoleName(project),
      assumedBy: new iam.ServicePrincipal('codepipeline.amazonaws.com'),
      description: `Runs the model promotion pipeline of ${project}`,
    });
    acknowledgeSourceCondition(this.role, 'codepipeline.amazonaws.com', CODEPIPELINE_TRUST_REASON);

    const groupName = props.modelPackageGroup.modelPackageGroupName;
    const parameterName = props.approvedModelParameterName ?? PromotionNames.approvedModelParameterName(groupName);

    const resolveHandler = new EventHandlerFunction(this, 'Resolve', {
      handler: 'resolve-model-package',
      description: `Chooses the approved model package a promotion of ${project} deploys`,
      environment: { MODEL_PACKAGE_GROUP_NAME: groupName, APPROVED_MODEL_PARAMETER_NAME: parameterName },
      encryptionKey: this.encryptionKey,
      alarmTopic: this.notificationTopic,
      network: props.network,
    });
    props.modelPackageGroup.grantRead(resolveHandler.role);
    resolveHandler.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ssm:GetParameter'],
      resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: parameterName.replace(/^\//, '') })],
    }));

    this.smokeTestPayload = new ssm.StringParameter(this, 'SmokeTestPayload', {
      description: `Sample request of the ${project} staging smoke test`,
      stringValue: props.smokeTest.payload,
    });
    const stagingRegionOfTarget = props.staging.region ?? stack.region;
    const smokeTestInVpc = props.network !== undefined && !Token.isUnresolved(stagingRegionOfTarget) && !Token.isUnresolved(stack.region) && stagingRegionOfTarget === stack.region;
    const smokeTestHandler = new EventHandlerFunction(this, 'SmokeTest', {
      handler: 'endpoint-smoke-test',
      description: `Invokes the staging endpoint of ${project} with a sample request`,
      environment: {},
      encryptionKey: this.encryptionKey,
      alarmTopic: this.notificationTopic,
      roleName: PromotionNames.smokeTestCallerRoleName(project),
      timeout: Duration.minutes(2),
      network: smokeTestInVpc ? props.network : undefined,
      outsideVpcReason: props.network && !smokeTestInVpc
        ? `the smoke test invokes the staging endpoint in ${stagingRegionOfTarget}, and the VPC endpoints of the tooling region (${stack.region}) serve their own region only`
        : undefined,
    });
    // GetParameter on the one parameter: aws-cdk-lib's grantRead adds ssm:DescribeParameters on
    // its ARN, an action that supports no resource-level permissions and so never applies there.
    smokeTestHandler.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadTheSamplePayload',
      actions: ['ssm:GetParameter'],
      resources: [this.smokeTestPayload.parameterArn],
    }));
    const stagingAccount = props.staging.account;
    const stagingRegion = props.staging.region ?? stack.region;
    const smokeTestRoleArn = PromotionNames.roleArn(stack.partition, stagingAccount, PromotionNames.smokeTestRoleName(project));
    smokeTestHandler.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['sts:AssumeRole'],
      resources: [smokeTestRoleArn],
    }));
    for (const fn of [resolveHandler, smokeTestHandler]) {
      waive(fn.role, {
        rules: ['AwsSolutions-IAM5[Resource::*]'],
        reason: 'codepipeline:PutJobSuccessResult and PutJobFailureResult, and X-Ray writes, support no resource-level permissions',
      });
    }

    this.resolveFunction = resolveHandler.function;
    this.smokeTestFunction = smokeTestHandler.function;

    const pipelineName = PromotionNames.pipelineName(project);
    if (props.recordLineage ?? true) {
      this.lineageRecorder = new PromotionLineageRecorder(this, 'Lineage', {
        projectName: project,
        modelPackageGroup: props.modelPackageGroup,
        // A literal name: the recorder reads the pipeline's executions, the pipeline invokes the recorder.
        promotionPipelineName: pipelineName,
        encryptionKey: this.encryptionKey,
        alarmTopic: this.notificationTopic,
        network: props.network,
      });
    }

    this.pipeline = new codepipeline.Pipeline(this, 'Resource', {
      pipelineName,
      pipelineType: codepipeline.PipelineType.V2,
      role: this.role,
      // The pipeline role runs the actions of this account itself: CodePipeline assumes an
      // action's role with the pipeline role's credentials, and the pipeline role (trusting
      // codepipeline.amazonaws.com only) does not trust itself (IAM User Guide, "Update a role
      // trust policy": a role must name itself to be assumed again). Deployments into other
      // accounts run as their deploy role.
      usePipelineRoleForActions: true,
      // An execution that finds a stage busy waits before it, and a newer one replaces a waiting
      // one: with staging's deploy, test and approval in one stage, no execution can redeploy
      // staging while another is tested or waits for its approval (CodePipeline User Guide,
      // "Set or change the pipeline execution mode").
      executionMode: codepipeline.ExecutionMode.SUPERSEDED,
      restartExecutionOnUpdate: false,
      // CodePipeline takes either one artifact bucket or one per region (its own included).
      ...(Object.keys(props.replicationBuckets ?? {}).length > 0
        ? { crossRegionReplicationBuckets: { ...props.replicationBuckets, [stack.region]: this.artifactBucket } }
        : { artifactBucket: this.artifactBucket }),
      variables: [new codepipeline.Variable({
        variableName: MODEL_PACKAGE_ARN_VARIABLE,
        defaultValue: LATEST_APPROVED,
        description: `ARN of the approved model package to deploy; ${LATEST_APPROVED} redeploys the last approved one`,
      })],
    });

    // Every resource of a deployment template is named after the stack it is deployed as, so the
    // targets' CloudFormation roles can be scoped to those names.
    for (const template of new Set([props.staging, ...props.productionWaves.flatMap((w) => w.targets)].map((t) => t.template))) {
      Aspects.of(template).add(new DeploymentTemplateNaming(template));
    }

    // Source: the zipped deployment templates, one per distinct template.
    const templateArtifacts = new Map<Stack, codepipeline.Artifact>();
    const sourceActions: codepipeline.IAction[] = [];
    const allTargets = [props.staging, ...props.productionWaves.flatMap((w) => w.targets)];
    for (const target of allTargets) {
      if (templateArtifacts.has(target.template)) continue;
      const synthesizer = target.template.synthesizer;
      if (!(synthesizer instanceof DeploymentTemplateSynthesizer)) {
        throw new Error(`${owner}: template ${target.template.node.path} must be created with synthesizer: ModelPromotionPipeline.templateSynthesizer(scope)`);
      }
      const artifact = new codepipeline.Artifact(`Template${templateArtifacts.size}`);
      templateArtifacts.set(target.template, artifact);
      const bucket = s3.Bucket.fromBucketName(this, `TemplateBucket${templateArtifacts.size}`, synthesizer.bucketName);
      sourceActions.push(new cpactions.S3SourceAction({
        actionName: `Template-${Names.uniqueId(target.template).slice(-40)}`.slice(0, 100),
        bucket,
        bucketKey: synthesizer.objectKey,
        output: artifact,
        trigger: cpactions.S3Trigger.NONE,
      }));
    }
    this.pipeline.addStage({ stageName: 'Source', actions: sourceActions });

    const resolve = new cpactions.LambdaInvokeAction({
      actionName: 'ResolveModelPackage',
      lambda: resolveHandler.function,
      userParameters: {
        requestedModelPackageArn: `#{variables.${MODEL_PACKAGE_ARN_VARIABLE}}`,
        ...(props.deployDataQualityBaselines ? { driftCheckBaselines: ['ModelDataQuality'] } : {}),
      },
      variablesNamespace: 'Resolve',
    });
    this.pipeline.addStage({ stageName: 'ResolveModelPackage', actions: [resolve] });
    const modelPackageArn = resolve.variable(MODEL_PACKAGE_ARN_VARIABLE);

    this.targetAccounts = [];
    const deployAction = (target: PromotionTarget, runOrder: number): codepipeline.IAction => {
      const account = target.account;
      const region = target.region ?? stack.region;
      if (!this.targetAccounts.includes(account)) this.targetAccounts.push(account);
      const suffix = `${account}${region}${target.stackName}`;
      // Named through its account with an aws:PrincipalArn condition in the artifact bucket's and
      // key's policies: the deploy role is created by a stack deployed after this one.
      const deployRole = this.node.tryFindChild(`DeployRole${account}${region}`) as CrossAccountRoleReference | undefined
        ?? new CrossAccountRoleReference(this, `DeployRole${account}${region}`, account, PromotionNames.deployRoleName(project, region));
      // Fn::Sub, not Fn::Join: cfn-lint (E3703) wants a plain ARN string in the action configuration.
      const executionRole = iam.Role.fromRoleArn(this, `ExecutionRole${suffix}`,
        Fn.sub(`arn:\${AWS::Partition}:iam::${account}:role/${PromotionNames.executionRoleName(project, region)}`), { mutable: false });
      const template = target.template;
      return new cpactions.CloudFormationCreateUpdateStackAction({
        actionName: `Deploy-${account}-${region}`.replace(/[^A-Za-z0-9.@_-]/g, '-').slice(0, 100),
        stackName: target.stackName,
        templatePath: templateArtifacts.get(template)!.atPath('template.json'),
        adminPermissions: false,
        // What the template needs, once it is complete (monitors may be added after this construct).
        cfnCapabilities: [Lazy.string({ produce: () => templateCapabilities(template).join(',') }) as CfnCapabilities],
        role: deployRole,
        deploymentRole: executionRole,
        region: target.region,
        account: account,
        replaceOnFailure: false,
        parameterOverrides: { ...target.parameterOverrides, [MODEL_PACKAGE_ARN_PARAMETER]: modelPackageArn },
        runOrder,
      });
    };
    // The package must still be approved when a wave starts: a reviewer may have rejected it while
    // the production approval waited.
    const verifyAction = (wave: string) => new cpactions.LambdaInvokeAction({
      actionName: 'VerifyStillApproved',
      lambda: resolveHandler.function,
      userParameters: { mode: 'verify', modelPackageArn },
      variablesNamespace: `Verify${wave.replace(/[^A-Za-z0-9@_-]/g, '')}`.slice(0, 100),
      runOrder: 1,
    });

    const record = (target: PromotionTarget, stage: string, runOrder: number, approved: boolean) => this.lineageRecorder?.recordAction({
      stage,
      account: target.account,
      region: target.region ?? stack.region,
      endpointName: endpointNameOf(target.template),
      stackName: target.stackName,
      modelPackageArn,
      actionName: `RecordLineage-${target.account}-${target.region ?? stack.region}`.replace(/[^A-Za-z0-9.@_-]/g, '-').slice(0, 100),
      manualApproval: approved ? { stageName: STAGING_STAGE, actionName: APPROVAL_ACTION } : undefined,
      runOrder,
    });
    const recorded = (...actions: Array<codepipeline.IAction | undefined>) => actions.filter((a): a is codepipeline.IAction => a !== undefined);

    // Lineage is recorded right after each deployment, before anything can fail the stage.
    const lineage = this.lineageRecorder ? 1 : 0;
    this.pipeline.addStage({
      stageName: STAGING_STAGE,
      actions: recorded(
        deployAction(props.staging, 1),
        record(props.staging, 'staging', 2, false),
        new cpactions.LambdaInvokeAction({
          actionName: 'SmokeTest',
          lambda: smokeTestHandler.function,
          variablesNamespace: 'SmokeTest',
          userParameters: {
            roleArn: smokeTestRoleArn,
            endpointName: props.smokeTest.endpointName,
            region: stagingRegion,
            payloadParameterName: this.smokeTestPayload.parameterName,
            contentType: props.smokeTest.contentType ?? 'text/csv',
            accept: props.smokeTest.accept,
            expectedResponsePattern: props.smokeTest.expectedResponsePattern,
            modelPackageArn,
          },
          runOrder: 2 + lineage,
        }),
        new cpactions.ManualApprovalAction({
          actionName: APPROVAL_ACTION,
          notificationTopic: this.notificationTopic,
          additionalInformation: `Promote model package ${modelPackageArn} of ${project} to production? It passed the staging smoke test on endpoint ${props.smokeTest.endpointName}.`,
          timeout: props.approvalTimeout,
          runOrder: 3 + lineage,
        }),
      ),
    });
    const baselines: { [name: string]: string } = props.deployDataQualityBaselines ? {
      [DATA_QUALITY_CONSTRAINTS_PARAMETER]: resolve.variable(DATA_QUALITY_CONSTRAINTS_PARAMETER),
      [DATA_QUALITY_STATISTICS_PARAMETER]: resolve.variable(DATA_QUALITY_STATISTICS_PARAMETER),
    } : {};
    for (const wave of props.productionWaves) {
      this.pipeline.addStage({
        stageName: `Production-${wave.name}`,
        actions: recorded(
          verifyAction(wave.name),
          ...wave.targets.map((t) => deployAction({ ...t, parameterOverrides: { ...t.parameterOverrides, ...baselines } }, 2)),
          ...wave.targets.map((t) => record(t, 'production', 3, true)),
        ),
      });
    }

    // The topic as a notification target, admitting CodeStar Notifications on behalf of this
    // account only: "The topic policy should include a statement similar to the following" with
    // aws:SourceAccount (Developer Tools console guide, troubleshooting). aws-cdk-lib's own topic
    // target grants sns:Publish (and the topic key) without a condition.
    const topic = this.notificationTopic;
    const notificationTarget: notifications.INotificationRuleTarget = {
      bindAsNotificationRuleTarget: () => {
        topic.addToResourcePolicy(new iam.PolicyStatement({
          sid: 'CodeStarNotificationsOfThisAccount',
          principals: [new iam.ServicePrincipal('codestar-notifications.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }));
        return { targetType: 'SNS', targetAddress: topic.topicArn };
      },
    };
    this.pipeline.notifyOn('Notifications', notificationTarget, {
      events: [
        codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED,
        codepipeline.PipelineNotificationEvents.MANUAL_APPROVAL_NEEDED,
        codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_SUCCEEDED,
      ],
    });
    this.encryptionKey.grant(this.role, 'kms:GenerateDataKey*', 'kms:Decrypt');

    const nagName = (r: string) => `AwsSolutions-IAM5[Resource::${nagResourceName(stack, r)}]`;
    waive(this.role, {
      rules: ['s3:Abort*', 's3:DeleteObject*', 's3:GetBucket*', 's3:GetObject*', 's3:List*'].map((a) => `AwsSolutions-IAM5[Action::${a}]`)
        .concat([nagName(this.artifactBucket.arnForObjects('*'))])
        .concat(Object.values(props.replicationBuckets ?? {}).map((b) => nagName(`arn:${stack.partition}:s3:::${b.bucketName}/*`))),
      reason: 'CodePipeline reads and writes the artifacts of every execution under generated keys in its own artifact bucket; the grant covers that one bucket',
    });
    waive(this.role, {
      rules: ['AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]'],
      reason: 'the pipeline encrypts artifacts with the promotion key only; the wildcards cover the GenerateDataKey and ReEncrypt variants of that one key',
    });
    waive(this.role, {
      rules: ['AwsSolutions-IAM5[Resource::*]'],
      reason: 'CodePipeline Lambda actions need lambda:ListFunctions, which supports no resource-level permissions',
    });
    waive(this.role, {
      rules: [resolveHandler.function, smokeTestHandler.function, ...(this.lineageRecorder ? [this.lineageRecorder.function] : [])].map((fn) => nagName(`${fn.functionArn}:*`)),
      reason: 'invoking a function grants its versions and aliases too (<function arn>:*); only the promotion handlers (resolve, smoke test, lineage) are named',
    });
    waive(resolveHandler.role, {
      rules: [nagName(Stack.of(this).formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${groupName}/*` }))],
      reason: 'model packages are versions of the group with ARNs model-package/<group>/<version>; the pattern admits this group only',
    });
  }

  /**
   * Grants starting a promotion (with the `ModelPackageArn` variable), for the approval handler.
   */
  public grantStart(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['codepipeline:StartPipelineExecution'],
      resourceArns: [this.pipeline.pipelineArn],
    });
  }
}

/** The stage holding staging's deployment, smoke test and production approval, and that approval. */
const STAGING_STAGE = 'Staging';
const APPROVAL_ACTION = 'ApproveProduction';

/** The endpoint a deployment template serves: a `ModelDeploymentStack`'s, or its EndpointName output. */
function endpointNameOf(template: Stack): string {
  if (template instanceof ModelDeploymentStack) return template.endpointName;
  const endpoint = template.node.findAll().find((c) => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::SageMaker::Endpoint') as CfnResource | undefined;
  const name = endpoint ? (endpoint as unknown as { endpointName?: string }).endpointName : undefined;
  if (name === undefined || Token.isUnresolved(name)) {
    throw new Error(`ModelPromotionPipeline: template ${template.node.path} has no endpoint with a literal name to record in lineage; give it one, or set recordLineage to false`);
  }
  return name;
}

/** An address SNS can subscribe: one @, a dot in the domain, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function validateTargets(owner: string, props: ModelPromotionPipelineProps, pipelineRegion: string): void {
  const problems: string[] = [];
  if (props.productionWaves.length === 0) {
    problems.push('productionWaves must hold at least one wave');
  }
  const waveNames = new Set<string>();
  for (const wave of props.productionWaves) {
    if (!/^[A-Za-z0-9.@_-]{1,80}$/.test(wave.name)) problems.push(`wave name '${wave.name}' must be 1-80 of A-Z, a-z, 0-9, '.', '@', '_', '-'`);
    if (waveNames.has(wave.name)) problems.push(`wave name '${wave.name}' is used twice`);
    waveNames.add(wave.name);
    if (wave.targets.length === 0) problems.push(`wave '${wave.name}' has no targets`);
  }
  const seen = new Set<string>();
  for (const target of [props.staging, ...props.productionWaves.flatMap((w) => w.targets)]) {
    if (!Token.isUnresolved(target.account) && !/^\d{12}$/.test(target.account)) problems.push(`target account '${target.account}' is not a 12-digit account id`);
    if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(target.stackName)) problems.push(`stack name '${target.stackName}' is not a valid CloudFormation stack name`);
    else if (target.stackName.length > MAX_DEPLOYMENT_STACK_NAME) problems.push(`stack name '${target.stackName}' has ${target.stackName.length} characters; at most ${MAX_DEPLOYMENT_STACK_NAME}, as the template's resources are named after it`);
    const key = `${target.account}/${target.region ?? pipelineRegion}/${target.stackName}`;
    if (seen.has(key)) problems.push(`target ${key} appears twice`);
    seen.add(key);
    if (target.parameterOverrides && MODEL_PACKAGE_ARN_PARAMETER in target.parameterOverrides) {
      problems.push(`target ${key} must not override ${MODEL_PACKAGE_ARN_PARAMETER}: the pipeline sets it`);
    }
    if (!hasParameter(target.template, MODEL_PACKAGE_ARN_PARAMETER)) {
      problems.push(`template ${target.template.node.path} has no ${MODEL_PACKAGE_ARN_PARAMETER} parameter`);
    }
  }
  if (props.deployDataQualityBaselines) {
    for (const template of new Set(props.productionWaves.flatMap((w) => w.targets.map((t) => t.template)))) {
      for (const name of [DATA_QUALITY_CONSTRAINTS_PARAMETER, DATA_QUALITY_STATISTICS_PARAMETER]) {
        if (!hasParameter(template, name)) problems.push(`deployDataQualityBaselines: production template ${template.node.path} has no ${name} parameter to receive it`);
      }
    }
  }
  for (const target of [props.staging, ...props.productionWaves.flatMap((w) => w.targets)]) {
    const region = target.region;
    if (region && !Token.isUnresolved(region) && !Token.isUnresolved(pipelineRegion) && region !== pipelineRegion && !props.replicationBuckets?.[region]) {
      problems.push(`target ${target.account}/${region}/${target.stackName} is in another region than the pipeline (${pipelineRegion}): give replicationBuckets['${region}']`);
    }
  }
  (props.reviewerEmails ?? []).forEach((email, i) => {
    if (!Token.isUnresolved(email) && !EMAIL.test(email)) {
      problems.push(`reviewerEmails[${i}] '${email}' is not an email address (SNS would reject the subscription at deploy time): give addresses such as ml-reviewers@example.com`);
    }
  });
  if (Buffer.byteLength(props.smokeTest.payload, 'utf8') > 4096) {
    problems.push(`smokeTest.payload is ${Buffer.byteLength(props.smokeTest.payload, 'utf8')} bytes; at most 4096`);
  }
  if (props.smokeTest.payload.length === 0) {
    problems.push('smokeTest.payload must not be empty');
  }
  if (props.smokeTest.expectedResponsePattern !== undefined) {
    try {
      new RegExp(props.smokeTest.expectedResponsePattern);
    } catch {
      problems.push(`smokeTest.expectedResponsePattern '${props.smokeTest.expectedResponsePattern}' is not a valid regular expression`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`${owner}: ${problems.join('; ')}`);
  }
}

function hasParameter(template: Stack, name: string): boolean {
  return template.node.findAll().some((c) => c instanceof CfnParameter && template.resolve(c.logicalId) === name);
}

/**
 * The capabilities CloudFormation demands of a template (CreateStack, "Capabilities"): IAM
 * resources need CAPABILITY_IAM, IAM resources with custom names CAPABILITY_NAMED_IAM, macros and
 * transforms CAPABILITY_AUTO_EXPAND; without them the deployment fails with InsufficientCapabilities.
 */
export function templateCapabilities(template: Stack): string[] {
  const capabilities = new Set<string>();
  const names: { [type: string]: string } = {
    'AWS::IAM::Role': 'RoleName', 'AWS::IAM::ManagedPolicy': 'ManagedPolicyName', 'AWS::IAM::User': 'UserName',
    'AWS::IAM::Group': 'GroupName', 'AWS::IAM::InstanceProfile': 'InstanceProfileName',
  };
  for (const c of template.node.findAll()) {
    if (!CfnResource.isCfnResource(c) || Stack.of(c) !== template) continue;
    if (c.cfnResourceType.startsWith('AWS::IAM::')) {
      capabilities.add(CfnCapabilities.ANONYMOUS_IAM);
      const nameProperty = names[c.cfnResourceType];
      if (nameProperty && isSet(c, nameProperty)) capabilities.add(CfnCapabilities.NAMED_IAM);
    }
  }
  if (template.templateOptions.transforms && template.templateOptions.transforms.length > 0) capabilities.add(CfnCapabilities.AUTO_EXPAND);
  if (capabilities.has(CfnCapabilities.NAMED_IAM)) capabilities.delete(CfnCapabilities.ANONYMOUS_IAM);
  return [...capabilities].sort();
}
