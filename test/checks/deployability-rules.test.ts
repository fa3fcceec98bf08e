import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DeployabilityChecks, DeployabilityFinding, DeployabilityRule } from '../../lib/checks';
import { arn } from '../fixtures/deployability/common';
import * as names from '../fixtures/deployability/capabilities-and-names';
import * as monitoring from '../fixtures/deployability/monitoring-and-regions';
import * as pipelines from '../fixtures/deployability/pipelines';
import * as policies from '../fixtures/deployability/policies';
import * as principals from '../fixtures/deployability/principal-exists';
import * as writers from '../fixtures/deployability/writers';

/** Synthesizes what `build` adds to a fresh app and returns the findings of one rule. */
function findings(rule: DeployabilityRule, build: (app: App) => void): DeployabilityFinding[] {
  const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'deployability-')) });
  build(app);
  return DeployabilityChecks.findings(app, { rules: [rule] });
}

describe('PrincipalExists', () => {
  test('reports a key policy naming a role of a stack deployed after it (KMS: MalformedPolicyDocumentException)', () => {
    // WHEN
    const result = findings(DeployabilityRule.PRINCIPAL_EXISTS, principals.keyNamesRoleDeployedLater);
    // THEN
    expect(result).toEqual([expect.objectContaining({
      rule: 'Deployability-PrincipalExists',
      templateKind: 'stack',
      logicalId: expect.stringMatching(/^Key/),
      constructPath: 'Tooling/Key/Resource',
      location: 'Properties/KeyPolicy/Statement/1/Principal/AWS',
      message: expect.stringMatching(/names arn:aws:iam::222222222222:role\/app-deploy as a principal .* created by Deploy.* of stack Staging .* not deployed before stack Tooling .*MalformedPolicyDocumentException/),
      fix: expect.stringContaining('arn:${AWS::Partition}:iam::222222222222:root with an ArnEquals aws:PrincipalArn condition'),
      documentationUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html',
    })]);
  });

  test('accepts the principal when its stack is deployed first, or through the account with aws:PrincipalArn', () => {
    expect(findings(DeployabilityRule.PRINCIPAL_EXISTS, principals.keyNamesRoleDeployedBefore)).toEqual([]);
    expect(findings(DeployabilityRule.PRINCIPAL_EXISTS, principals.keyNamesAccountWithPrincipalArn)).toEqual([]);
  });

  test('reports a bucket policy naming a role of its own stack unless it depends on the role (S3: Invalid principal in policy)', () => {
    // WHEN
    const unordered = findings(DeployabilityRule.PRINCIPAL_EXISTS, (app) => principals.bucketPolicyNamesSameStackRole(app, false));
    const ordered = findings(DeployabilityRule.PRINCIPAL_EXISTS, (app) => principals.bucketPolicyNamesSameStackRole(app, true));
    // THEN
    expect(unordered).toEqual([expect.objectContaining({
      constructPath: 'Tooling/Bucket/Policy/Resource',
      message: expect.stringMatching(/created by Reader.* of the same template, but nothing makes .* depend on it.*Invalid principal in policy/),
    })]);
    expect(ordered).toEqual([]);
  });

  test('reports a trust policy naming a role only a promotion template creates', () => {
    // WHEN
    const result = findings(DeployabilityRule.PRINCIPAL_EXISTS, principals.trustNamesRoleOfPromotionTemplate);
    // THEN
    expect(result).toEqual([expect.objectContaining({
      constructPath: 'Staging/Helper/Resource',
      location: 'Properties/AssumeRolePolicyDocument/Statement/0/Principal/AWS',
      message: expect.stringMatching(/promotion template Host\/Deployment .*a promotion or product template is deployed only after the app.*IAM answers MalformedPolicyDocument/),
    })]);
  });

  test('assumes a principal the app creates nowhere is the user\'s and exists', () => {
    expect(findings(DeployabilityRule.PRINCIPAL_EXISTS, principals.keyNamesRoleOfTheUser)).toEqual([]);
  });
});

