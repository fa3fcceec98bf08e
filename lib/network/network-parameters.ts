/** Where a `PlatformNetwork` publishes its ids in each account and region, unless told otherwise. */
export const NETWORK_PARAMETER_PREFIX = '/mlops/platform/network';

/** The SSM parameter names under a prefix. */
export function networkParameterNames(prefix: string): { vpcId: string; vpcCidr: string; subnetIds: string; securityGroupIds: string } {
  return {
    vpcId: `${prefix}/vpc-id`,
    vpcCidr: `${prefix}/vpc-cidr`,
    subnetIds: `${prefix}/subnet-ids`,
    securityGroupIds: `${prefix}/security-group-ids`,
  };
}

/** Why a parameter prefix is not one, or undefined when it is. */
export function parameterPrefixProblem(prefix: string): string | undefined {
  // SSM parameter names: letters, digits, . - _ and /, a path starting with /, at most 2048 characters.
  if (!/^(\/[a-zA-Z0-9_.-]+)+$/.test(prefix) || prefix.length > 1000) {
    return `parameterPrefix must be an SSM parameter path such as '/mlops/platform/network' (no trailing '/'), got '${prefix}'`;
  }
  if (/^\/(aws|ssm)/i.test(prefix)) {
    return `parameterPrefix must not start with /aws or /ssm (reserved by Systems Manager), got '${prefix}'`;
  }
  return undefined;
}
