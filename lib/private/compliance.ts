import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * A finding of a cdk-nag rule that a construct of ours accepts on purpose.
 *
 * `rules` lists every pack's id for the same control (AwsSolutions, NIST 800-53 rev 5,
 * HIPAA Security, PCI DSS 3.2.1 each name it differently); `reason` says why it does
 * not apply here. The compliance gate rejects a reason shorter than a sentence.
 */
export interface ComplianceWaiver {
  readonly rules: string[];
  readonly reason: string;
}

/** Minimum length of an acknowledgement's reason: long enough to say why, not just "ok". */
export const MIN_WAIVER_REASON_LENGTH = 40;

/**
 * Acknowledges cdk-nag findings on a construct, each with the same specific reason.
 */
export function waive(scope: IConstruct, waiver: ComplianceWaiver): void {
  if (waiver.reason.trim().length < MIN_WAIVER_REASON_LENGTH) {
    throw new Error(`compliance waiver for ${waiver.rules.join(', ')} at ${scope.node.path} needs a specific reason of at least ${MIN_WAIVER_REASON_LENGTH} characters`);
  }
  for (const rule of waiver.rules) {
    Validations.of(scope).acknowledge({ id: qualifiedRuleId(rule), reason: waiver.reason });
  }
}

/**
 * `AwsSolutions-S1` as cdk-nag's plugins know it, `AwsSolutions::AwsSolutions-S1`. An id
 * without its pack prefix would be taken for an annotation and acknowledge nothing.
 */
export function qualifiedRuleId(rule: string): string {
  if (/^[A-Za-z0-9.]+::/.test(rule)) {
    return rule;
  }
  const pack = rule.split('-')[0];
  return `${pack}::${rule}`;
}

/**
 * Rule ids of the four packs for the controls we waive most often, so a waiver names every
 * pack that reports the same thing.
 */
export const NagRules = {
  lambdaInVpc: ['NIST.800.53.R5-LambdaInsideVPC', 'HIPAA.Security-LambdaInsideVPC', 'PCI.DSS.321-LambdaInsideVPC'],
  s3Replication: ['NIST.800.53.R5-S3BucketReplicationEnabled', 'HIPAA.Security-S3BucketReplicationEnabled', 'PCI.DSS.321-S3BucketReplicationEnabled'],
  s3Logging: ['AwsSolutions-S1', 'NIST.800.53.R5-S3BucketLoggingEnabled', 'HIPAA.Security-S3BucketLoggingEnabled', 'PCI.DSS.321-S3BucketLoggingEnabled'],
  s3Kms: ['NIST.800.53.R5-S3DefaultEncryptionKMS', 'HIPAA.Security-S3DefaultEncryptionKMS', 'PCI.DSS.321-S3DefaultEncryptionKMS'],
  dlqOfDlq: ['AwsSolutions-SQS3'],
} as const;

/**
 * How cdk-nag names a resource of an IAM5 finding: the resolved value, with each `{ Ref: X }`
 * written `<X>` and each `{ Fn::GetAtt: [R, A] }` written `<R.A>`.
 */
export function nagResourceName(stack: Stack, value: string): string {
  const resolved = stack.resolve(value) as unknown;
  const render = (v: unknown): string => {
    if (typeof v === 'string') return v;
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ('Ref' in o) return `<${String(o.Ref)}>`;
      if ('Fn::GetAtt' in o) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
      if ('Fn::Join' in o) {
        const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
        return parts.map(render).join(sep);
      }
    }
    return JSON.stringify(v);
  };
  return render(resolved);
}

/** CloudFormation metadata key of the source-condition acknowledgements of a resource. */
export const SOURCE_CONDITION_ACKNOWLEDGEMENTS = 'cdk-sagemaker-mlops:source-condition-acknowledgements';

/**
 * Records on a resource (a role, key or topic policy) that a grant to a service principal carries
 * no aws:SourceAccount / aws:SourceArn condition, and why: the service documents none for that
 * place, or documents that the keys are absent there (a condition would then deny the service).
 * The source-condition test reads it; a reason shorter than a sentence fails that test.
 */
export function acknowledgeSourceCondition(scope: IConstruct, service: string, reason: string): void {
  if (reason.trim().length < MIN_WAIVER_REASON_LENGTH) {
    throw new Error(`source-condition acknowledgement for ${service} at ${scope.node.path} needs a specific reason of at least ${MIN_WAIVER_REASON_LENGTH} characters`);
  }
  const resource = (CfnResource.isCfnResource(scope) ? scope : scope.node.defaultChild) as CfnResource | undefined;
  if (!resource || !CfnResource.isCfnResource(resource)) {
    throw new Error(`source-condition acknowledgement for ${service} at ${scope.node.path}: no CloudFormation resource to record it on`);
  }
  const existing = (resource.getMetadata(SOURCE_CONDITION_ACKNOWLEDGEMENTS) as Array<{ service: string; reason: string }> | undefined) ?? [];
  if (existing.some((a) => a.service === service)) return;
  resource.addMetadata(SOURCE_CONDITION_ACKNOWLEDGEMENTS, [...existing, { service, reason }]);
}

/** Why a Lambda execution role's trust names no source: Lambda documents none there. */
export const LAMBDA_TRUST_REASON = 'Lambda documents no source condition for assuming an execution role: aws:SourceArn applies only where a function is the target (Lambda Developer Guide, permissions-source-function-arn); only principals allowed iam:PassRole on this role can give it to a function';

/** Why a CodePipeline service role's trust names no source. */
export const CODEPIPELINE_TRUST_REASON = 'CodePipeline documents its service role trust policy without conditions (CodePipeline User Guide, how-to-custom-role and pipelines-create-service-role-cli); the role is passed only to the pipeline of this stack';
