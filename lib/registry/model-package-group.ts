import { Arn, ArnFormat, IResource, Lazy, Names, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { modelPackageStateChangePattern } from './private/model-package-events';
import { nagResourceName, waive } from '../private/compliance';

/**
 * A SageMaker model package group: the registry of one model's versions.
 */
export interface IModelPackageGroup extends IResource {
  /**
   * The name of the model package group.
   *
   * @attribute
   */
  readonly modelPackageGroupName: string;

  /**
   * The ARN of the model package group.
   *
   * @attribute
   */
  readonly modelPackageGroupArn: string;

  /**
   * Grants describing and listing the group and its model packages.
   */
  grantRead(grantee: iam.IGrantable): iam.Grant;

  /**
   * Grants registering new model packages (versions) into the group.
   */
  grantRegister(grantee: iam.IGrantable): iam.Grant;

  /**
   * Grants changing the approval status of the group's model packages.
   */
  grantApprove(grantee: iam.IGrantable): iam.Grant;

  /**
   * The ARN of one model package (version) of this group,
   * `arn:<partition>:sagemaker:<region>:<account>:model-package/<group>/<version>`.
   *
   * Pass `'*'` for the pattern matching every version of the group.
   */
  modelPackageArn(version: string): string;

  /**
   * An EventBridge rule on every "SageMaker Model Package State Change" of this group's packages.
   */
  onStateChange(id: string, options?: events.OnEventOptions): events.Rule;

  /**
   * An EventBridge rule on this group's packages becoming `Approved`.
   *
   * SageMaker sends the event on every change of a package whose status is `Approved`
   * (a description edit too), and events arrive late and out of order: a target should check
   * the package's current status before acting on it.
   */
  onApproved(id: string, options?: events.OnEventOptions): events.Rule;
}

/** Valid model package group names: `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`. */
const GROUP_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const ACCOUNT_ID = /^\d{12}$/;
const MAX_DESCRIPTION_LENGTH = 1024;

abstract class ModelPackageGroupBase extends Resource implements IModelPackageGroup {
  public abstract readonly modelPackageGroupName: string;
  public abstract readonly modelPackageGroupArn: string;

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:DescribeModelPackageGroup'],
      resourceArns: [this.modelPackageGroupArn],
    }).combine(this.grantOnPackages(grantee, ['sagemaker:DescribeModelPackage']));
    // ListModelPackages has no resource type in IAM: an identity policy must name `*` for it.
    // It lists names and statuses only; describing a package still needs the statement above.
    return grant.combine(iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:ListModelPackages'],
      resourceArns: ['*'],
    }));
  }

  public grantRegister(grantee: iam.IGrantable): iam.Grant {
    // AddTags: CreateModelPackage with tags (SageMaker Pipelines' RegisterModel passes them) needs it.
    return this.grantOnPackages(grantee, ['sagemaker:CreateModelPackage']).combine(this.grantOnPackages(grantee, ['sagemaker:AddTags'])).combine(iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:DescribeModelPackageGroup'],
      resourceArns: [this.modelPackageGroupArn],
    }));
  }

  public grantApprove(grantee: iam.IGrantable): iam.Grant {
    return this.grantOnPackages(grantee, ['sagemaker:UpdateModelPackage']);
  }

  /**
   * Grants actions on every version of this group, `model-package/<group>/*`. The wildcard is
   * what a version ARN is (versions are created after deployment), so its cdk-nag finding is
   * acknowledged on the grantee, naming exactly this pattern.
   */
  private grantOnPackages(grantee: iam.IGrantable, actions: string[]): iam.Grant {
    const packages = this.modelPackageArn('*');
    const grant = iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [packages] });
    const principal = grantee.grantPrincipal;
    if (grant.principalStatement && Construct.isConstruct(principal)) {
      waive(principal, {
        rules: [`AwsSolutions-IAM5[Resource::${nagResourceName(Stack.of(principal), packages)}]`],
        reason: `model package versions are created after deployment; the pattern names the versions of group ${this.modelPackageGroupName} only`,
      });
    }
    return grant;
  }

  public modelPackageArn(version: string): string {
    return Stack.of(this).formatArn({
      service: 'sagemaker',
      region: this.env.region,
      account: this.env.account,
      resource: 'model-package',
      resourceName: `${this.modelPackageGroupName}/${version}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  public onStateChange(id: string, options: events.OnEventOptions = {}): events.Rule {
    const rule = new events.Rule(this, id, options);
    rule.addEventPattern(modelPackageStateChangePattern(this.modelPackageGroupName, false));
    rule.addTarget(options.target);
    return rule;
  }

  public onApproved(id: string, options: events.OnEventOptions = {}): events.Rule {
    const rule = new events.Rule(this, id, options);
    rule.addEventPattern(modelPackageStateChangePattern(this.modelPackageGroupName, true));
    rule.addTarget(options.target);
    return rule;
  }
}

/**
 * Properties of a `ModelPackageGroup`.
 */
export interface ModelPackageGroupProps {
  /**
   * Name of the model package group (1 to 63 letters, digits and hyphens, starting and ending
   * with a letter or digit). Replacing the name replaces the group and loses its versions.
   *
   * @default - a name generated from the construct path
   */
  readonly modelPackageGroupName?: string;

  /**
   * What the models of this group are for, shown in SageMaker Studio. Changing it replaces the
   * group (a CloudFormation limitation of `AWS::SageMaker::ModelPackageGroup`).
   *
   * @default - no description
   */
  readonly description?: string;

  /**
   * Accounts (staging, production) that may describe and list this group and its model
   * packages through the group's resource policy, to deploy them. Read-only: they can neither
   * register nor approve. Exactly these accounts, never `*`; a role in one of them also needs
   * `grantRead` (or the same actions) in its own identity policy.
   *
   * @default - not shared with other accounts
   */
  readonly sharedWithAccounts?: string[];

  /**
   * What happens to the group when it is removed from the stack. SageMaker refuses to delete a
   * group that still holds model packages.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A SageMaker model package group (`AWS::SageMaker::ModelPackageGroup`): the registry where a
 * build pipeline registers each trained model as a new version, reviewers approve or reject
 * versions, and approval events start promotion. Shared read-only with the accounts that deploy
 * its models through the group's resource policy. A group costs nothing by itself.
 */
export class ModelPackageGroup extends ModelPackageGroupBase {
  /**
   * Imports a group of this account and region by name.
   */
  public static fromModelPackageGroupName(scope: Construct, id: string, modelPackageGroupName: string): IModelPackageGroup {
    validateGroupName(`ModelPackageGroup.fromModelPackageGroupName ${scope.node.path}/${id}`, modelPackageGroupName);
    class Import extends ModelPackageGroupBase {
      public readonly modelPackageGroupName = modelPackageGroupName;
      public readonly modelPackageGroupArn = Stack.of(scope).formatArn({
        service: 'sagemaker',
        resource: 'model-package-group',
        resourceName: modelPackageGroupName,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
    }
    return new Import(scope, id);
  }

  /**
   * Imports a group by ARN, possibly of another account or region
   * (`arn:<partition>:sagemaker:<region>:<account>:model-package-group/<name>`).
   */
  public static fromModelPackageGroupArn(scope: Construct, id: string, modelPackageGroupArn: string): IModelPackageGroup {
    const parts = Arn.split(modelPackageGroupArn, ArnFormat.SLASH_RESOURCE_NAME);
    if (!Token.isUnresolved(modelPackageGroupArn)) {
      if (parts.service !== 'sagemaker' || parts.resource !== 'model-package-group' || !parts.resourceName) {
        throw new Error(`ModelPackageGroup.fromModelPackageGroupArn ${scope.node.path}/${id}: expected an arn of the form arn:<partition>:sagemaker:<region>:<account>:model-package-group/<name>, got '${modelPackageGroupArn}'`);
      }
      validateGroupName(`ModelPackageGroup.fromModelPackageGroupArn ${scope.node.path}/${id}`, parts.resourceName);
    }
    class Import extends ModelPackageGroupBase {
      public readonly modelPackageGroupName = parts.resourceName!;
      public readonly modelPackageGroupArn = modelPackageGroupArn;
    }
    return new Import(scope, id, { environmentFromArn: modelPackageGroupArn });
  }

  public readonly modelPackageGroupName: string;
  public readonly modelPackageGroupArn: string;

  /** The underlying CloudFormation resource. */
  public readonly resource: sagemaker.CfnModelPackageGroup;

  /**
   * The group's resource policy. Statements added to it (by `shareWithAccounts` or
   * `addToResourcePolicy`) render into `ModelPackageGroupPolicy`.
   */
  public readonly resourcePolicy: iam.PolicyDocument;

  private readonly sharedAccounts: string[] = [];

  constructor(scope: Construct, id: string, props: ModelPackageGroupProps = {}) {
    super(scope, id, {
      physicalName: props.modelPackageGroupName,
    });
    const problems: string[] = [];
    const name = props.modelPackageGroupName ?? Names.uniqueResourceName(this, { maxLength: 63, separator: '-' }).replace(/[^a-zA-Z0-9-]/g, '');
    if (!Token.isUnresolved(name) && !GROUP_NAME.test(name)) {
      problems.push(`modelPackageGroupName must be 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit, got '${name}'`);
    }
    if (props.description !== undefined && !Token.isUnresolved(props.description) && props.description.length > MAX_DESCRIPTION_LENGTH) {
      problems.push(`description must be at most ${MAX_DESCRIPTION_LENGTH} characters, got ${props.description.length}`);
    }
    problems.push(...accountProblems(props.sharedWithAccounts ?? []));
    if (problems.length > 0) {
      throw new Error(`ModelPackageGroup ${this.node.path}: ${problems.join('; ')}`);
    }

    this.resourcePolicy = new iam.PolicyDocument();
    this.resource = new sagemaker.CfnModelPackageGroup(this, 'Resource', {
      modelPackageGroupName: name,
      modelPackageGroupDescription: props.description,
      modelPackageGroupPolicy: Lazy.any({ produce: () => (this.resourcePolicy.isEmpty ? undefined : this.resourcePolicy) }),
    });
    this.resource.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);

    this.modelPackageGroupName = name;
    // Built from the name, not `Ref`: the resource policy names the group's own ARN, and a `Ref`
    // to the resource inside its own properties would be a circular dependency.
    this.modelPackageGroupArn = Stack.of(this).formatArn({
      service: 'sagemaker',
      resource: 'model-package-group',
      resourceName: name,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

    this.shareWithAccounts(props.sharedWithAccounts ?? []);
  }

  /**
   * Lets these accounts describe and list the group and its model packages, read-only, through
   * the group's resource policy: `DescribeModelPackageGroup` on the group,
   * `DescribeModelPackage` and `ListModelPackages` on its packages. The group's own account
   * needs no sharing and is skipped.
   */
  public shareWithAccounts(accounts: string[]): void {
    const problems = accountProblems(accounts);
    if (problems.length > 0) {
      throw new Error(`ModelPackageGroup ${this.node.path}: ${problems.join('; ')}`);
    }
    const own = Stack.of(this).account;
    const added = [...new Set(accounts)].filter((account) => {
      const isOwn = !Token.isUnresolved(account) && !Token.isUnresolved(own) && account === own;
      return !isOwn && !this.sharedAccounts.includes(account);
    });
    if (added.length === 0) {
      return;
    }
    this.sharedAccounts.push(...added);
    const principals = added.map((account) => new iam.AccountPrincipal(account));
    this.resourcePolicy.addStatements(
      new iam.PolicyStatement({
        principals,
        actions: ['sagemaker:DescribeModelPackageGroup'],
        resources: [this.modelPackageGroupArn],
      }),
      new iam.PolicyStatement({
        principals,
        actions: ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages'],
        resources: [this.modelPackageArn('*')],
      }),
    );
  }

  /**
   * The accounts this group is shared with (read-only).
   */
  public get sharedWithAccounts(): string[] {
    return [...this.sharedAccounts];
  }

  /**
   * Adds a statement to the group's resource policy: an escape hatch for access
   * `shareWithAccounts` does not give (say, another account registering versions).
   */
  public addToResourcePolicy(statement: iam.PolicyStatement): iam.AddToResourcePolicyResult {
    this.resourcePolicy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.resource };
  }
}

function validateGroupName(where: string, name: string): void {
  if (!Token.isUnresolved(name) && !GROUP_NAME.test(name)) {
    throw new Error(`${where}: model package group name must be 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit, got '${name}'`);
  }
}

function accountProblems(accounts: string[]): string[] {
  const bad = accounts.filter((a) => !Token.isUnresolved(a) && !ACCOUNT_ID.test(a));
  return bad.length > 0 ? [`shared accounts must be 12-digit account ids, got ${bad.map((b) => `'${b}'`).join(', ')}`] : [];
}
