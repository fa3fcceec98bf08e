import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * An IAM role whose permissions live in a customer-managed policy attached to it, not in an
 * inline policy: NIST 800-53, HIPAA and PCI DSS ask for no inline policies, and every grant
 * made to the role (`grantXxx`, `addToPrincipalPolicy`) lands in that managed policy.
 */
export class ManagedPolicyRole extends iam.Role {
  private permissions?: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: iam.RoleProps) {
    super(scope, id, props);
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    if (!this.permissions) {
      // Attached from the policy's side (its Roles list), like CDK's inline default policy, so that
      // a statement naming the role itself (pipelines do) makes no dependency cycle.
      this.permissions = new iam.ManagedPolicy(this, 'Permissions', {
        description: `Permissions of ${this.node.path}`,
        roles: [this],
      });
    }
    this.permissions.addStatements(statement);
    // The policy resource alone: the ManagedPolicy construct's dependency roots include its roles,
    // which would add redundant DependsOn entries to whatever depends on the grant.
    return { statementAdded: true, policyDependable: this.permissions.node.defaultChild! };
  }
}
