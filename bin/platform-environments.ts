import { Environment } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** The accounts and region of the reference platform, read from cdk.json context (`-c` overrides). */
export interface PlatformEnvironments {
  readonly tooling: Environment & { account: string; region: string };
  readonly staging: Environment & { account: string; region: string };
  readonly production: Environment & { account: string; region: string };
}

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * Reads `mlops:toolingAccount`, `mlops:stagingAccount`, `mlops:productionAccount` and
 * `mlops:region` from context and rejects anything that is not an account id or a region,
 * naming every bad key at once.
 */
export function platformEnvironments(scope: Construct): PlatformEnvironments {
  const problems: string[] = [];
  const read = (key: string, pattern: RegExp, what: string): string => {
    const value = scope.node.tryGetContext(key);
    if (typeof value !== 'string' || !pattern.test(value)) {
      problems.push(`context '${key}' must be ${what}, got ${JSON.stringify(value)}`);
      return '';
    }
    return value;
  };
  const region = read('mlops:region', REGION, 'an AWS region such as eu-west-1');
  const tooling = read('mlops:toolingAccount', ACCOUNT_ID, 'a 12-digit account id');
  const staging = read('mlops:stagingAccount', ACCOUNT_ID, 'a 12-digit account id');
  const production = read('mlops:productionAccount', ACCOUNT_ID, 'a 12-digit account id');
  if (problems.length > 0) {
    throw new Error(`reference platform: ${problems.join('; ')}`);
  }
  return {
    tooling: { account: tooling, region },
    staging: { account: staging, region },
    production: { account: production, region },
  };
}
