import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { waive } from '../../lib/private/compliance';
import { runCfnLint } from './cfn-lint';
import { synthesizeApp, synthesizeWithChecks } from './synthesize-app';

// The gate is only worth something if it can fail: these prove that it does.
describe('compliance gate self-test', () => {
  test('reports the findings of a non-compliant app in every pack', () => {
    // WHEN
    const result = synthesizeApp(path.join('test', 'fixtures', 'noncompliant-app.ts'));
    // THEN
    const rules = new Set(result.findings.map((f) => f.rule));
    for (const rule of ['AwsSolutions-S1', 'AwsSolutions-S10', 'AwsSolutions-SQS2', 'NIST.800.53.R5-S3BucketLoggingEnabled', 'HIPAA.Security-S3BucketVersioningEnabled', 'PCI.DSS.321-S3BucketLoggingEnabled']) {
      expect([...rules]).toContain(rule);
    }
  });

  test('sees the stacks that cdk deploy does not deploy: promotion templates and product stacks', () => {
    // WHEN
    const result = synthesizeApp(path.join('test', 'fixtures', 'noncompliant-nested-app.ts'));
    // THEN
    const paths = new Set(result.findings.filter((f) => f.rule === 'AwsSolutions-S10').map((f) => f.path));
    expect([...paths].sort()).toEqual(['Host/Product/PlainBucketInProduct/Resource', 'Host/PromotionTemplate/PlainBucketInTemplate/Resource']);
    expect(result.templates.map((t) => path.basename(t))).toEqual(expect.arrayContaining([
      expect.stringMatching(/^HostPromotionTemplate.*\.template\.json$/),
      expect.stringMatching(/\.product\.template\.json$/),
    ]));
  });

  test('reports the findings of aws-cdk-lib\'s built-in validation, which the other tests switch off', () => {
    // GIVEN the tests' environment, which switches the built-in validation off (setup-env.js)
    expect(process.env.CDK_VALIDATION).toBe('false');
    // WHEN a stack with no resources, which its rule F0001 reports ("Resources section must exist and be non-empty")
    const result = synthesizeWithChecks('empty', (app) => { new Stack(app, 'Empty'); });
    // THEN
    expect(result.findings.filter((f) => f.pack === 'CloudFormation Validate').map((f) => [f.rule, f.path])).toEqual([[expect.stringMatching(/F0001/), 'Empty']]);
    expect(process.env.CDK_VALIDATION).toBe('false');
  });

  test('cfn-lint reports an error in a broken template', () => {
    // GIVEN a template with a property SQS does not have
    const dir = mkdtempSync(path.join(tmpdir(), 'mlops-lint-'));
    const file = path.join(dir, 'Broken.template.json');
    writeFileSync(file, JSON.stringify({
      Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 'soon', NotAProperty: true } } },
    }));
    // WHEN
    const matches = runCfnLint([file]);
    // THEN
    expect(matches.filter((m) => m.level === 'Error').map((m) => m.rule)).toEqual(expect.arrayContaining(['E3002']));
  });

  test('fails to waive a rule without a specific reason', () => {
    const stack = new Stack(new App(), 'S');
    const queue = new sqs.Queue(stack, 'Q');
    expect(() => waive(queue, { rules: ['AwsSolutions-SQS3'], reason: 'not needed' }))
      .toThrow(/compliance waiver for AwsSolutions-SQS3 at S\/Q needs a specific reason of at least 40 characters/);
  });
});
