import { Resource } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * A role of another account, named by ARN, that resource policies of this app name through its
 * account with an `aws:PrincipalArn` condition rather than as a principal.
 *
 * KMS and S3 reject a policy whose principal does not exist yet (KMS answers
 * `MalformedPolicyDocumentException`, "Policy contains a statement with one or more invalid
 * principals": https://repost.aws/knowledge-center/kms-policy-error-invalid-principals), and a
 * principal that is deleted and created again is not the one the policy names. The roles of the
 * staging and production accounts are created by stacks deployed after the tooling stack whose key
 * and artifact bucket admit them, so the tooling stack names their account and the role's ARN in a
 * condition: the account principal always exists, and the condition follows the role by name.
 *
 * Grants made to this role (CodePipeline's cross-account grants on the artifact bucket and its key)
 * land in those resource policies; its own permissions are defined where the role is created.
 */
export class CrossAccountRoleReference extends Resource implements iam.IRole {
  public readonly roleArn: string;
  public readonly roleName: string;
  public readonly assumeRoleAction = 'sts:AssumeRole';
  public readonly grantPrincipal: iam.IPrincipal = this;
  public readonly principalAccount: string;
  public readonly policyFragment: iam.PrincipalPolicyFragment;

  constructor(scope: Construct, id: string, account: string, roleName: string) {
    super(scope, id, { account });
    this.roleName = roleName;
    this.roleArn = `arn:${this.stack.partition}:iam::${account}:role/${roleName}`;
    this.principalAccount = account;
    this.policyFragment = new iam.AccountPrincipal(account)
      .withConditions({ ArnEquals: { 'aws:PrincipalArn': this.roleArn } })
      .policyFragment;
  }

  public get roleRef(): iam.RoleReference {
    return { roleArn: this.roleArn, roleName: this.roleName };
  }

  public addToPolicy(statement: iam.PolicyStatement): boolean {
    return this.addToPrincipalPolicy(statement).statementAdded;
  }

  public addToPrincipalPolicy(_statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    return { statementAdded: false };
  }

  public attachInlinePolicy(_policy: iam.Policy): void {
    // The role's own policies are defined in its account.
  }

  public addManagedPolicy(_policy: iam.IManagedPolicy): void {
    // The role's own policies are defined in its account.
  }

  public grant(grantee: iam.IPrincipal, ...actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.roleArn] });
  }

  public grantPassRole(grantee: iam.IPrincipal): iam.Grant {
    return this.grant(grantee, 'iam:PassRole');
  }

  public grantAssumeRole(grantee: iam.IPrincipal): iam.Grant {
    return this.grant(grantee, 'sts:AssumeRole');
  }
}
