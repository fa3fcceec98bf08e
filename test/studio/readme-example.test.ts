import { readFileSync } from 'fs';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';

/*
 * The example of lib/studio/README.md lives as readme-example.ts too, so the type check of the
 * tests compiles it; here it must equal the README's block and synthesize.
 */
const ROOT = path.join(__dirname, '..', '..');

test('the README block is the compiled example', () => {
  const readme = readFileSync(path.join(ROOT, 'lib', 'studio', 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)![1];
  const example = readFileSync(path.join(__dirname, 'readme-example.ts'), 'utf8');
  const body = example.split('\n').slice(1).join('\n').replace(/\nexport \{ app \};\n$/, '');
  expect(body).toBe(block.replace(/from 'cdk-sagemaker-mlops'/g, "from '../../lib'"));
});

test('the example synthesizes a VpcOnly domain, two profiles and the endpoints Studio needs', () => {
  let assembly: ReturnType<import('aws-cdk-lib').App['synth']> | undefined;
  jest.isolateModules(() => {
    const { app } = require('./readme-example');
    assembly = app.synth();
  });
  const template = Template.fromJSON(assembly!.getStackByName('Tooling').template);
  template.hasResourceProperties('AWS::SageMaker::Domain', { AppNetworkAccessType: 'VpcOnly' });
  template.resourceCountIs('AWS::SageMaker::UserProfile', 2);
  const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((e: any) => e.Properties.ServiceName.replace('com.amazonaws.eu-west-1.', '')).sort();
  expect(endpoints).toEqual(['logs', 's3', 'sagemaker.api', 'sagemaker.runtime', 'servicecatalog', 'sts']);
});
