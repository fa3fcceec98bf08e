import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ArnFormat, IResource, Names, Resource, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { PipelineDefinition } from './definition/pipeline-definition';
import { DerivedPermissions, derivePermissions, grantJobNetworking } from './execution-permissions';
import { SageMakerPipelineScheduleTarget, SageMakerPipelineTarget, SageMakerPipelineTargetProps } from './sagemaker-pipeline-target';
import { IModelPackageGroup } from '../registry/model-package-group';
import { nagResourceName, waive } from '../private/compliance';
import { ManagedPolicyRole } from '../private/managed-policy-role';

/**
 * A SageMaker model-build pipeline (`AWS::SageMaker::Pipeline`).
 */
export interface IModelBuildPipeline extends IResource {
  /**
   * The name of the pipeline.
   *
   * @attribute
   */
  readonly pipelineName: string;

  /**
   * The ARN of the pipeline.
   *
   * @attribute
   */
  readonly pipelineArn: string;

  /**
   * Grants starting executions of this pipeline (`sagemaker:StartPipelineExecution`).
   */
  grantStartExecution(grantee: iam.IGrantable): iam.Grant;

  /**
   * Grants listing and describing this pipeline's executions.
   */
  grantReadExecutions(grantee: iam.IGrantable): iam.Grant;
}

/** CloudWatch namespace of SageMaker Pipelines metrics. */
const METRIC_NAMESPACE = 'AWS/Sagemaker/ModelBuildingPipeline';

/**
 * What a pipeline has whether it was made here or imported: grants, metrics, events and triggers.
 */
