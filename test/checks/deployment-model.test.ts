import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { globsIntersect, HOLE } from '../../lib/checks/private/glob';
import { DeploymentModel } from '../../lib/checks/private/model';
import { Evaluator } from '../../lib/checks/private/values';
import { ModelPackageGroup, ProjectProductStack, ProjectTemplate } from '../../lib';
import { deployTarget, promotion, TOOLING } from '../fixtures/deployability/common';

function modelOf(build: (app: App) => void): DeploymentModel {
  const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'deployability-model-')) });
  build(app);
  const assembly = app.synth();
  return DeploymentModel.build(app, assembly.stacksRecursively.map((s) => ({
    templatePath: s.templateFullPath,
    accountId: s.environment.account === cxapi.UNKNOWN_ACCOUNT ? undefined : s.environment.account,
    region: s.environment.region === cxapi.UNKNOWN_REGION ? undefined : s.environment.region,
  })));
}

describe('patterns with holes', () => {
  test('intersect when some string matches both: wildcards and holes on either side', () => {
    expect(globsIntersect('arn:aws:kms:eu-west-1:111111111111:key/*', `arn:aws:kms:eu-west-1:111111111111:key/${HOLE}`)).toBe(true);
    expect(globsIntersect('arn:*:s3:::*', 'arn:aws:s3:::bucket/key')).toBe(true);
    expect(globsIntersect('a*', '*b')).toBe(true);
    expect(globsIntersect('arn:aws:codeconnections:eu-west-1:1:connection/x', 'arn:*:codestar-connections:*:*:connection/*')).toBe(false);
    expect(globsIntersect('s3:get?bject', 's3:getobject', { wildcardsB: false })).toBe(true);
    expect(globsIntersect('arn:*', '*', { wildcardsB: false })).toBe(false);
    expect(globsIntersect('*', '*', { wildcardsB: false })).toBe(true);
  });
});

describe('evaluating template values', () => {
  test('resolves pseudo parameters, Sub, Join, Select/Split and the names and ARNs of the template\'s resources', () => {
    // GIVEN
    const template = {
      Resources: {
        Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'app-role', Path: '/service/' } },
        Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
        Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: { 'Fn::Sub': '${AWS::StackName}-alerts' } } },
      },
      Parameters: { Arn: { Type: 'String' } },
    };
    const ev = new Evaluator(template, { partition: 'aws', region: 'eu-west-1', account: '111111111111', stackName: 'app', urlSuffix: 'amazonaws.com' });
    // THEN
    expect(ev.evaluate({ 'Fn::GetAtt': ['Role', 'Arn'] })).toBe('arn:aws:iam::111111111111:role/service/app-role');
    expect(ev.evaluate({ 'Fn::GetAtt': ['Queue', 'Arn'] })).toBe(`arn:aws:sqs:eu-west-1:111111111111:${HOLE}`);
    expect(ev.evaluate({ Ref: 'Topic' })).toBe('arn:aws:sns:eu-west-1:111111111111:app-alerts');
    expect(ev.evaluate({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::b']] })).toBe('arn:aws:s3:::b');
    expect(ev.evaluate({ 'Fn::Sub': ['${X}-${!Literal}', { X: 'x' }] })).toBe('x-${Literal}');
    expect(ev.evaluate({ 'Fn::Select': [1, { 'Fn::Split': [':', 'a:b:c'] }] })).toBe('b');
    expect(ev.evaluate({ 'Fn::Select': [4, { 'Fn::Split': [':', { Ref: 'Arn' }] }] })).toBe(HOLE);
    expect(ev.evaluate({ 'Fn::ImportValue': 'x' })).toBe(HOLE);
  });
});

