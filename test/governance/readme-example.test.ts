import { readFileSync } from 'fs';
import * as path from 'path';
import { Match, Template } from 'aws-cdk-lib/assertions';

/*
 * The example of lib/governance/README.md lives as readme-example.ts too, so the type check of the
 * tests compiles it; here it must equal the README's block and synthesize.
 */
const ROOT = path.join(__dirname, '..', '..');

test('the README block is the compiled example', () => {
  const readme = readFileSync(path.join(ROOT, 'lib', 'governance', 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)![1];
  const example = readFileSync(path.join(__dirname, 'readme-example.ts'), 'utf8');
  const body = example.split('\n').slice(1).join('\n').replace(/\nexport \{ app \};\n$/, '');
  expect(body).toBe(block.replace(/from 'cdk-sagemaker-mlops'/g, "from '../../lib'"));
});

test('the example synthesizes the tracking server, the card handler, the lineage records and the dashboard', () => {
  let assembly: ReturnType<import('aws-cdk-lib').App['synth']> | undefined;
  jest.isolateModules(() => {
    const { app } = require('./readme-example');
    assembly = app.synth();
  });
  const tooling = Template.fromJSON(assembly!.getStackByName('Tooling').template);
  tooling.resourceCountIs('AWS::SageMaker::MlflowTrackingServer', 1);
  tooling.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  tooling.hasResourceProperties('AWS::CodePipeline::Pipeline', { Name: 'mlops-churn-promotion' });
  tooling.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ PIPELINE_NAME: 'mlops-churn-promotion' }) } });
});
