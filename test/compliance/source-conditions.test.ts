import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { MIN_WAIVER_REASON_LENGTH } from '../../lib/private/compliance';
import { appEntryPoints, cdkJsonContext, REPO_ROOT } from './synthesize-app';

/**
 * Confused deputy: every permission given to an AWS service principal names on whose behalf the
 * service may act. AWS recommends "the aws:SourceArn and aws:SourceAccount global condition context
 * keys in resource policies to limit the permissions that [a service] gives another service to the
 * resource" (for EventBridge, https://docs.aws.amazon.com/eventbridge/latest/userguide/cross-service-confused-deputy-prevention.html;
 * the keys: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourcearn).
 *
 * Over every template of every app and example (the stacks, the deployment templates the promotions
 * deploy, the Service Catalog products): each Allow statement whose principal is a service, in a role's
 * trust policy or a key, topic, queue, bus or bucket policy, and each Lambda permission for a service,
 * has a source condition, or its resource acknowledges the service with a reason.
 *
 * Source conditions: aws:SourceAccount, aws:SourceArn, aws:SourceOrgID, aws:SourceOrgPaths, and for
 * CloudWatch Logs on a KMS key kms:EncryptionContext:aws:logs:arn (the log groups the key may
 * encrypt: "you can use the kms:EncryptionContext:aws:logs:arn condition key",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
 *
 * Acknowledgement: the resource's CloudFormation metadata
 *   "cdk-sagemaker-mlops:source-condition-acknowledgements": [{ "service": "<principal>", "reason": "<at least 40 characters>" }]
 * for a service that supports no source condition in that place (add it with
 * `(resource as CfnResource).addMetadata(...)`; a helper in lib/private/compliance.ts would do).
 */
export const ACKNOWLEDGEMENTS_METADATA = 'cdk-sagemaker-mlops:source-condition-acknowledgements';

const SOURCE_KEYS = ['aws:sourceaccount', 'aws:sourcearn', 'aws:sourceorgid', 'aws:sourceorgpaths', 'kms:encryptioncontext:aws:logs:arn'];

interface Finding {
  readonly app: string;
  readonly template: string;
  readonly resource: string;
  readonly type: string;
  readonly services: string[];
  readonly actions: string[];
}

interface Acknowledgement {
  readonly service: string;
  readonly reason: string;
}

function templatesIn(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...templatesIn(full));
    else if (entry.endsWith('.template.json')) out.push(full);
  }
  return out.sort();
}

/** Synthesizes an app without the cdk-nag packs (the compliance gate runs those): its templates only. */
function synthesize(entryPoint: string): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(REPO_ROOT, entryPoint)) as { build: (app: App) => App };
  const outdir = mkdtempSync(path.join(tmpdir(), 'mlops-source-'));
  const app = new App({ outdir, context: cdkJsonContext() });
  mod.build(app);
  app.synth();
  return templatesIn(outdir);
}

const asList = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

function servicesOf(principal: unknown): string[] {
  if (typeof principal !== 'object' || principal === null) return [];
  return asList((principal as { Service?: unknown }).Service).map((s) => (typeof s === 'string' ? s : JSON.stringify(s)));
}

function hasSourceCondition(condition: unknown): boolean {
  if (typeof condition !== 'object' || condition === null) return false;
  return Object.values(condition as Record<string, unknown>).some((keys) => typeof keys === 'object' && keys !== null
    && Object.keys(keys as object).some((k) => SOURCE_KEYS.includes(k.toLowerCase())));
}

/** The policy statements of a resource that can grant a service principal anything. */
function statementsOf(type: string, properties: Record<string, unknown>): unknown[] {
  switch (type) {
    case 'AWS::IAM::Role':
      return asList((properties.AssumeRolePolicyDocument as { Statement?: unknown })?.Statement);
    case 'AWS::KMS::Key':
      return asList((properties.KeyPolicy as { Statement?: unknown })?.Statement);
    case 'AWS::SNS::TopicPolicy':
    case 'AWS::SQS::QueuePolicy':
    case 'AWS::S3::BucketPolicy':
      return asList((properties.PolicyDocument as { Statement?: unknown })?.Statement);
    case 'AWS::Events::EventBusPolicy':
      return properties.Statement !== undefined ? asList(properties.Statement) : [];
    default:
      return [];
  }
}

