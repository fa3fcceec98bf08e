import { readFileSync } from 'fs';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';

/*
 * The example of lib/network/README.md lives as readme-example.ts too, so the type check of the
 * tests compiles it; here it must equal the README's block and synthesize what the README says.
 */
const ROOT = path.join(__dirname, '..', '..');

test('the README block is the compiled example', () => {
  const readme = readFileSync(path.join(ROOT, 'lib', 'network', 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)![1];
  const example = readFileSync(path.join(__dirname, 'readme-example.ts'), 'utf8');
  const body = example.split('\n').slice(1).join('\n').replace(/\nexport \{ app \};\n$/, '');
  expect(body).toBe(block.replace(/from 'cdk-sagemaker-mlops'/g, "from '../../lib'"));
});

test('the example gives production the endpoints of the template it serves, and tooling only S3', () => {
  let assembly: ReturnType<import('aws-cdk-lib').App['synth']> | undefined;
  jest.isolateModules(() => {
    const { app } = require('./readme-example');
    assembly = app.synth();
  });
  const endpoints = (stack: string) => Object.values(Template.fromJSON(assembly!.getStackByName(stack).template).findResources('AWS::EC2::VPCEndpoint'))
    .map((e: any) => e.Properties.ServiceName).sort();
  expect(endpoints('Production')).toEqual(['com.amazonaws.eu-west-1.s3', 'com.amazonaws.eu-west-1.sagemaker.api']);
  expect(endpoints('Tooling')).toEqual(['com.amazonaws.eu-west-1.s3']);
  expect(assembly!.manifest.missing ?? []).toEqual([]);
});