abstract class ModelBuildPipelineBase extends Resource implements IModelBuildPipeline {
  public abstract readonly pipelineName: string;
  public abstract readonly pipelineArn: string;

  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:StartPipelineExecution'], resourceArns: this.arnsAsWritten() });
  }

  public grantReadExecutions(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'sagemaker:DescribePipeline', 'sagemaker:ListPipelineExecutions', 'sagemaker:DescribePipelineExecution',
        'sagemaker:ListPipelineExecutionSteps', 'sagemaker:ListPipelineParametersForExecution', 'sagemaker:DescribePipelineDefinitionForExecution',
      ],
      resourceArns: this.arnsAsWritten().flatMap((arn) => [arn, `${arn}/execution/*`]),
    });
  }

  /**
   * The pipeline's ARN as SageMaker reports it (lower case) and, for a name with capitals, as it
   * was written: requests may carry either, so grants name both.
   */
  private arnsAsWritten(): string[] {
    const stack = Stack.of(this);
    if (Token.isUnresolved(this.pipelineName) || this.pipelineName === this.pipelineName.toLowerCase()) return [this.pipelineArn];
    return [this.pipelineArn, stack.formatArn({ service: 'sagemaker', resource: 'pipeline', resourceName: this.pipelineName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME })];
  }

  /**
   * A rule on the pipeline's execution status changes (`SageMaker Model Building Pipeline
   * Execution Status Change`); narrow it with `options.eventPattern`, e.g.
   * `{ detail: { currentPipelineExecutionStatus: ['Failed'] } }`.
   */
  public onExecutionStatusChange(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.eventRule(id, 'SageMaker Model Building Pipeline Execution Status Change', options);
  }

  /**
   * A rule on the status changes of the pipeline's steps (`SageMaker Model Building Pipeline
   * Execution Step Status Change`).
   */
  public onStepStatusChange(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.eventRule(id, 'SageMaker Model Building Pipeline Execution Step Status Change', options);
  }

  /** A metric of the pipeline in `AWS/Sagemaker/ModelBuildingPipeline`. */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRIC_NAMESPACE,
      metricName,
      dimensionsMap: { PipelineName: this.pipelineName },
      ...props,
    }).attachTo(this);
  }

  /** Executions started (sum over 5 minutes). */
  public metricExecutionStarted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ExecutionStarted', { statistic: 'Sum', ...props });
  }

  /** Executions that failed (sum over 5 minutes). */
  public metricExecutionFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ExecutionFailed', { statistic: 'Sum', ...props });
  }

  /** Executions that succeeded (sum over 5 minutes). */
  public metricExecutionSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ExecutionSucceeded', { statistic: 'Sum', ...props });
  }

  /** Executions stopped (sum over 5 minutes). */
  public metricExecutionStopped(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ExecutionStopped', { statistic: 'Sum', ...props });
  }

  /** How long executions ran, in milliseconds (average over 5 minutes). */
  public metricExecutionDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ExecutionDuration', { statistic: 'Average', ...props });
  }

  /**
   * Starts the pipeline on a schedule (EventBridge Scheduler), with a role that may start only
   * this pipeline.
   */
  public addSchedule(id: string, options: PipelineScheduleOptions): scheduler.Schedule {
    const problems = parameterProblems(options.parameters);
    if (problems.length > 0) throw new Error(`${this.node.path}/${id}: ${problems.join('; ')}`);
    return new scheduler.Schedule(this, id, {
      schedule: options.schedule,
      description: options.description ?? `Starts SageMaker pipeline ${this.node.path}`,
      enabled: options.enabled,
      target: new SageMakerPipelineScheduleTarget(this, {
        parameters: options.parameters,
        role: options.role,
        deadLetterQueue: options.deadLetterQueue,
        retryAttempts: options.retryAttempts,
        maxEventAge: options.maxEventAge,
      }),
    });
  }

  /**
   * Starts the pipeline when objects are created under a prefix of a bucket (EventBridge
   * `Object Created` events). The bucket must send its events to EventBridge
   * (`eventBridgeEnabled: true`), which this does not change.
   *
   * The execution is not told which object arrived: an EventBridge rule's
   * `SageMakerPipelineParameters` are fixed name/value pairs, with no input path or transformer of
   * the event (botocore events 2015-10-07, `SageMakerPipelineParameter`: `Name` and `Value`
   * strings). `options.parameters` are passed as written, and an `events.EventField` among them
   * fails synthesis (it would reach the pipeline as the literal text `$.detail.object.key`). Let
   * the pipeline read the whole prefix (the classic build's `InputData` defaults to it), or start
   * it from a function of your own on the rule that calls `StartPipelineExecution` with the key.
   */
  public onNewData(id: string, options: NewDataTriggerOptions): events.Rule {
    const problems = [...parameterProblems(options.parameters), ...eventFieldProblems(options.parameters)];
    if (problems.length > 0) throw new Error(`ModelBuildPipeline ${this.node.path} onNewData ${id}: ${problems.join('; ')}`);
    // S3 sends "Object Created" to EventBridge only when the bucket says so. For a bucket of this
    // app, switch it on in the bucket's own template (CDK's eventBridgeEnabled would add a
    // custom-resource Lambda); an imported bucket must have it on already.
    const cfnBucket = options.bucket.node.defaultChild;
    if (cfnBucket instanceof s3.CfnBucket) {
      const current = Stack.of(cfnBucket).resolve(cfnBucket.notificationConfiguration) ?? {};
      cfnBucket.notificationConfiguration = { ...current, eventBridgeConfiguration: { eventBridgeEnabled: true } };
    }
    const rule = new events.Rule(this, id, {
      description: options.description ?? `Starts SageMaker pipeline ${this.node.path} on new objects in a bucket`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [options.bucket.bucketName] },
          ...(options.prefix ? { object: { key: [{ prefix: options.prefix }] } } : {}),
        },
      },
    });
    rule.addTarget(new SageMakerPipelineTarget(this, {
      parameters: options.parameters,
      role: options.role,
      deadLetterQueue: options.deadLetterQueue,
      retryAttempts: options.retryAttempts,
      maxEventAge: options.maxEventAge,
    }));
    return rule;
  }

  private eventRule(id: string, detailType: string, options: events.OnEventOptions): events.Rule {
    const rule = new events.Rule(this, id, options);
    rule.addEventPattern({
      source: ['aws.sagemaker'],
      detailType: [detailType],
      detail: { pipelineArn: [this.pipelineArn] },
    });
    if (options.target) rule.addTarget(options.target);
    return rule;
  }
}

/**
 * A schedule of the pipeline.
 */
export interface PipelineScheduleOptions extends SageMakerPipelineTargetProps {
  /** When to start, e.g. `ScheduleExpression.rate(Duration.days(7))`. */
  readonly schedule: scheduler.ScheduleExpression;
  /**
   * A description.
   * @default - names the pipeline
   */
  readonly description?: string;
  /**
   * Whether the schedule is on.
   * @default true
   */
  readonly enabled?: boolean;
}

