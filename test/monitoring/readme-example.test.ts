import { readFileSync } from 'fs';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';

/*
 * The example of lib/monitoring/README.md (the section the lead moves into the README) lives as
 * readme-example.ts too, so the type check of the tests compiles it; here it must equal the
 * README's block and synthesize.
 */
const ROOT = path.join(__dirname, '..', '..');

test('the README block is the compiled example', () => {
  const readme = readFileSync(path.join(ROOT, 'lib', 'monitoring', 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)![1];
  const example = readFileSync(path.join(__dirname, 'readme-example.ts'), 'utf8');
  const body = example.split('\n').slice(1).join('\n').replace(/\nexport \{ app \};\n$/, '');
  expect(body).toBe(block.replace(/from 'cdk-sagemaker-mlops'/g, "from '../../lib'"));
});

test('the example synthesizes the loop', () => {
  let assembly: ReturnType<import('aws-cdk-lib').App['synth']> | undefined;
  jest.isolateModules(() => {
    const { app } = require('./readme-example');
    assembly = app.synth();
  });
  const tooling = assembly!.getStackByName('Tooling').template;
  const production = assembly!.getStackByName('ChurnProduction').template;
  Template.fromJSON(production).resourceCountIs('AWS::SageMaker::MonitoringSchedule', 2);
  Template.fromJSON(tooling).hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: { WATCHED_ENDPOINTS: '["churn-production"]', MONITORED_ENVIRONMENTS: '[{"account":"333333333333","region":"eu-west-1"}]' } },
  });
  // One route: the production forwarding, not the monitor.
  const forwarding = assembly!.getStackByName('ProductionForwarding').template;
  Template.fromJSON(forwarding).resourceCountIs('AWS::Events::Rule', 3);
});
