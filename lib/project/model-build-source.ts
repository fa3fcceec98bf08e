import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as cpactions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { granteeInto } from '../network/network-interface-grants';
import { ServiceEndpoint } from '../network/service-endpoint';
import { ServiceUsage } from '../network/service-usage';
import { IWorkloadNetwork, NetworkInterfaceUser } from '../network/workload-network';
import { IModelBuildPipeline } from '../pipeline/model-build-pipeline';
import { acknowledgeSourceCondition, CODEPIPELINE_TRUST_REASON, nagResourceName, waive } from '../private/compliance';
import { createEncryptionKey } from '../private/encryption-key';
import { ManagedPolicyRole } from '../private/managed-policy-role';
import { createSecureBucket } from '../private/secure-bucket';

/**
 * Options of a repository reached through an AWS CodeConnections connection.
 */
export interface CodeConnectionRepositoryOptions {
  /**
   * ARN of the connection (GitHub, GitLab, Bitbucket), created and authorized beforehand in the
   * console: `arn:aws:codeconnections:<region>:<account>:connection/<id>`. Its region need not be
   * the tooling region: a connection is a global resource, usable in every region, and the region
   * in its ARN is only where it is managed (Developer Tools console guide, "Global resources in
   * AWS CodeConnections"). A connection to a host (GitHub Enterprise Server, GitLab self-managed)
   * needs the host in the tooling region: hosts are used only in the region they were created in.
   */
  readonly connectionArn: string;

  /**
   * The repository's owner (user, organization or group).
   */
  readonly owner: string;

  /**
   * The repository's name.
   */
  readonly repository: string;

  /**
   * The branch whose pushes run the build.
   *
   * @default 'main'
   */
  readonly branch?: string;
}

/**
 * Options of an AWS CodeCommit repository.
 */
export interface CodeCommitRepositoryOptions {
  /**
   * The repository.
   */
  readonly repository: codecommit.IRepository;

  /**
   * The branch whose pushes run the build.
   *
   * @default 'main'
   */
  readonly branch?: string;
}

/**
 * What a `SourceRepository` is given when a `ModelBuildSource` binds it.
 */
export interface SourceRepositoryBindOptions {
  /**
   * The artifact the source action writes: the repository's files at the pushed commit, which
   * the build step reads.
   */
  readonly output: codepipeline.Artifact;

  /**
   * The role of the source pipeline. Give it to the action (its `role`) so the pipeline needs
   * no role per action.
   */
  readonly role: iam.IRole;
}

/**
 * What a `SourceRepository` gives the `ModelBuildSource` that binds it.
 */
export interface SourceRepositoryConfig {
  /**
   * The source action: writes `output` and starts the pipeline on each push to the branch.
   */
  readonly action: codepipeline.IAction;

  /**
   * The repository and branch, for people (it goes into the build project's description), for
   * example `acme/churn-model@main`.
   */
  readonly description: string;
}

/**
 * Where a project's model-build code lives: a repository behind a CodeConnections connection,
 * a CodeCommit repository, or a source of your own.
 *
 * To write your own, in any jsii language, subclass it and implement `bind()`, returning the
 * CodePipeline source action that writes the given artifact.
 *
 * @exampleMetadata fixture=project
 * @example
 * // A source of your own: a zip of the build code, uploaded to S3 by another system.
 * class S3ZipSource extends SourceRepository {
 *   public bind(scope: Construct, options: SourceRepositoryBindOptions): SourceRepositoryConfig {
 *     const bucket = s3.Bucket.fromBucketName(scope, 'BuildCode', 'acme-build-code');
 *     return {
 *       action: new codepipeline_actions.S3SourceAction({
 *         actionName: 'Source',
 *         bucket,
 *         bucketKey: 'churn/build.zip',
 *         output: options.output,
 *         role: options.role,
 *         trigger: codepipeline_actions.S3Trigger.EVENTS,
 *       }),
 *       description: 's3://acme-build-code/churn/build.zip',
 *     };
 *   }
 * }
 *
 * new MlopsProject(app, 'Churn', {
 *   platform,
 *   projectName: 'churn',
 *   smokeTest: { payload: '42,1,0,12,79.5,1' },
 *   modelBuild: ProjectModelBuild.fromDefinition(PipelineDefinition.fromFile('pipeline.json')),
 *   buildRepository: new S3ZipSource(),
 * });
 */