/**
 * New data that starts the pipeline. Its `parameters` are fixed values: EventBridge passes a
 * rule's SageMaker pipeline parameters as written, so the new object's key or URI cannot be one
 * of them (an `events.EventField` fails synthesis); the pipeline reads the data under the prefix.
 */
export interface NewDataTriggerOptions extends SageMakerPipelineTargetProps {
  /** The bucket; it must send events to EventBridge (`eventBridgeEnabled: true`). */
  readonly bucket: s3.IBucket;
  /**
   * Only objects under this key prefix.
   * @default - any object of the bucket
   */
  readonly prefix?: string;
  /**
   * A description of the rule.
   * @default - names the pipeline
   */
  readonly description?: string;
}

/**
 * Props of a model-build pipeline.
 */
export interface ModelBuildPipelineProps {
  /** The definition: built with the DSL or imported from the SageMaker Python SDK's JSON. */
  readonly definition: PipelineDefinition;
  /**
   * The pipeline's name.
   * @default - derived from the construct path
   */
  readonly pipelineName?: string;
  /**
   * The name shown in SageMaker Studio.
   * @default - the pipeline's name
   */
  readonly displayName?: string;
  /**
   * A description.
   * @default - none
   */
  readonly description?: string;
  /**
   * The role the pipeline runs as. The permissions the steps need are added to it if it is mutable.
   * @default - a new role with exactly the permissions derived from the steps
   */
  readonly role?: iam.IRole;
  /**
   * The group RegisterModel steps register into; the role may register there.
   * @default - none: groups named in the steps get register permissions by name
   */
  readonly modelPackageGroup?: IModelPackageGroup;
  /**
   * Roles the steps pass to SageMaker besides those named in the definition (needed when a step's
   * role is a pipeline parameter).
   * @default - only the roles named in the definition
   */
  readonly jobRoles?: iam.IRole[];
  /**
   * Buckets the pipeline itself reads (property files) and their KMS keys. Give the buckets of
   * KMS-encrypted property files here so the role may decrypt them.
   * @default - only the property files' objects, by name
   */
  readonly dataBuckets?: s3.IBucket[];
  /**
   * KMS keys the steps' jobs encrypt volumes and outputs with (`VolumeKmsKeyId`, `KmsKeyId`):
   * SageMaker creates grants on them as the pipeline's role when it starts the jobs.
   * @default - none
   */
  readonly jobEncryptionKeys?: kms.IKey[];
  /**
   * Steps of one execution that run at once at most.
   * @default - SageMaker's default (50)
   */
  readonly maxParallelExecutionSteps?: number;
  /**
   * Definitions longer than this (characters of JSON) are uploaded as an S3 asset
   * (`PipelineDefinitionS3Location`) instead of inlined in the template, which is limited to 1 MB.
   * @default 100000
   */
  readonly inlineDefinitionLimit?: number;
}

const NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/;

/**
 * A SageMaker Pipeline (`AWS::SageMaker::Pipeline`) from a definition, with an execution role
 * whose permissions are derived from the steps: the job APIs they use on job ARNs of this
 * account, `iam:PassRole` on their roles (to SageMaker only), registering into the model package
 * group, the functions, queues, clusters and property files they touch. Never
 * `AmazonSageMakerFullAccess` nor `sagemaker:*`.
 *
 * A definition too large to inline goes to S3 by itself. Triggers: `addSchedule`, `onNewData`,
 * or any rule with `SageMakerPipelineTarget`.
 */
export class ModelBuildPipeline extends ModelBuildPipelineBase {
  /** A pipeline made elsewhere, by name. */
  public static fromPipelineName(scope: Construct, id: string, pipelineName: string): IModelBuildPipeline {
    class Import extends ModelBuildPipelineBase {
      public readonly pipelineName = pipelineName;
      public readonly pipelineArn = pipelineArnOf(Stack.of(scope), pipelineName);
    }
    return new Import(scope, id);
  }

  public readonly pipelineName: string;
  public readonly pipelineArn: string;
  /** The role the pipeline runs as. */
  public readonly role: iam.IRole;
  /** The pipeline resource. */
  public readonly resource: sagemaker.CfnPipeline;
  /** The definition. */
  public readonly definition: PipelineDefinition;
  /** The S3 asset holding the definition, when it was too large to inline. */
  public readonly definitionAsset?: s3assets.Asset;