describe('the deployment model', () => {
  test('finds the template a CloudFormation action deploys, through its S3 source and the host\'s file asset, with the action\'s account, region and stack name', () => {
    // WHEN
    const model = modelOf((app) => {
      promotion(app, (template) => {
        new iam.Role(template, 'EndpointRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
      }, { stackName: 'app-model-staging', capabilities: 'CAPABILITY_IAM' }).pipeline
        .addPropertyOverride('Stages.1.Actions.0.Configuration.ParameterOverrides', JSON.stringify({ Stage: 'staging', ModelPackageArn: '#{Resolve.ModelPackageArn}' }));
      deployTarget(app);
    });
    // THEN
    expect(model.templates.map((t) => [t.kind, t.displayName])).toEqual([
      ['stack', 'Host'],
      ['stack', 'Target'],
      ['promotion', 'Host/Deployment'],
    ]);
    const promoted = model.templates[2];
    expect(promoted.templatePath).toMatch(/promotion\.HostDeployment[0-9A-F]+\.[0-9a-f]+\/template\.json$/);
    expect(promoted.deployments.map((d) => [d.env.account, d.env.region, d.stackName, d.action?.actionName, d.parameters]))
      .toEqual([['222222222222', 'eu-west-1', 'app-model-staging', 'Deploy', { Stage: 'staging' }]]);
    expect([...promoted.before].map((t) => t.displayName).sort()).toEqual(['Host', 'Target']);
    const roleId = Object.keys(promoted.resources).find((id) => promoted.resources[id].Type === 'AWS::IAM::Role')!;
    expect(promoted.constructPath(roleId)).toBe('Host/Deployment/EndpointRole/Resource');
    expect(model.notes).toEqual([]);
  });

  test('orders stacks by their dependencies, each after all it depends on', () => {
    // WHEN
    const model = modelOf((app) => {
      const a = new Stack(app, 'A', { env: TOOLING });
      const b = new Stack(app, 'B', { env: TOOLING });
      const c = new Stack(app, 'C', { env: TOOLING });
      for (const s of [a, b, c]) new iam.Role(s, 'R', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      a.addDependency(b);
      b.addDependency(c);
    });
    // THEN
    expect(model.templates.map((t) => t.displayName)).toEqual(['C', 'B', 'A']);
    expect([...model.templates[2].before].map((t) => t.displayName).sort()).toEqual(['B', 'C']);
    expect(model.templates[0].before.size).toBe(0);
  });

  test('finds Service Catalog product templates, launched after their portfolio\'s stack', () => {
    // WHEN
    const model = modelOf((app) => {
      const catalog = new Stack(app, 'Catalog', { env: TOOLING });
      const product = new ProjectProductStack(catalog, 'Product', { description: 'a registry' });
      new ModelPackageGroup(product, 'Registry', { modelPackageGroupName: product.projectName });
      new ProjectTemplate(catalog, 'Template', { productStack: product, productName: 'Registry', owner: 'platform', launchingRoles: [iam.Role.fromRoleName(catalog, 'Studio', 'studio-role')] });
    });
    // THEN
    expect(model.templates.map((t) => [t.kind, t.displayName])).toEqual([['stack', 'Catalog'], ['product', 'Catalog/Product']]);
    expect(model.templates[1].deployments.map((d) => d.env)).toEqual([{ account: '111111111111', region: 'eu-west-1' }]);
    expect([...model.templates[1].before].map((t) => t.displayName)).toEqual(['Catalog']);
  });

  test('says which deploy actions it could not follow', () => {
    // WHEN
    const model = modelOf((app) => {
      const { pipeline } = promotion(app, () => undefined, { capabilities: 'CAPABILITY_IAM' });
      pipeline.addPropertyOverride('Stages.0.Actions.0.Configuration.S3ObjectKey', 'uploaded-by-hand.zip');
    });
    // THEN
    expect(model.templates.map((t) => t.kind)).toEqual(['stack']);
    expect(model.notes).toEqual([expect.stringContaining('Pipeline Properties/Stages/1/Actions/0: no file asset of Host is the source of artifact Template; its template is not checked')]);
  });
});