export abstract class SourceRepository {
  /**
   * A GitHub, GitLab or Bitbucket repository, through a CodeConnections connection (the default
   * choice: CodeCommit is closed to new customers).
   */
  public static codeConnection(options: CodeConnectionRepositoryOptions): SourceRepository {
    const problems: string[] = [];
    if (!Token.isUnresolved(options.connectionArn) && !/^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]+$/.test(options.connectionArn)) {
      problems.push(`connectionArn must be a CodeConnections connection ARN, got '${options.connectionArn}'`);
    }
    if (!/^[A-Za-z0-9_.-]+$/.test(options.owner)) problems.push(`owner '${options.owner}' is not a repository owner`);
    if (!/^[A-Za-z0-9_.-]+$/.test(options.repository)) problems.push(`repository '${options.repository}' is not a repository name`);
    if (problems.length > 0) throw new Error(`SourceRepository.codeConnection: ${problems.join('; ')}`);
    return new CodeConnectionSource(options);
  }

  /**
   * An AWS CodeCommit repository.
   */
  public static codeCommit(options: CodeCommitRepositoryOptions): SourceRepository {
    return new CodeCommitSource(options);
  }

  /**
   * Gives the source pipeline its source action. Called once, when a `ModelBuildSource` is
   * constructed.
   *
   * @param scope the `ModelBuildSource` that runs the build
   * @param options the artifact the action writes and the role it runs as
   */
  public abstract bind(scope: Construct, options: SourceRepositoryBindOptions): SourceRepositoryConfig;
}

class CodeConnectionSource extends SourceRepository {
  constructor(private readonly options: CodeConnectionRepositoryOptions) {
    super();
  }

  public bind(scope: Construct, { output }: SourceRepositoryBindOptions): SourceRepositoryConfig {
    // No check of the ARN's region against the stack's: "You only have to create a connection
    // once, and then you can use it in any AWS Region" (Developer Tools console guide,
    // https://docs.aws.amazon.com/dtconsole/latest/userguide/welcome-connections-how-it-works-global.html).
    // Whether it goes through a host, which is regional, the ARN does not tell.
    const branch = this.options.branch ?? 'main';
    return {
      // No role of its own: the source pipeline's role runs its actions (usePipelineRoleForActions).
      action: new ConnectionSourceAction({
        actionName: 'Source',
        connectionArn: inStackPartition(scope, this.options.connectionArn),
        owner: this.options.owner,
        repo: this.options.repository,
        branch,
        output,
        triggerOnPush: true,
      }, connectionActionPrefixes(this.options.connectionArn)),
      description: `${this.options.owner}/${this.options.repository}@${branch}`,
    };
  }
}

/**
 * aws-cdk-lib's connection source action grants `codestar-connections:UseConnection` whatever the
 * connection's ARN. Since the rename to AWS CodeConnections, a connection created with the new
 * prefix has an `arn:<partition>:codeconnections:` ARN, and "when you specify a resource in the
 * IAM policy, the service prefix must match that of the resource" (Developer Tools console
 * guide, "Connections rename": https://docs.aws.amazon.com/dtconsole/latest/userguide/rename.html).
 * This action grants the prefix of the connection's own ARN (both, for an ARN known only at deploy
 * time).
 */
class ConnectionSourceAction extends cpactions.CodeStarConnectionsSourceAction {
  constructor(props: cpactions.CodeStarConnectionsSourceActionProps, private readonly prefixes: string[]) {
    super(props);
  }

  protected bound(scope: Construct, stage: codepipeline.IStage, options: codepipeline.ActionBindOptions): codepipeline.ActionConfig {
    return super.bound(scope, stage, { ...options, role: withConnectionPrefix(options.role, this.prefixes) });
  }
}

/**
 * The connection's ARN with the stack's partition in place of the one written: a connection
 * can only be used in the partition it was created in, and a literal `arn:aws:` would not name
 * it in aws-cn or aws-us-gov.
 */