  constructor(scope: Construct, id: string, props: ModelBuildPipelineProps) {
    super(scope, id);
    const problems: string[] = [];
    // Lower case by default: SageMaker reports pipeline ARNs in lower case.
    const name = props.pipelineName ?? Names.uniqueResourceName(this, { maxLength: 80, separator: '-', allowedSpecialCharacters: '-' }).replace(/^-+|-+$/g, '').toLowerCase();
    if (!Token.isUnresolved(name) && !NAME_PATTERN.test(name)) problems.push(`pipeline name '${name}' must be 1 to 256 letters, digits and single-separated hyphens`);
    if (props.displayName !== undefined && !Token.isUnresolved(props.displayName) && !NAME_PATTERN.test(props.displayName)) {
      problems.push(`display name '${props.displayName}' must be letters, digits and hyphens`);
    }
    if (props.description !== undefined && !Token.isUnresolved(props.description) && props.description.length > 3072) {
      problems.push(`description is ${props.description.length} characters, more than 3072`);
    }
    if (props.maxParallelExecutionSteps !== undefined && !Token.isUnresolved(props.maxParallelExecutionSteps)
      && (!Number.isInteger(props.maxParallelExecutionSteps) || props.maxParallelExecutionSteps < 1)) {
      problems.push(`maxParallelExecutionSteps ${props.maxParallelExecutionSteps} must be a whole number of at least 1`);
    }
    const limit = props.inlineDefinitionLimit ?? 100_000;
    if (!Number.isInteger(limit) || limit < 1) problems.push(`inlineDefinitionLimit ${limit} must be a whole number of at least 1`);

    let json: any;
    try {
      json = props.definition.toJson();
    } catch (e) {
      problems.push((e as Error).message);
    }
    const stack = Stack.of(this);
    const derived = json ? derivePermissions(stack, json) : undefined;
    if (derived) {
      if (derived.runTimeGroup && !props.modelPackageGroup) {
        problems.push('a step registers into a model package group given at run time; pass modelPackageGroup so the role may register there');
      }
      if (derived.runTimeBaselineGroup && !props.modelPackageGroup) {
        problems.push('a check step reads the baselines of a model package group given at run time; pass modelPackageGroup so the role may read them');
      }
      if (derived.underivable.length > 0 && !props.role) {
        problems.push(`the role cannot be derived for ${derived.underivable.join('; ')}; pass a role of your own (role) that can run these steps`);
      }
      if (derived.runTimeRoleSteps.length > 0 && (props.jobRoles ?? []).length === 0) {
        problems.push(`steps ${derived.runTimeRoleSteps.map((s) => `'${s}'`).join(', ')} pass a role given at run time; pass jobRoles so the role may pass them`);
      }
      if (derived.unknownPropertyFileBuckets.length > 0 && (props.dataBuckets ?? []).length === 0) {
        problems.push(`property files ${derived.unknownPropertyFileBuckets.join(', ')} are written where the bucket is known only at run time; pass dataBuckets so the role may read them`);
      }
    }
    if (problems.length > 0) {
      throw new Error(`ModelBuildPipeline ${this.node.path}: ${problems.join('; ')}`);
    }

    this.definition = props.definition;
    this.pipelineName = name;
    this.pipelineArn = pipelineArnOf(stack, name);

    this.role = props.role ?? new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: `Execution role of SageMaker pipeline ${this.node.path}`,
    });
    for (const statement of derived!.statements) this.role.addToPrincipalPolicy(statement);
    const passed = [...derived!.passedRoleArns, ...(props.jobRoles ?? []).map((r) => r.roleArn)];
    if (passed.length > 0) {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [...new Set(passed)],
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }));
    }
    this.grantModelPackageGroups(derived!.modelPackageGroupNames, derived!.runTimeGroup, props.modelPackageGroup, true);
    this.grantModelPackageGroups(derived!.baselineGroupNames, derived!.runTimeBaselineGroup, props.modelPackageGroup, false);
    grantJobNetworking(this, json, props.jobRoles ?? []);
    for (const bucket of props.dataBuckets ?? []) bucket.grantRead(this.role);
    for (const key of props.jobEncryptionKeys ?? []) {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:DescribeKey'], resources: [key.keyArn] }));
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['kms:CreateGrant'],
        resources: [key.keyArn],
        conditions: { Bool: { 'kms:GrantIsForAWSResource': true } },
      }));
    }
    const rendered = JSON.stringify(json);
    let pipelineDefinition: any;
    if (rendered.length <= limit) {
      pipelineDefinition = { PipelineDefinitionBody: stack.toJsonString(json) };
    } else {
      if (Token.isUnresolved(rendered)) {
        throw new Error(`ModelBuildPipeline ${this.node.path}: the definition is ${rendered.length} characters, more than inlineDefinitionLimit ${limit}, and holds values known only at deploy time (e.g. ARNs of resources of this app); an S3 asset cannot hold them: pass them as pipeline parameters or literals, or raise inlineDefinitionLimit`);
      }
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-definition-'));
      const file = path.join(dir, 'definition.json');
      fs.writeFileSync(file, rendered);
      this.definitionAsset = new s3assets.Asset(this, 'Definition', { path: file });
      this.definitionAsset.grantRead(this.role);
      pipelineDefinition = { PipelineDefinitionS3Location: { Bucket: this.definitionAsset.s3BucketName, Key: this.definitionAsset.s3ObjectKey } };
    }

    this.resource = new sagemaker.CfnPipeline(this, 'Resource', {
      pipelineName: name,
      pipelineDisplayName: props.displayName,
      pipelineDescription: props.description,
      roleArn: this.role.roleArn,
      pipelineDefinition,
      parallelismConfiguration: props.maxParallelExecutionSteps !== undefined ? { MaxParallelExecutionSteps: props.maxParallelExecutionSteps } : undefined,
    });
    this.resource.node.addDependency(this.role);
    if (!props.role) this.waiveWildcards(derived!);

    // The role and the template were derived from the definition as it was here: a step added
    // or changed later (addDependsOn) would run without its permissions, so say so at synth.
    this.node.addValidation({
      validate: () => {
        const problems = props.definition.validate();
        if (problems.length > 0) return [`invalid pipeline definition: ${problems.join('; ')}`];
        return JSON.stringify(props.definition.toJson()) === rendered
          ? []
          : ['the definition changed after the pipeline was created; create the ModelBuildPipeline once the definition is complete'];
      },
    });
  }

  /**
   * Lets the role register into (or, for check steps, read the baselines of) the groups the
   * steps name: through the group passed in when it is that group, by name otherwise.
   */
  private grantModelPackageGroups(names: string[], runTimeGroup: boolean, group: IModelPackageGroup | undefined, register: boolean): void {
    const others = names.filter((n) => n !== group?.modelPackageGroupName);
    if (group && (runTimeGroup || others.length < names.length)) {
      if (register) group.grantRegister(this.role);
      else group.grantRead(this.role);
    }
    if (others.length === 0) return;
    const stack = Stack.of(this);
    const read = ['sagemaker:DescribeModelPackage', 'sagemaker:DescribeModelPackageGroup', 'sagemaker:ListModelPackages'];
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: register ? ['sagemaker:CreateModelPackage', ...read, 'sagemaker:AddTags'] : read,
      resources: others.flatMap((g) => [
        stack.formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: g }),
        stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${g}/*` }),
      ]),
    }));
  }

  /**
   * Acknowledges, one by one, the wildcards of the derived permissions, each with its reason.
   */
  private waiveWildcards(derived: DerivedPermissions): void {
    const policy = this.role.node.tryFindChild('Permissions') as iam.ManagedPolicy | undefined;
    if (!policy) return;
    const stack = Stack.of(this);
    const statements: any[] = stack.resolve(policy.document.toJSON())?.Statement ?? [];
    const list = (v: any) => (Array.isArray(v) ? v : [v]);
    // Wildcards the derivation explains itself (EMR, EMR Serverless, AutoML), by reason.
    const explained = new Map<string, string>();
    for (const w of derived.wildcardReasons) {
      const name = nagResourceName(stack, w.resource);
      const known = explained.get(name);
      if (known === undefined) explained.set(name, w.reason);
      else if (!known.includes(w.reason)) explained.set(name, `${known}; ${w.reason}`);
    }
    const byReason = new Map<string, Set<string>>();
    const runTimeNames: string[] = [];
    const objects: string[] = [];
    const actions = new Set<string>();
    for (const statement of statements) {
      for (const action of list(statement.Action)) if (String(action).endsWith('*')) actions.add(action);
      for (const resource of list(statement.Resource)) {
        const name = nagResourceName(stack, resource);
        if (!name.endsWith('*')) continue;
        const reason = explained.get(name);
        if (reason) byReason.set(reason, new Set([...(byReason.get(reason) ?? []), name]));
        else if (name.includes(':sagemaker:')) runTimeNames.push(name);
        else objects.push(name);
      }
    }
    for (const [reason, names] of byReason) {
      waive(policy, { rules: [...names].map((r) => `AwsSolutions-IAM5[Resource::${r}]`), reason });
    }
    if (runTimeNames.length > 0) {
      waive(policy, {
        rules: runTimeNames.map((r) => `AwsSolutions-IAM5[Resource::${r}]`),
        reason: 'SageMaker Pipelines names the jobs, models, model packages and experiment entities it creates at run time (pipelines-<execution id>-<step>), so permissions name this account and region, the resource type and a name wildcard',
      });
    }
    if (objects.length > 0) {
      waive(policy, {
        rules: objects.map((r) => `AwsSolutions-IAM5[Resource::${r}]`),
        reason: 'the pipeline reads property files and data objects its jobs write under run-time keys (the execution id is part of the key), and its definition asset; access is limited to the named buckets',
      });
    }
    if (actions.size > 0) {
      waive(policy, {
        rules: [...actions].map((a) => `AwsSolutions-IAM5[Action::${a}]`),
        reason: 'these are the read-only S3 and KMS action groups of bucket.grantRead (GetObject*, GetBucket*, List*, kms:Decrypt); they allow no write or delete',
      });
    }
  }
}