function findingsIn(app: string, file: string): Finding[] {
  const template = JSON.parse(readFileSync(file, 'utf8')) as { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }> };
  const findings: Finding[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    const properties = resource.Properties ?? {};
    const acknowledged = asList(resource.Metadata?.[ACKNOWLEDGEMENTS_METADATA] as Acknowledgement[] | undefined);
    for (const a of acknowledged) {
      // An acknowledgement says why: a short one is a finding of its own.
      if (typeof a.reason !== 'string' || a.reason.trim().length < MIN_WAIVER_REASON_LENGTH) {
        findings.push({ app, template: path.basename(file), resource: logicalId, type: resource.Type, services: [`${a.service} (acknowledged without a reason)`], actions: [] });
      }
    }
    const isAcknowledged = (service: string) => acknowledged.some((a) => a.service === service && typeof a.reason === 'string' && a.reason.trim().length >= MIN_WAIVER_REASON_LENGTH);
    if (resource.Type === 'AWS::Lambda::Permission') {
      const principal = properties.Principal;
      if (typeof principal === 'string' && principal.endsWith('.amazonaws.com') && properties.SourceArn === undefined && properties.SourceAccount === undefined && !isAcknowledged(principal)) {
        findings.push({ app, template: path.basename(file), resource: logicalId, type: resource.Type, services: [principal], actions: asList(properties.Action as string) });
      }
      continue;
    }
    for (const statement of statementsOf(resource.Type, properties)) {
      const s = statement as { Effect?: string; Principal?: unknown; Action?: unknown; Condition?: unknown };
      if (s.Effect !== 'Allow') continue;
      const services = servicesOf(s.Principal).filter((svc) => !isAcknowledged(svc));
      if (services.length === 0 || hasSourceCondition(s.Condition)) continue;
      findings.push({ app, template: path.basename(file), resource: logicalId, type: resource.Type, services, actions: asList(s.Action as string | string[]).map(String) });
    }
  }
  return findings;
}

describe('every grant to a service principal names on whose behalf (confused deputy)', () => {
  const apps = appEntryPoints();
  const results = new Map<string, { templates: number; findings: Finding[] }>();

  beforeAll(() => {
    for (const app of apps) {
      const templates = synthesize(app);
      results.set(app, { templates: templates.length, findings: templates.flatMap((t) => findingsIn(app, t)) });
    }
  });

  test('the check reads every app and example, and their deployment and product templates', () => {
    // THEN
    expect(apps.length).toBeGreaterThanOrEqual(4);
    for (const app of apps) expect(results.get(app)!.templates).toBeGreaterThan(0);
    const reference = results.get(path.join('bin', 'app.ts'))!;
    expect(reference.templates).toBeGreaterThan(9);
  });

  test.each(appEntryPoints())('%s: every service-principal trust and key, topic, queue, bus or bucket grant has a source condition or an acknowledged reason', (app) => {
    // THEN
    const findings = results.get(app)!.findings;
    const lines = findings.map((f) => `${f.template} ${f.resource} (${f.type}): ${f.services.join(', ')} ${f.actions.join(', ')}`);
    expect(lines).toEqual([]);
  });
});

describe('the source-condition check', () => {
  const write = (resources: Record<string, unknown>): string => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mlops-source-fixture-'));
    const file = path.join(dir, 'Fixture.template.json');
    writeFileSync(file, JSON.stringify({ Resources: resources }));
    return file;
  };

  test('finds a service trust, a key grant and a Lambda permission without a source condition, and accepts those with one or acknowledged', () => {
    // GIVEN
    const file = write({
      Bare: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' }] } } },
      Conditioned: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': '1' } } }] } } },
      Acknowledged: {
        Type: 'AWS::IAM::Role',
        Metadata: { [ACKNOWLEDGEMENTS_METADATA]: [{ service: 'lambda.amazonaws.com', reason: 'the service supports no source condition when it assumes this role' }] },
        Properties: { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] } },
      },
      ShortReason: {
        Type: 'AWS::IAM::Role',
        Metadata: { [ACKNOWLEDGEMENTS_METADATA]: [{ service: 'lambda.amazonaws.com', reason: 'ok' }] },
        Properties: { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] } },
      },
      Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Statement: [
        { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::1:root' }, Action: 'kms:*' },
        { Effect: 'Allow', Principal: { Service: ['cloudwatch.amazonaws.com'] }, Action: ['kms:Decrypt'] },
        { Effect: 'Allow', Principal: { Service: 'logs.eu-west-1.amazonaws.com' }, Action: ['kms:Decrypt'], Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:*' } } },
      ] } } },
      Permission: { Type: 'AWS::Lambda::Permission', Properties: { Principal: 'events.amazonaws.com', Action: 'lambda:InvokeFunction', FunctionName: 'f' } },
      ScopedPermission: { Type: 'AWS::Lambda::Permission', Properties: { Principal: 'events.amazonaws.com', Action: 'lambda:InvokeFunction', FunctionName: 'f', SourceArn: 'arn:aws:events:x' } },
      Bus: { Type: 'AWS::Events::EventBusPolicy', Properties: { Statement: { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::2:root' }, Action: 'events:PutEvents' } } },
    });
    // WHEN
    const found = findingsIn('fixture', file).map((f) => `${f.resource}: ${f.services.join(', ')}`);
    // THEN
    expect(found).toEqual([
      'Bare: events.amazonaws.com',
      'ShortReason: lambda.amazonaws.com (acknowledged without a reason)',
      'ShortReason: lambda.amazonaws.com',
      'Key: cloudwatch.amazonaws.com',
      'Permission: events.amazonaws.com',
    ]);
  });
});