function inStackPartition(scope: Construct, arn: string): string {
  if (Token.isUnresolved(arn)) return arn;
  const [, , service, region, account, resource] = arn.split(':');
  return `arn:${Stack.of(scope).partition}:${service}:${region}:${account}:${resource}`;
}

/** The prefixes of the IAM actions that apply to a connection ARN. */
function connectionActionPrefixes(connectionArn: string): string[] {
  if (Token.isUnresolved(connectionArn)) return ['codestar-connections', 'codeconnections'];
  return [connectionArn.split(':')[2]];
}

/** The role, with statements on `codestar-connections:` actions rewritten to the connection's own prefix. */
function withConnectionPrefix(role: iam.IRole, prefixes: string[]): iam.IRole {
  const rewrite = (statement: iam.PolicyStatement): iam.PolicyStatement => {
    const json = statement.toStatementJson() as { Action?: string | string[] };
    const actions = ([] as string[]).concat(json.Action ?? []);
    if (!actions.some((a) => a.startsWith('codestar-connections:'))) return statement;
    return new iam.PolicyStatement({
      actions: actions.flatMap((a) => (a.startsWith('codestar-connections:') ? prefixes.map((p) => `${p}:${a.split(':')[1]}`) : [a])),
      resources: statement.resources,
    });
  };
  return new Proxy(role, {
    get(target, property, receiver) {
      if (property === 'addToPolicy' || property === 'addToPrincipalPolicy') {
        return (statement: iam.PolicyStatement) => target.addToPrincipalPolicy(rewrite(statement));
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

class CodeCommitSource extends SourceRepository {
  constructor(private readonly options: CodeCommitRepositoryOptions) {
    super();
  }

  public bind(_scope: Construct, { output }: SourceRepositoryBindOptions): SourceRepositoryConfig {
    const branch = this.options.branch ?? 'main';
    return {
      action: new cpactions.CodeCommitSourceAction({
        actionName: 'Source',
        repository: this.options.repository,
        branch,
        output,
        trigger: cpactions.CodeCommitTrigger.EVENTS,
      }),
      description: `${this.options.repository.repositoryName}@${branch}`,
    };
  }
}

/**
 * Properties of a `ModelBuildSource`.
 */
export interface ModelBuildSourceProps {
  /**
   * The repository of the model-build code.
   */
  readonly repository: SourceRepository;

  /**
   * The SageMaker pipeline a push updates and runs.
   */
  readonly pipeline: IModelBuildPipeline;

  /**
   * The pipeline's execution role, passed to UpdatePipeline.
   */
  readonly pipelineRole: iam.IRole;

  /**
   * Commands that write the pipeline definition (the SageMaker Python SDK's
   * `pipeline.definition()`) to `definitionFile`. They run in the repository's root with
   * `SAGEMAKER_PIPELINE_NAME`, `SAGEMAKER_PIPELINE_ROLE_ARN` and `AWS_REGION` set.
   *
   * @default ['pip install --quiet -r requirements.txt', 'python pipeline.py > pipeline-definition.json']
   */
  readonly buildCommands?: string[];

  /**
   * The file the build commands write.
   *
   * @default 'pipeline-definition.json'
   */
  readonly definitionFile?: string;

  /**
   * Key for the artifacts and logs.
   *
   * @default - a new KMS key with rotation (USD 1 a month)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The network the CodeBuild project runs in. The build reaches S3 (its source artifact),
   * CloudWatch Logs and the SageMaker API through the network's endpoints (declared here) and
   * nothing else: with a network that has no internet path, the build commands cannot download
   * packages from PyPI; point pip at a repository reachable from the VPC (CodeArtifact through
   * its endpoints, or a mirror) or use an image that has them.
   *
   * @default - no VPC: CodeBuild's own network, with internet access
   */
  readonly network?: IWorkloadNetwork;
}

/**
 * Runs a project's model-build code on every push: a CodePipeline (V2) whose source is the
 * project's repository and whose CodeBuild step writes the pipeline definition with the
 * SageMaker Python SDK, updates the SageMaker pipeline with it and starts an execution. The
 * commit id is the execution's client request token: a push runs the pipeline once.
 *
 * The SageMaker pipeline then follows the repository: the definition CloudFormation created is
 * the starting point, and the next `cdk deploy` of the pipeline's stack puts it back.
 */
export class ModelBuildSource extends Construct {
  /** The CodePipeline that runs on pushes. */
  public readonly codePipeline: codepipeline.Pipeline;
  /** The CodeBuild project that updates and starts the SageMaker pipeline. */
  public readonly project: codebuild.PipelineProject;
  /** The role of the CodeBuild project. */
  public readonly buildRole: iam.Role;
  /** The artifact bucket. */
  public readonly artifactBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: ModelBuildSourceProps) {
    super(scope, id);
    const definitionFile = props.definitionFile ?? 'pipeline-definition.json';
    if (!/^[A-Za-z0-9_./-]+$/.test(definitionFile) || definitionFile.startsWith('/') || definitionFile.includes('..')) {
      throw new Error(`ModelBuildSource ${this.node.path}: definitionFile must be a relative path inside the repository, got '${definitionFile}'`);
    }
    const stack = Stack.of(this);
    const key = props.encryptionKey ?? createEncryptionKey(this, 'Key', 'Encrypts the model-build source artifacts and logs');
    this.artifactBucket = createSecureBucket(this, 'Artifacts', {
      encryptionKey: key,
      lifecycleRules: [{ expiration: Duration.days(30), noncurrentVersionExpiration: Duration.days(7) }],
    });
    const logGroup = new logs.LogGroup(this, 'BuildLogs', { encryptionKey: key, retention: logs.RetentionDays.ONE_YEAR });
    // The key encrypts only log groups of this account and region (CloudWatch Logs User Guide,
    // encrypt-log-data-kms: the kms:EncryptionContext:aws:logs:arn condition).
    key.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`, {
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` } },
    }));

    this.buildRole = new ManagedPolicyRole(this, 'BuildRole', {
      // "We recommend that you use the aws:SourceAccount and aws:SourceArn condition keys" (CodeBuild
      // User Guide, setting-up-service-role): CodeBuild projects of this account and region only.
      assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:codebuild:${stack.region}:${stack.account}:project/*` },
        },
      }),
      description: `Updates and starts the SageMaker pipeline ${props.pipeline.node.path} from its repository`,
    });
    this.buildRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'UpdateThePipeline',
      actions: ['sagemaker:DescribePipeline', 'sagemaker:UpdatePipeline'],
      resources: [props.pipeline.pipelineArn],
    }));
    props.pipeline.grantStartExecution(this.buildRole);
    this.buildRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'PassThePipelineRole',
      actions: ['iam:PassRole'],
      resources: [props.pipelineRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    }));

    const pipelineRole = new ManagedPolicyRole(this, 'PipelineRole', {
      assumedBy: new iam.ServicePrincipal('codepipeline.amazonaws.com'),
      description: 'Runs the model-build source pipeline',
    });
    acknowledgeSourceCondition(pipelineRole, 'codepipeline.amazonaws.com', CODEPIPELINE_TRUST_REASON);
    const source = new codepipeline.Artifact('Source');
    const repository = props.repository.bind(this, { output: source, role: pipelineRole });

    const commands = props.buildCommands ?? ['pip install --quiet -r requirements.txt', `python pipeline.py > ${definitionFile}`];
    this.project = new codebuild.PipelineProject(this, 'Build', {
      description: `Writes the pipeline definition from ${repository.description}, updates the SageMaker pipeline and starts it`,
      role: this.buildRole,
      encryptionKey: key,
      environment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0, computeType: codebuild.ComputeType.SMALL, privileged: false },
      logging: { cloudWatch: { logGroup } },
      timeout: Duration.minutes(30),
      environmentVariables: {
        SAGEMAKER_PIPELINE_NAME: { value: props.pipeline.pipelineName },
        SAGEMAKER_PIPELINE_ROLE_ARN: { value: props.pipelineRole.roleArn },
      },
      buildSpec: codebuild.BuildSpec.fromObject({
        version: '0.2',
        phases: {
          build: {
            commands: [
              ...commands,
              `test -s ${definitionFile} || { echo "the build commands wrote no pipeline definition to ${definitionFile}"; exit 1; }`,
              `aws sagemaker update-pipeline --pipeline-name "$SAGEMAKER_PIPELINE_NAME" --role-arn "$SAGEMAKER_PIPELINE_ROLE_ARN" --pipeline-definition "file://${definitionFile}"`,
              // One execution per commit: the commit id is the client request token.
              'aws sagemaker start-pipeline-execution --pipeline-name "$SAGEMAKER_PIPELINE_NAME" --client-request-token "$(echo "$CODEBUILD_RESOLVED_SOURCE_VERSION" | cut -c1-64)" --pipeline-execution-description "push $CODEBUILD_RESOLVED_SOURCE_VERSION"',
            ],
          },
        },
      }),
    });

    if (props.network) {
      // Through the L1 property: aws-cdk's `vpc` option would add an inline policy granting
      // CreateNetworkInterface and DeleteNetworkInterface on every resource.
      (this.project.node.defaultChild as codebuild.CfnProject).vpcConfig = {
        vpcId: props.network.vpcId,
        subnets: props.network.subnetIds,
        securityGroupIds: props.network.securityGroupIds,
      };
      // In a policy of their own: CodeBuild validates the VPC with its role when the project is
      // created, and the role's own policy names the project (a dependency cycle otherwise).
      const networkPolicy = new iam.ManagedPolicy(this, 'BuildNetworkPermissions', {
        description: `Network interfaces of the CodeBuild project of ${this.node.path}`,
        roles: [this.buildRole],
      });
      props.network.grantNetworkInterfaces(granteeInto(this.buildRole, networkPolicy), NetworkInterfaceUser.CODEBUILD);
      this.project.node.addDependency(networkPolicy);
      ServiceUsage.declare(this.project, [ServiceEndpoint.S3, ServiceEndpoint.CLOUDWATCH_LOGS, ServiceEndpoint.SAGEMAKER_API],
        'the build downloads its source artifact from S3, writes its logs and updates and starts the SageMaker pipeline');
    }

    this.codePipeline = new codepipeline.Pipeline(this, 'Resource', {
      pipelineType: codepipeline.PipelineType.V2,
      artifactBucket: this.artifactBucket,
      role: pipelineRole,
      // CodePipeline assumes an action's role with the pipeline role's credentials, and a role
      // trusts only the principals its trust policy names: the pipeline role (trusting
      // codepipeline.amazonaws.com) cannot be every action's role. Without action roles the
      // pipeline role runs the actions itself ("usePipelineRoleForActions"). IAM: a role trusts
      // itself only if its trust policy names it (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-role-trust-policy.html,
      // https://aws.amazon.com/blogs/security/announcing-an-update-to-iam-role-trust-policy-behavior/).
      usePipelineRoleForActions: true,
      restartExecutionOnUpdate: false,
      stages: [
        { stageName: 'Source', actions: [repository.action] },
        { stageName: 'UpdateAndRun', actions: [new cpactions.CodeBuildAction({ actionName: 'UpdateAndStart', project: this.project, input: source })] },
      ],
    });

    const nagName = (r: string) => `AwsSolutions-IAM5[Resource::${nagResourceName(stack, r)}]`;
    waive(this.buildRole, {
      rules: [
        nagName(`arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:/aws/codebuild/${this.project.projectName}:*`),
        nagName(`arn:${stack.partition}:codebuild:${stack.region}:${stack.account}:report-group/${this.project.projectName}-*`),
      ],
      reason: 'CodeBuild grants its project log streams and test report groups, whose names it generates under the project name',
    });
    waive(this.project, {
      rules: ['HIPAA.Security-CodeBuildProjectSourceRepoUrl', 'PCI.DSS.321-CodeBuildProjectSourceRepoUrl'],
      reason: 'the build reads the CodePipeline source artifact; the repository is reached through a CodeConnections connection that authenticates with the provider, and no URL or credential is stored in the project',
    });
    for (const role of [pipelineRole, this.buildRole]) {
      waive(role, {
        rules: ['s3:Abort*', 's3:DeleteObject*', 's3:GetBucket*', 's3:GetObject*', 's3:List*'].map((a) => `AwsSolutions-IAM5[Action::${a}]`)
          .concat(['AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', nagName(this.artifactBucket.arnForObjects('*'))]),
        reason: 'CodePipeline and CodeBuild read and write each execution\'s artifacts under generated keys of this one bucket, encrypted with this one key',
      });
    }
  }
}