describe('CapabilitiesCover', () => {
  test('reports a deploy action without capabilities for a template with IAM resources (InsufficientCapabilities)', () => {
    // WHEN
    const result = findings(DeployabilityRule.CAPABILITIES_COVER, (app) => names.templateWithRole(app, undefined, false));
    // THEN
    expect(result).toEqual([expect.objectContaining({
      rule: 'Deployability-CapabilitiesCover',
      logicalId: 'Pipeline',
      constructPath: 'Host/Pipeline',
      location: 'Properties/Stages/1/Actions/0/Configuration/Capabilities',
      message: expect.stringMatching(/deploy action Deploy\/Deploy of pipeline Pipeline .* deploys promotion template Host\/Deployment \(stack app-model\) in 222222222222\/eu-west-1, which has IAM resources \(EndpointRole.*\), with Capabilities \(none\): CloudFormation answers InsufficientCapabilities/),
      fix: expect.stringContaining('pass CAPABILITY_IAM'),
    })]);
  });

  test('reports CAPABILITY_IAM for named IAM resources, and accepts CAPABILITY_NAMED_IAM', () => {
    expect(findings(DeployabilityRule.CAPABILITIES_COVER, (app) => names.templateWithRole(app, 'CAPABILITY_IAM', true)))
      .toEqual([expect.objectContaining({ message: expect.stringMatching(/IAM resources with explicit names \(EndpointRole.*\), with Capabilities CAPABILITY_IAM/), fix: expect.stringContaining('CAPABILITY_NAMED_IAM') })]);
    expect(findings(DeployabilityRule.CAPABILITIES_COVER, (app) => names.templateWithRole(app, 'CAPABILITY_NAMED_IAM', true))).toEqual([]);
    expect(findings(DeployabilityRule.CAPABILITIES_COVER, (app) => names.templateWithRole(app, 'CAPABILITY_IAM', false))).toEqual([]);
  });

  test('reports a macro without CAPABILITY_AUTO_EXPAND', () => {
    expect(findings(DeployabilityRule.CAPABILITIES_COVER, (app) => names.templateWithTransform(app, undefined)))
      .toEqual([expect.objectContaining({ message: expect.stringContaining('a macro (Transform)'), fix: expect.stringContaining('CAPABILITY_AUTO_EXPAND') })]);
    expect(findings(DeployabilityRule.CAPABILITIES_COVER, (app) => names.templateWithTransform(app, 'CAPABILITY_AUTO_EXPAND'))).toEqual([]);
  });
});

describe('NoGeneratedNamePatterns', () => {
  test('reports the execution role pattern of the issue: mlops-house-prices-staging-* for an unnamed bucket of that stack', () => {
    // WHEN
    const result = findings(DeployabilityRule.NO_GENERATED_NAME_PATTERNS, (app) => names.executionRoleReliesOnGeneratedBucketName(app, undefined));
    // THEN
    expect(result).toEqual([expect.objectContaining({
      rule: 'Deployability-NoGeneratedNamePatterns',
      constructPath: 'Target/ExecutionPermissions/Resource',
      location: 'Properties/PolicyDocument/Statement/0/Resource',
      message: expect.stringMatching(/allows arn:aws:s3:::mlops-house-prices-staging-\* for the AWS::S3::Bucket resources of stack mlops-house-prices-staging, whose template \(promotion template Host\/Deployment .*\) creates EndpointDataCapture.* without BucketName/),
      fix: expect.stringContaining('explicit names (BucketName)'),
    })]);
  });

  test('accepts the pattern when the resources it covers have explicit names', () => {
    expect(findings(DeployabilityRule.NO_GENERATED_NAME_PATTERNS, (app) => names.executionRoleReliesOnGeneratedBucketName(app, 'mlops-house-prices-staging-capture'))).toEqual([]);
    expect(findings(DeployabilityRule.NO_GENERATED_NAME_PATTERNS, (app) => names.policyReliesOnGeneratedRoleName(app, 'app-service-worker'))).toEqual([]);
  });

  test('matches names case-sensitively, except S3 bucket names, which CloudFormation writes in lower case', () => {
    expect(findings(DeployabilityRule.NO_GENERATED_NAME_PATTERNS, (app) => names.policyReliesOnGeneratedRoleName(app, undefined, 'App-Service'))).toEqual([]);
    expect(findings(DeployabilityRule.NO_GENERATED_NAME_PATTERNS, (app) => names.executionRoleReliesOnGeneratedBucketName(app, undefined, 'Mlops-House-Prices-Staging')))
      .toEqual([expect.objectContaining({ message: expect.stringContaining('for the AWS::S3::Bucket resources of stack Mlops-House-Prices-Staging') })]);
  });

  test('reports a pattern over the generated role names of an app stack', () => {
    expect(findings(DeployabilityRule.NO_GENERATED_NAME_PATTERNS, (app) => names.policyReliesOnGeneratedRoleName(app, undefined)))
      .toEqual([expect.objectContaining({ constructPath: 'Admin/PassWorker/Resource', message: expect.stringMatching(/role\/app-service-\* for the AWS::IAM::Role resources of stack app-service.* creates Worker.* without RoleName/) })]);
  });
});