/**
 * The pipeline's ARN: SageMaker writes pipeline names in ARNs in lower case.
 */
function pipelineArnOf(stack: Stack, name: string): string {
  return stack.formatArn({
    service: 'sagemaker',
    resource: 'pipeline',
    resourceName: Token.isUnresolved(name) ? name : name.toLowerCase(),
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/**
 * Pipeline parameters that would reach the pipeline as the text of an event path. aws-cdk-lib
 * substitutes an `EventField` only in a rule target's input (`RuleTargetInput`, rendered as an
 * `InputTransformer`); anywhere else it resolves to its path. EventBridge has no input path for a
 * rule's `SageMakerPipelineParameters` (botocore events 2015-10-07: `SageMakerPipelineParameter`
 * is a `Name` and a `Value` string, `Value` at most 1024 characters, documented as the "value of
 * parameter to start execution"); only EventBridge Pipes resolves JSON paths in a SageMaker
 * pipeline target's parameters ("dynamic path parameters", EventBridge User Guide,
 * eb-pipes-event-target), and a pipe cannot read S3 events.
 */
function eventFieldProblems(parameters?: { [name: string]: string }): string[] {
  const eventField = Symbol.for('@aws-cdk/aws-events.EventField');
  return Object.entries(parameters ?? {}).flatMap(([name, value]) => {
    if (typeof value !== 'string') return [];
    const fields = Tokenization.reverseString(value).tokens.filter((t) => eventField in t) as Array<{ path?: string }>;
    const literalPath = fields.length === 0 && /^\$\.[A-Za-z0-9_.\-[\]*]+$/.test(value);
    if (fields.length === 0 && !literalPath) return [];
    const path = fields.length > 0 ? fields.map((f) => f.path).join(', ') : value;
    return [`parameters.${name} is the event path ${path}, which EventBridge passes to the pipeline as that text, not the event's value: `
      + 'a rule\'s SageMakerPipelineParameters are fixed values (SageMakerPipelineParameter Name and Value in the EventBridge API), '
      + 'so give a fixed value, let the pipeline read the data under the prefix (such as a parameter whose default is the prefix\'s S3 URI), '
      + 'or start the pipeline from a function on the rule that passes the object\'s key to StartPipelineExecution'];
  });
}

function parameterProblems(parameters?: { [name: string]: string }): string[] {
  const entries = Object.entries(parameters ?? {});
  const problems: string[] = [];
  if (entries.length > 200) problems.push(`${entries.length} pipeline parameters, more than 200`);
  for (const [name] of entries) {
    if (!Token.isUnresolved(name) && !/^[A-Za-z0-9\-_]{1,256}$/.test(name)) problems.push(`pipeline parameter name '${name}' is not 1 to 256 letters, digits, - or _`);
  }
  return problems;
}
