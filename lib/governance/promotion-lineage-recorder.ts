import { ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as cpactions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { IModelPackageGroup } from '../registry/model-package-group';
import { nagResourceName, waive } from '../private/compliance';
import { createEncryptionKey } from '../private/encryption-key';
import { EventHandlerFunction, HANDLER_METRICS_NAMESPACE } from '../private/event-handler';
import { deploymentActionPrefix, endpointContextPrefix, PROJECT_DIMENSION } from './lineage-names';
import { IWorkloadNetwork } from '../network/workload-network';

const HANDLER = 'record-lineage';
const PROJECT_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const PIPELINE_NAME = /^[A-Za-z0-9.@\-_]{1,100}$/;
const ACTION_NAME = /^[A-Za-z0-9.@\-_]{1,100}$/;

/**
 * The manual approval action that let a deployment happen, in the same pipeline execution.
 */
export interface ManualApprovalReference {
  /**
   * The stage of the approval action.
   */
  readonly stageName: string;

  /**
   * The name of the approval action.
   */
  readonly actionName: string;
}

/**
 * One deployment the promotion pipeline records, right after it deployed it.
 */
export interface RecordDeploymentOptions {
  /**
   * The stage the deployment belongs to, in the record (`staging`, `production-eu`, ...):
   * 1-64 of letters, digits and `._-`.
   */
  readonly stage: string;

  /**
   * The account the stack was deployed into.
   */
  readonly account: string;

  /**
   * The region the stack was deployed into.
   *
   * @default - the recorder's region
   */
  readonly region?: string;

  /**
   * The endpoint the deployment serves.
   */
  readonly endpointName: string;

  /**
   * The CloudFormation stack the deployment created or updated (the record takes its time from
   * that stack's deploy action in the same execution).
   */
  readonly stackName: string;

  /**
   * The model package the execution deploys: usually the resolve action's output variable,
   * `#{<namespace>.ModelPackageArn}`.
   */
  readonly modelPackageArn: string;

  /**
   * The manual approval of the same execution that let this deployment happen.
   *
   * @default - none (a staging deployment)
   */
  readonly manualApproval?: ManualApprovalReference;

  /**
   * The name of the action.
   *
   * @default - `RecordLineage-<stage>`
   */
  readonly actionName?: string;

  /**
   * The action's run order in its stage: after the deploy action it records.
   *
   * @default 2
   */
  readonly runOrder?: number;

  /**
   * The role CodePipeline uses for the action.
   *
   * @default - as CodePipeline's LambdaInvokeAction chooses
   */
  readonly role?: iam.IRole;
}

/**
 * Properties of a `PromotionLineageRecorder`.
 */
export interface PromotionLineageRecorderProps {
  /**
   * The project, in the names of the lineage entities the recorder creates and its role is
   * limited to: 1-32 of a-z, 0-9 and '-', starting with a letter.
   */
  readonly projectName: string;

  /**
   * The registry whose packages the promotion deploys.
   */
  readonly modelPackageGroup: IModelPackageGroup;

  /**
   * The name of the promotion pipeline that runs the record actions (its action executions
   * give each record its time and manual approver). A literal: the pipeline's generated name
   * would make the pipeline and this function depend on each other.
   */
  readonly promotionPipelineName: string;

  /**
   * Where the alarms (lineage write failures, dead letters, handler errors, malformed events)
   * notify. A topic encrypted with a key of this app gets the key grant CloudWatch needs.
   *
   * @default - a new topic encrypted with `encryptionKey`; subscribe people to it
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * The key encrypting the handler's logs, dead letters, environment and alarm topic.
   *
   * @default - a new KMS key with rotation (USD 1 a month)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The key the model packages are encrypted with, when the build registers them with a
   * `SecurityConfig` (describing such a package calls `kms:Decrypt`).
   *
   * @default - packages use SageMaker's default encryption; no key grant
   */
  readonly modelPackageEncryptionKey?: kms.IKey;

  /**
   * A VPC to run the handler in; it then needs a route to the SageMaker and CodePipeline APIs.
   *
   * @default - not in a VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The subnets of `vpc` to run the handler in.
   *
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The network to run the handler in (instead of `vpc`), typically the platform's
   * `PlatformNetwork` of this account and region: the function takes its subnets and security
   * groups, the role the network-interface permissions Lambda documents, and the services the
   * handler calls are declared for the network's VPC endpoints.
   *
   * @default - `vpc` if given, else not in a VPC
   */
  readonly network?: IWorkloadNetwork;
}

/**
 * Records every deployment of a promotion in SageMaker lineage, in the tooling account: an
 * action per deployment (`ModelDeployment`) from the model package's artifact to a context of
 * the endpoint it now serves (account, region, stage), with the pipeline execution, the time,
 * who approved the package (its `ApprovalDescription` and approver) and who approved the
 * promotion (the manual approval's reviewer and comment).
 *
 * Add `recordAction()` after each deploy action of the pipeline. The action answers CodePipeline
 * first and records second: a lineage failure never stops or undoes a promotion. It is counted
 * and alarmed (`lineageWriteFailureAlarm`), the invocation is retried by Lambda, and what still
 * fails waits in the dead-letter queue (alarmed) until it is sent to the function again; every
 * write is idempotent (deterministic names), so a record written twice is one action.
 *
 * Its role writes lineage only under this project's names (`action/mlops-<project>-deploy-*`,
 * `context/mlops-<project>-endpoint-*`); artifacts, whose ARNs are ids SageMaker makes, and the
 * list APIs, which have no resource type, are the exceptions. SageMaker limits manually created
 * lineage entities per account (3,000 actions, 500 contexts, 6,000 associations, developer
 * guide): a project records one action per deployment and one context per endpoint.
 *
 * Costs: a Lambda invocation per deployment, a KMS key unless one is passed in, four alarms.
 */
export class PromotionLineageRecorder extends Construct {
  /** The recorder function (CodePipeline invokes it). */
  public readonly function: lambda.IFunction;
  /** The recorder's role. */
  public readonly role: iam.IRole;
  /** Where records wait that still failed after Lambda's retries. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The key encrypting the handler's logs, dead letters, environment and alarm topic. */
  public readonly encryptionKey: kms.IKey;
  /** Where the alarms notify. */
  public readonly alarmTopic: sns.ITopic;
  /** Alarms when a deployment could not be written to lineage (it is retried). */
  public readonly lineageWriteFailureAlarm: cloudwatch.IAlarm;
  /** Alarms when a record waits in the dead-letter queue (send it to the function again). */
  public readonly deadLetterAlarm: cloudwatch.IAlarm;
  /** Alarms when the function fails. */
  public readonly errorAlarm: cloudwatch.IAlarm;
  /** Alarms when the function receives an event it cannot read. */
  public readonly malformedEventAlarm: cloudwatch.IAlarm;
  /** The project the records belong to. */
  public readonly projectName: string;
  private readonly groupName: string;

  constructor(scope: Construct, id: string, props: PromotionLineageRecorderProps) {
    super(scope, id);
    validate(this, props);
    const stack = Stack.of(this);
    const project = props.projectName;
    this.projectName = project;
    this.groupName = props.modelPackageGroup.modelPackageGroupName;

    this.encryptionKey = props.encryptionKey ?? createEncryptionKey(this, 'Key', `Encrypts the logs, dead letters, environment and alarm topic of the lineage recorder of ${project}`);
    this.alarmTopic = props.alarmTopic ?? new sns.Topic(this, 'Alarms', {
      displayName: `Lineage recorder alarms of ${project}`,
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
    this.alarmTopic.masterKey?.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }), 'kms:Decrypt', 'kms:GenerateDataKey*');

    const handler = new EventHandlerFunction(this, 'Handler', {
      handler: HANDLER,
      description: `Records each deployment of the ${project} promotion in SageMaker lineage`,
      environment: {
        PROJECT_NAME: project,
        MODEL_PACKAGE_GROUP_NAME: this.groupName,
        PIPELINE_NAME: props.promotionPipelineName,
        PIPELINE_ACCOUNT: stack.account,
        PIPELINE_REGION: stack.region,
      },
      encryptionKey: this.encryptionKey,
      alarmTopic: this.alarmTopic,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      network: props.network,
      timeout: Duration.seconds(60),
      reservedConcurrentExecutions: 2,
    });
    // Lambda writes failed invocations to the encrypted dead-letter queue with the function's role.
    this.encryptionKey.grant(handler.role, 'kms:GenerateDataKey', 'kms:Decrypt');
    this.function = handler.function;
    this.role = handler.role;
    this.deadLetterQueue = handler.deadLetterQueue;
    this.deadLetterAlarm = handler.deadLetterAlarm;
    this.errorAlarm = handler.errorAlarm;
    this.malformedEventAlarm = handler.malformedEventAlarm;

    this.grantLineageWrites(handler.role, props);

    const writeFailures = new cloudwatch.Alarm(this, 'LineageWriteFailureAlarm', {
      alarmDescription: `A deployment of ${project} could not be recorded in SageMaker lineage; the promotion went on and the record is retried (then waits in the recorder's dead-letter queue)`,
      metric: this.metricLineageWriteFailures(),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    writeFailures.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
    this.lineageWriteFailureAlarm = writeFailures;
  }

  /**
   * The CodePipeline action that records one deployment: a Lambda invoke whose UserParameters
   * carry the package, stage, target, endpoint, stack, `#{codepipeline.PipelineExecutionId}`
   * and the manual approval, if any.
   */
  public recordAction(options: RecordDeploymentOptions): cpactions.LambdaInvokeAction {
    const stack = Stack.of(this);
    const problems: string[] = [];
    if (!Token.isUnresolved(options.stage) && !/^[A-Za-z0-9._-]{1,64}$/.test(options.stage)) {
      problems.push(`stage '${options.stage}' must be 1-64 of letters, digits and ._-`);
    }
    if (!Token.isUnresolved(options.account) && !/^\d{12}$/.test(options.account)) {
      problems.push(`account '${options.account}' is not a 12-digit account id`);
    }
    if (!Token.isUnresolved(options.endpointName) && !/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(options.endpointName)) {
      problems.push(`endpointName '${options.endpointName}' is not a SageMaker endpoint name (1-63 of letters, digits and '-')`);
    }
    if (!Token.isUnresolved(options.stackName) && !/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(options.stackName)) {
      problems.push(`stackName '${options.stackName}' is not a CloudFormation stack name`);
    }
    const actionName = options.actionName ?? `RecordLineage-${options.stage}`;
    if (!Token.isUnresolved(actionName) && !ACTION_NAME.test(actionName)) {
      problems.push(`actionName '${actionName}' must be 1-100 of A-Z, a-z, 0-9, '.', '@', '_', '-'`);
    }
    const approval = options.manualApproval;
    if (approval && (!PIPELINE_NAME.test(approval.stageName) || !ACTION_NAME.test(approval.actionName))) {
      problems.push(`manualApproval names stage '${approval.stageName}' and action '${approval.actionName}'; both must be 1-100 of A-Z, a-z, 0-9, '.', '@', '_', '-'`);
    }
    if (problems.length > 0) {
      throw new Error(`PromotionLineageRecorder ${this.node.path}: recordAction: ${problems.join('; ')}`);
    }
    return new cpactions.LambdaInvokeAction({
      actionName,
      lambda: this.function,
      runOrder: options.runOrder ?? 2,
      role: options.role,
      userParameters: {
        modelPackageArn: options.modelPackageArn,
        pipelineExecutionId: '#{codepipeline.PipelineExecutionId}',
        stage: options.stage,
        account: options.account,
        region: options.region ?? stack.region,
        endpointName: options.endpointName,
        stackName: options.stackName,
        ...(approval ? { manualApproval: { stageName: approval.stageName, actionName: approval.actionName } } : {}),
      },
    });
  }

  /**
   * Grants what the audit (`mlops-audit`) reads: the lineage of this account (lists and
   * queries have no resource type in IAM), the project's deployment actions, the trial
   * components and training jobs SageMaker records, and the group's packages.
   */
  public grantAudit(grantee: iam.IGrantable): iam.Grant {
    const stack = Stack.of(this);
    const arn = (resource: string, name: string) => stack.formatArn({ service: 'sagemaker', resource, resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    const principal = grantee.grantPrincipal;
    if (Construct.isConstruct(principal)) {
      const nagName = (r: string) => `AwsSolutions-IAM5[Resource::${nagResourceName(Stack.of(principal), r)}]`;
      waive(principal, {
        rules: ['AwsSolutions-IAM5[Resource::*]'],
        reason: 'ListContexts, ListAssociations, ListArtifacts and QueryLineage support no resource-level permissions; they read lineage, never write it',
      });
      waive(principal, {
        rules: [nagName(arn('action', `${deploymentActionPrefix(this.projectName)}*`)), nagName(arn('model-package', `${this.groupName}/*`))],
        reason: 'the audit reads the deployment records and package versions this project makes at run time; the patterns admit this project only',
      });
      waive(principal, {
        rules: [nagName(arn('experiment-trial-component', '*')), nagName(arn('training-job', '*'))],
        reason: 'the audit describes whichever training job and trial component SageMaker recorded for the package; read-only, named by SageMaker at run time',
      });
    }
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:ListContexts', 'sagemaker:ListAssociations', 'sagemaker:ListArtifacts', 'sagemaker:QueryLineage'],
      resourceArns: ['*'],
    }).combine(iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:DescribeAction'],
      resourceArns: [arn('action', `${deploymentActionPrefix(this.projectName)}*`)],
    })).combine(iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:DescribeTrialComponent'],
      resourceArns: [arn('experiment-trial-component', '*')],
    })).combine(iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:DescribeTrainingJob'],
      resourceArns: [arn('training-job', '*')],
    })).combine(iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:DescribeModelPackage'],
      resourceArns: [stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${this.groupName}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
    }));
  }

  /**
   * Deployments of this project that could not be written to lineage (sum over 5 minutes).
   */
  public metricLineageWriteFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: HANDLER_METRICS_NAMESPACE,
      metricName: 'LineageWriteFailures',
      dimensionsMap: { service: HANDLER, [PROJECT_DIMENSION]: this.projectName },
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...props,
    });
  }

  private grantLineageWrites(role: iam.IRole, props: PromotionLineageRecorderProps): void {
    const stack = Stack.of(this);
    const project = props.projectName;
    const sagemakerArn = (resource: string, name: string) => stack.formatArn({ service: 'sagemaker', resource, resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    const actions = sagemakerArn('action', `${deploymentActionPrefix(project)}*`);
    const contexts = sagemakerArn('context', `${endpointContextPrefix(project)}*`);
    // Artifact ARNs end in an id SageMaker makes (`artifact/<id>`), not in a name we choose, and
    // the package's artifact is SageMaker's own: only `artifact/*` names them.
    const artifacts = sagemakerArn('artifact', '*');
    const packages = props.modelPackageGroup.modelPackageArn('*');
    const add = (statement: iam.PolicyStatementProps) => role.addToPrincipalPolicy(new iam.PolicyStatement(statement));

    add({ actions: ['sagemaker:DescribeModelPackage'], resources: [packages] });
    add({ actions: ['sagemaker:DescribeAction', 'sagemaker:CreateAction'], resources: [actions] });
    add({ actions: ['sagemaker:DescribeContext', 'sagemaker:CreateContext'], resources: [contexts] });
    add({ actions: ['sagemaker:CreateArtifact'], resources: [artifacts] });
    // SageMaker checks AddAssociation on both entities (developer guide, Cross-Account Lineage Tracking).
    add({ actions: ['sagemaker:AddAssociation'], resources: [artifacts, actions, contexts] });
    // No resource type in IAM for these (cfn-lint's Policies.json: ListArtifacts, ListAssociations).
    add({ actions: ['sagemaker:ListArtifacts', 'sagemaker:ListAssociations'], resources: ['*'] });
    add({
      actions: ['codepipeline:ListActionExecutions'],
      resources: [stack.formatArn({ service: 'codepipeline', resource: props.promotionPipelineName, arnFormat: ArnFormat.NO_RESOURCE_NAME })],
    });
    add({ actions: ['codepipeline:PutJobSuccessResult', 'codepipeline:PutJobFailureResult'], resources: ['*'] });
    props.modelPackageEncryptionKey?.grant(role, 'kms:Decrypt');

    const nagName = (r: string) => `AwsSolutions-IAM5[Resource::${nagResourceName(stack, r)}]`;
    waive(role, {
      rules: [nagName(packages)],
      reason: 'model package versions are registered after deployment; the pattern names the versions of this project\'s group only',
    });
    waive(role, {
      rules: [nagName(actions), nagName(contexts)],
      reason: 'lineage entities are named per deployment and per endpoint at run time; the patterns admit this project\'s prefixes only',
    });
    waive(role, {
      rules: [nagName(artifacts)],
      reason: 'lineage artifact ARNs end in an id SageMaker generates, and the package artifact is created by SageMaker itself',
    });
    waive(role, {
      rules: ['AwsSolutions-IAM5[Resource::*]'],
      reason: 'ListArtifacts, ListAssociations, PutJobSuccessResult, PutJobFailureResult and X-Ray writes support no resource-level permissions',
    });
  }
}

function validate(scope: Construct, props: PromotionLineageRecorderProps): void {
  const problems: string[] = [];
  if (Token.isUnresolved(props.projectName)) {
    problems.push('projectName must be a literal string, not a token: it names the lineage entities the role is limited to');
  } else if (!PROJECT_NAME.test(props.projectName) || props.projectName.endsWith('-')) {
    problems.push(`projectName must be 1-32 characters of a-z, 0-9 and '-', starting with a letter, got '${props.projectName}'`);
  }
  if (Token.isUnresolved(props.promotionPipelineName)) {
    problems.push('promotionPipelineName must be a literal string, not a token: give the promotion pipeline a name (its generated name would make pipeline and recorder depend on each other)');
  } else if (!PIPELINE_NAME.test(props.promotionPipelineName)) {
    problems.push(`promotionPipelineName must be 1-100 of A-Z, a-z, 0-9, '.', '@', '_', '-', got '${props.promotionPipelineName}'`);
  }
  const stack = Stack.of(scope);
  const account = props.modelPackageGroup.env.account;
  if (!Token.isUnresolved(account) && !Token.isUnresolved(stack.account) && account !== stack.account) {
    problems.push(`modelPackageGroup lives in account ${account}, but the lineage is recorded in this stack's account ${stack.account}: create the recorder in the tooling account, beside the group`);
  }
  if (problems.length > 0) {
    throw new Error(`PromotionLineageRecorder ${scope.node.path}: ${problems.join('; ')}`);
  }
}