describe('ActionMatchesResource', () => {
  test('reports codestar-connections:UseConnection on a codeconnections ARN', () => {
    // WHEN
    const result = findings(DeployabilityRule.ACTION_MATCHES_RESOURCE, policies.useConnectionOnWrongService);
    // THEN
    expect(result).toEqual([expect.objectContaining({
      rule: 'Deployability-ActionMatchesResource',
      constructPath: 'Tooling/Permissions/Resource',
      location: 'Properties/PolicyDocument/Statement/0/Action',
      message: expect.stringMatching(/allows codestar-connections:UseConnection only on arn:aws:codeconnections:eu-west-1:111111111111:connection\/0123abcd-.* \(the resources' service is codeconnections, the action's codestar-connections\).*acts on connection \(arn:\*:codestar-connections:\*:\*:connection\/\*\)/),
      fix: expect.stringContaining('codeconnections:UseConnection'),
    })]);
  });

  test('reports an action without resource types on a specific ARN', () => {
    expect(findings(DeployabilityRule.ACTION_MATCHES_RESOURCE, policies.noResourceTypeActionOnArn))
      .toEqual([expect.objectContaining({ message: expect.stringContaining('ssm:DescribeParameters supports no resource-level permissions (only "*" allows it)') })]);
  });

  test('accepts actions on their resources: codeconnections, sagemaker-mlflow on SageMaker ARNs, S3 objects, keys by GetAtt, "*"', () => {
    expect(findings(DeployabilityRule.ACTION_MATCHES_RESOURCE, policies.actionsOnTheirResources)).toEqual([]);
  });
});

