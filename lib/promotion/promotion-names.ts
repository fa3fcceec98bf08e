import { Token } from 'aws-cdk-lib';

/**
 * The physical names that tie the tooling account's promotion pipeline to the roles in the
 * staging and production accounts. Trust across accounts is by ARN, and CloudFormation cannot
 * pass a generated name from one account to another, so both sides derive the same names from
 * the project name.
 */
export class PromotionNames {
  /** A project name usable in role, bucket and stack names: 1-32 of a-z, 0-9 and '-'. */
  public static validateProjectName(owner: string, projectName: string): void {
    if (Token.isUnresolved(projectName)) {
      throw new Error(`${owner}: projectName must be a literal string, not a token: it names roles in other accounts`);
    }
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(projectName) || projectName.endsWith('-')) {
      throw new Error(`${owner}: projectName must be 1-32 characters of a-z, 0-9 and '-', starting with a letter, got '${projectName}'`);
    }
  }

  /** The promotion pipeline (CodePipeline names are per account and region). */
  public static pipelineName(projectName: string): string {
    return `mlops-${projectName}-promotion`;
  }

  /** The tooling account's pipeline role, which assumes the deploy roles. */
  public static pipelineRoleName(projectName: string): string {
    return `mlops-${projectName}-promotion`;
  }

  /** The tooling account's smoke-test function role, which assumes the smoke-test role. */
  public static smokeTestCallerRoleName(projectName: string): string {
    return `mlops-${projectName}-smoke-caller`;
  }

  /**
   * The role the pipeline assumes in a target account and region to run CloudFormation there
   * (IAM names are per account: the region keeps two regions of one account apart; at most 60
   * characters).
   */
  public static deployRoleName(projectName: string, region: string): string {
    return `mlops-${projectName}-deploy-${region}`;
  }

  /** The role CloudFormation uses in a target account and region to create the deployment stack (at most 62 characters). */
  public static executionRoleName(projectName: string, region: string): string {
    return `mlops-${projectName}-cfn-exec-${region}`;
  }

  /**
   * Where a stage's long-lived hosting resources (key, buckets, log group, topic) are published in
   * SSM in each account and region that hosts the stage, for its deployment template to read at
   * deploy time: `/mlops/<project>/<stage>`.
   */
  public static hostingParameterPrefix(projectName: string, stage: string): string {
    return `/mlops/${projectName}/${stage}`;
  }

  /** The role the smoke test assumes in the staging account to invoke the endpoint. */
  public static smokeTestRoleName(projectName: string): string {
    return `mlops-${projectName}-smoke-test`;
  }

  /** The alias of the promotion artifact key, which deploy roles may use for decryption. */
  public static artifactKeyAlias(projectName: string): string {
    return `alias/mlops-${projectName}-promotion-artifacts`;
  }

  /** The promotion pipeline's artifact bucket in the tooling account (at most 61 characters). */
  public static artifactBucketName(projectName: string, toolingAccount: string): string {
    return `mlops-${projectName}-promotion-${toolingAccount}`;
  }

  /** The copy of the artifact bucket in another region, for deployments there (at most 63 characters). */
  public static replicationBucketName(projectName: string, toolingAccount: string, region: string): string {
    return `mlops-${projectName}-promo-${toolingAccount}-${region}`.slice(0, 63);
  }

  /** The SSM parameter where the approval handler records the last approved model package. */
  public static approvedModelParameterName(modelPackageGroupName: string): string {
    return `/sagemaker-mlops/${modelPackageGroupName}/approved-model-package`;
  }

  /** `arn:<partition>:iam::<account>:role/<name>` */
  public static roleArn(partition: string, account: string, roleName: string): string {
    return `arn:${partition}:iam::${account}:role/${roleName}`;
  }
}