describe('WriterCanUseKey', () => {
  test('reports a function whose role cannot use the key of its dead-letter queue (the approval, resolve and smoke-test handlers)', () => {
    // WHEN
    const result = findings(DeployabilityRule.WRITER_CAN_USE_KEY, (app) => writers.functionDeadLetters(app, false));
    // THEN
    expect(result).toEqual([expect.objectContaining({
      rule: 'Deployability-WriterCanUseKey',
      constructPath: 'Tooling/Handler/Resource',
      location: 'Properties/DeadLetterConfig/TargetArn',
      message: expect.stringMatching(/function Handler.* \(its execution role Role.*\) sends events it could not process to its dead-letter queue DeadLetters.*, which is encrypted with key Key.*, but role Role.* may not kms:GenerateDataKey, kms:Decrypt with that key/),
      fix: expect.stringMatching(/allow role Role.* kms:GenerateDataKey, kms:Decrypt on key Key/),
    })]);
    expect(findings(DeployabilityRule.WRITER_CAN_USE_KEY, (app) => writers.functionDeadLetters(app, true))).toEqual([]);
  });

  test('reports EventBridge targets and dead-letter queues whose key policy does not allow events.amazonaws.com', () => {
    // WHEN
    const result = findings(DeployabilityRule.WRITER_CAN_USE_KEY, (app) => writers.ruleTargets(app, false));
    // THEN
    expect(result.map((f) => f.location).sort()).toEqual(['Properties/Targets/0/Arn', 'Properties/Targets/0/DeadLetterConfig/Arn']);
    expect(result[0]).toEqual(expect.objectContaining({ constructPath: 'Tooling/Rule', message: expect.stringContaining('events.amazonaws.com may not kms:GenerateDataKey, kms:Decrypt') }));
    expect(findings(DeployabilityRule.WRITER_CAN_USE_KEY, (app) => writers.ruleTargets(app, true))).toEqual([]);
  });

  test('reports alarm actions, notification rules and publishing roles on an encrypted topic', () => {
    // WHEN
    const result = findings(DeployabilityRule.WRITER_CAN_USE_KEY, (app) => writers.topicWriters(app, false));
    // THEN
    expect(result.map((f) => f.message.match(/(cloudwatch\.amazonaws\.com|codestar-notifications\.amazonaws\.com|role Publisher\w*) may not/)?.[1]).sort())
      .toEqual(['cloudwatch.amazonaws.com', 'codestar-notifications.amazonaws.com', expect.stringMatching(/^role Publisher/)]);
    expect(findings(DeployabilityRule.WRITER_CAN_USE_KEY, (app) => writers.topicWriters(app, true))).toEqual([]);
  });

  test('reports encrypted log groups without logs.<region> and bucket notifications without s3.amazonaws.com in the key policy', () => {
    // WHEN
    const result = findings(DeployabilityRule.WRITER_CAN_USE_KEY, (app) => writers.logsAndNotifications(app, false));
    // THEN
    expect(result.map((f) => f.message.match(/(logs\.eu-west-1\.amazonaws\.com|s3\.amazonaws\.com) may not/)?.[1]).sort()).toEqual(['logs.eu-west-1.amazonaws.com', 's3.amazonaws.com']);
    expect(findings(DeployabilityRule.WRITER_CAN_USE_KEY, (app) => writers.logsAndNotifications(app, true))).toEqual([]);
  });

  test('accepts a writer whose key delegates to its account in an environment-agnostic stack (unknown account)', () => {
    // GIVEN a template deployed wherever the promotion sends it: its account is AWS::AccountId
    const result = findings(DeployabilityRule.WRITER_CAN_USE_KEY, (app) => {
      const stack = new Stack(app, 'Agnostic');
      const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
      const bucket = new s3.Bucket(stack, 'Bucket', { encryption: s3.BucketEncryption.KMS, encryptionKey: key });
      const role = new iam.Role(stack, 'Writer', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
      bucket.grantPut(role);
    });
    // THEN the key policy's account statement and the role's key grant are matched
    expect(result).toEqual([]);
  });
});

describe('PipelineActionRoleAssumable', () => {
  test('reports an action whose RoleArn is the pipeline role itself', () => {
    // WHEN
    const result = findings(DeployabilityRule.PIPELINE_ACTION_ROLE_ASSUMABLE, (app) => pipelines.sourceActionRole(app, 'pipeline-role'));
    // THEN
    expect(result).toEqual([expect.objectContaining({
      rule: 'Deployability-PipelineActionRoleAssumable',
      constructPath: 'Tooling/Pipeline',
      location: 'Properties/Stages/0/Actions/0/RoleArn',
      message: expect.stringMatching(/action Source\/Source of pipeline Pipeline .* names the pipeline's own role PipelineRole\w* as its RoleArn, but PipelineRole\w* trusts only codepipeline.amazonaws.com/),
      fix: expect.stringContaining('usePipelineRoleForActions'),
    })]);
  });

  test('accepts no RoleArn, and an action role that trusts the pipeline role; reports one that does not', () => {
    expect(findings(DeployabilityRule.PIPELINE_ACTION_ROLE_ASSUMABLE, (app) => pipelines.sourceActionRole(app, 'none'))).toEqual([]);
    expect(findings(DeployabilityRule.PIPELINE_ACTION_ROLE_ASSUMABLE, (app) => pipelines.sourceActionRole(app, 'own-role-trusting-pipeline'))).toEqual([]);
    expect(findings(DeployabilityRule.PIPELINE_ACTION_ROLE_ASSUMABLE, (app) => pipelines.sourceActionRole(app, 'own-role-trusting-codebuild')))
      .toEqual([expect.objectContaining({ message: expect.stringMatching(/runs as SourceRole\w*, which trusts only codebuild.amazonaws.com, not the pipeline role/) })]);
  });

  test('reports a cross-account role, found in the model by name, that trusts another principal of the account', () => {
    // WHEN
    const result = findings(DeployabilityRule.PIPELINE_ACTION_ROLE_ASSUMABLE, (app) => pipelines.crossAccountDeployRole(app, arn(':iam::111111111111:role/someone-else')));
    // THEN
    expect(result).toEqual([expect.objectContaining({
      constructPath: 'Host/Pipeline',
      location: 'Properties/Stages/1/Actions/0/RoleArn',
      message: expect.stringMatching(/runs as arn:aws:iam::222222222222:role\/app-deploy, created by Deploy\w* of stack Target .* which trusts only arn:aws:iam::111111111111:root, not the pipeline role/),
    })]);
  });

  test('accepts the cross-account role trusting the pipeline role, and reports a pipeline role not allowed sts:AssumeRole on it', () => {
    expect(findings(DeployabilityRule.PIPELINE_ACTION_ROLE_ASSUMABLE, pipelines.assumableDeployRole)).toEqual([]);
    expect(findings(DeployabilityRule.PIPELINE_ACTION_ROLE_ASSUMABLE, (app) => pipelines.crossAccountDeployRole(app, arn(':iam::111111111111:role/app-pipeline'), false)))
      .toEqual([expect.objectContaining({ message: expect.stringContaining('is not allowed sts:AssumeRole on it') })]);
  });
});

describe('IamActionExists', () => {
  test('reports misspelt actions, unknown service prefixes and wildcards that match nothing', () => {
    // WHEN
    const result = findings(DeployabilityRule.IAM_ACTION_EXISTS, policies.unknownActions);
    // THEN
    expect(result.map((f) => f.location)).toEqual(['Properties/PolicyDocument/Statement/0/Action', 'Properties/PolicyDocument/Statement/1/Action', 'Properties/PolicyDocument/Statement/2/Action']);
    expect(result[0]).toEqual(expect.objectContaining({ rule: 'Deployability-IamActionExists', constructPath: 'Tooling/Permissions/Resource', message: expect.stringMatching(/names s3:GetObjekt, which no service has in the Service Authorization Reference \(catalogue: cfn-lint 1\.51\.0 Policies\.json/) }));
    expect(result[1].message).toContain('nosuchservice:DoThings (no service has the prefix nosuchservice)');
    expect(result[2].message).toContain('s3:Fly*');
  });

  test('accepts existing actions in any case, wildcards, trust and key policies', () => {
    expect(findings(DeployabilityRule.IAM_ACTION_EXISTS, policies.knownActions)).toEqual([]);
  });
});

describe('ScheduledJobInputsWritten', () => {
  test('reports monitor baselines no pipeline of the app writes (the default production monitor of MlopsProject)', () => {
    // WHEN
    const result = findings(DeployabilityRule.SCHEDULED_JOB_INPUTS_WRITTEN, (app) => monitoring.monitorReadsUnwrittenBaselines(app, 's3://app-data-111111111111/quality'));
    // THEN
    expect(result.map((f) => f.location)).toEqual([
      'Properties/DataQualityBaselineConfig/ConstraintsResource/S3Uri',
      'Properties/DataQualityBaselineConfig/StatisticsResource/S3Uri',
    ]);
    expect(result[0]).toEqual(expect.objectContaining({
      rule: 'Deployability-ScheduledJobInputsWritten',
      templateKind: 'promotion',
      constructPath: 'Host/Deployment/Monitor',
      message: expect.stringMatching(/reads s3:\/\/app-data-111111111111\/baselines\/data-quality\/constraints\.json on every scheduled run, but no SageMaker pipeline of the app writes there \(they write s3:\/\/app-data-111111111111\/model-build\/…, s3:\/\/app-data-111111111111\/quality\)/),
      fix: expect.stringContaining('acknowledge Deployability::Deployability-ScheduledJobInputsWritten'),
    }));
  });

  test('accepts baselines under what a pipeline step writes (a quality check in a condition branch), or given as parameters', () => {
    expect(findings(DeployabilityRule.SCHEDULED_JOB_INPUTS_WRITTEN, (app) => monitoring.monitorReadsUnwrittenBaselines(app, 's3://app-data-111111111111/baselines/data-quality'))).toEqual([]);
    expect(findings(DeployabilityRule.SCHEDULED_JOB_INPUTS_WRITTEN, monitoring.monitorWithBaselineParameters)).toEqual([]);
  });

  test('reads a pipeline definition given as a file asset (PipelineDefinitionS3Location)', () => {
    expect(findings(DeployabilityRule.SCHEDULED_JOB_INPUTS_WRITTEN, monitoring.monitorWithPipelineDefinitionInS3)).toEqual([]);
  });
});

describe('RegionalMappings and NoLiteralPartition', () => {
  test('reports a region-keyed mapping without the stack\'s region, and accepts it with the region or an unknown region', () => {
    // WHEN
    const result = findings(DeployabilityRule.REGIONAL_MAPPINGS, (app) => monitoring.regionKeyedMapping(app, 'eu-south-2', ['eu-west-1', 'us-east-1']));
    // THEN
    expect(result).toEqual([expect.objectContaining({
      rule: 'Deployability-RegionalMappings',
      constructPath: 'Production/Model',
      message: expect.stringMatching(/looks up mapping ImageAccounts by AWS::Region, but the mapping has no eu-south-2, where the template is deployed: CloudFormation fails the deployment/),
    })]);
    expect(findings(DeployabilityRule.REGIONAL_MAPPINGS, (app) => monitoring.regionKeyedMapping(app, 'eu-west-1', ['eu-west-1', 'us-east-1']))).toEqual([]);
    expect(findings(DeployabilityRule.REGIONAL_MAPPINGS, (app) => monitoring.regionKeyedMapping(app, undefined, ['eu-west-1']))).toEqual([]);
  });

  test('checks a promotion template against the region its deploy action targets', () => {
    expect(findings(DeployabilityRule.REGIONAL_MAPPINGS, (app) => monitoring.promotionIntoRegion(app, 'ap-south-2', ['eu-west-1'])))
      .toEqual([expect.objectContaining({ templateKind: 'promotion', constructPath: 'Host/Deployment/Model', message: expect.stringContaining('has no ap-south-2') })]);
    expect(findings(DeployabilityRule.REGIONAL_MAPPINGS, (app) => monitoring.promotionIntoRegion(app, 'eu-west-1', ['eu-west-1']))).toEqual([]);
  });

  test('reports an ARN with a literal partition deployed into another partition, and accepts one built with AWS::Partition', () => {
    expect(findings(DeployabilityRule.NO_LITERAL_PARTITION, (app) => policies.literalPartition(app, true)))
      .toEqual([expect.objectContaining({
        rule: 'Deployability-NoLiteralPartition',
        constructPath: 'Tooling/Forward/Resource',
        location: 'Properties/PolicyDocument/Statement/0/Resource',
        message: expect.stringContaining('holds an ARN with a literal partition (arn:aws:events:eu-west-1:111111111111:event-bus/platform), but is deployed into partition aws-cn'),
        fix: expect.stringContaining('${AWS::Partition}'),
      })]);
    expect(findings(DeployabilityRule.NO_LITERAL_PARTITION, (app) => policies.literalPartition(app, false))).toEqual([]);
  });

  test('accepts a literal partition in a stack of a region of that partition (what AWS::Partition would give), reports it in a region-agnostic one', () => {
    expect(findings(DeployabilityRule.NO_LITERAL_PARTITION, (app) => policies.literalPartition(app, true, 'eu-west-1'))).toEqual([]);
    expect(findings(DeployabilityRule.NO_LITERAL_PARTITION, (app) => {
      const stack = new Stack(app, 'Agnostic');
      new iam.ManagedPolicy(stack, 'Forward', { statements: [new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: ['arn:aws:events:eu-west-1:111111111111:event-bus/platform'] })] });
    })).toEqual([expect.objectContaining({ constructPath: 'Agnostic/Forward/Resource', message: expect.stringContaining('but is deployed to regions not known at synth') })]);
  });
});

test('fails on a rule that does not exist, naming the rules there are', () => {
  expect(() => new DeployabilityChecks({ rules: ['Deployability-Nope' as DeployabilityRule] }))
    .toThrow(/DeployabilityChecks: unknown rules Deployability-Nope; use the values of DeployabilityRule \(Deployability-PrincipalExists, /);
});
