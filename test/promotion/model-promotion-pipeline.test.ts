import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ModelPromotionPipeline, ModelPromotionPipelineProps } from '../../lib/promotion';
import { ModelPackageGroup } from '../../lib/registry';
import { deploymentTemplate, PRODUCTION, PRODUCTION_2, STAGING, toolingStack } from './fixtures';

function promotionProps(stack: Stack): ModelPromotionPipelineProps {
  const stagingTemplate = deploymentTemplate(stack, 'StagingDeployment', STAGING);
  const productionTemplate = deploymentTemplate(stack, 'ProductionDeployment', PRODUCTION);
  return {
    projectName: 'churn',
    modelPackageGroup: new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'churn' }),
    staging: { account: STAGING.account, stackName: 'churn-model', template: stagingTemplate },
    smokeTest: { endpointName: 'churn-staging', payload: '1,2,3', expectedResponsePattern: '^[0-9.]+' },
    productionWaves: [
      { name: 'first', targets: [{ account: PRODUCTION.account, stackName: 'churn-model', template: productionTemplate }] },
      { name: 'rest', targets: [{ account: PRODUCTION_2.account, stackName: 'churn-model', template: productionTemplate }] },
    ],
    reviewerEmails: ['reviewers@example.com'],
  };
}

describe('ModelPromotionPipeline', () => {
  let template: Template;
  let stages: Array<{ Name: string; Actions: Array<Record<string, any>> }>;

  beforeAll(() => {
    const app = new App();
    const stack = toolingStack(app);
    new ModelPromotionPipeline(stack, 'Promotion', promotionProps(stack));
    template = Template.fromStack(stack);
    const pipelines = template.findResources('AWS::CodePipeline::Pipeline');
    stages = Object.values(pipelines)[0].Properties.Stages;
  });

  test('is a V2 pipeline with the ModelPackageArn variable, defaulting to the last approved', () => {
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      PipelineType: 'V2',
      Variables: [{ Name: 'ModelPackageArn', DefaultValue: 'LATEST_APPROVED', Description: Match.anyValue() }],
    });
  });

  test('stages run source → resolve → deploy staging → test → approval → production waves', () => {
    expect(stages.map((s) => s.Name)).toEqual([
      'Source', 'ResolveModelPackage', 'DeployStaging', 'TestStaging', 'ApproveProduction', 'Production-first', 'Production-rest',
    ]);
  });

  test('deploys the ARN resolved by the first action as a parameter, with roles in the target account', () => {
    const deploy = stages.find((s) => s.Name === 'DeployStaging')!.Actions[0];
    expect(deploy.ActionTypeId).toEqual({ Category: 'Deploy', Owner: 'AWS', Provider: 'CloudFormation', Version: '1' });
    expect(deploy.RoleArn).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::222222222222:role/mlops-churn-deploy']] });
    expect(deploy.Configuration.RoleArn).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::222222222222:role/mlops-churn-cfn-exec' });
    expect(JSON.parse(deploy.Configuration.ParameterOverrides)).toEqual({ ModelPackageArn: '#{Resolve.ModelPackageArn}' });
    expect(deploy.Configuration.TemplatePath).toMatch(/::template\.json$/);
    const production = stages.find((s) => s.Name === 'Production-first')!.Actions[0];
    expect(JSON.stringify(production.RoleArn)).toContain(':iam::333333333333:role/mlops-churn-deploy');
  });

  test('takes the templates from the synthesized assets, without a build step', () => {
    const source = stages[0].Actions;
    expect(source).toHaveLength(2);
    for (const action of source) {
      expect(action.ActionTypeId).toEqual({ Category: 'Source', Owner: 'AWS', Provider: 'S3', Version: '1' });
      expect(action.Configuration.PollForSourceChanges).toBe(false);
      expect(action.Configuration.S3ObjectKey).toMatch(/^[0-9a-f]{64}\.zip$/);
    }
    template.resourceCountIs('AWS::CodeBuild::Project', 0);
  });

  test('the manual approval names the model package and notifies the reviewers', () => {
    const approve = stages.find((s) => s.Name === 'ApproveProduction')!.Actions[0];
    expect(approve.ActionTypeId.Category).toBe('Approval');
    expect(approve.Configuration.CustomData).toContain('#{Resolve.ModelPackageArn}');
    expect(approve.Configuration.NotificationArn).toBeDefined();
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'reviewers@example.com' });
    template.hasResourceProperties('AWS::CodeStarNotifications::NotificationRule', {
      EventTypeIds: Match.arrayWith(['codepipeline-pipeline-pipeline-execution-failed', 'codepipeline-pipeline-manual-approval-needed']),
    });
  });

  test('the artifact bucket has the name the deploy targets read from', () => {
    template.hasResourceProperties('AWS::S3::Bucket', { BucketName: 'mlops-churn-promotion-111111111111' });
  });

  test('the artifact key and bucket admit exactly the target accounts', () => {
    const keys = template.findResources('AWS::KMS::Key');
    const keyPolicyText = JSON.stringify(Object.values(keys).map((k) => k.Properties.KeyPolicy));
    for (const account of ['222222222222', '333333333333', '444444444444']) {
      expect(keyPolicyText).toContain(`:iam::${account}:`);
    }
    expect(keyPolicyText).not.toMatch(/"AWS":"\*"/);
    const bucketPolicies = JSON.stringify(template.findResources('AWS::S3::BucketPolicy'));
    for (const account of ['222222222222', '333333333333', '444444444444']) {
      expect(bucketPolicies).toContain(`:iam::${account}:role/mlops-churn-deploy`);
    }
    expect(bucketPolicies).not.toContain('555555555555');
  });
});

describe('ModelPromotionPipeline validation', () => {
  test('fails without production waves, with a bad wave name and a duplicate target, all at once', () => {
    const stack = toolingStack();
    const props = promotionProps(stack);
    expect(() => new ModelPromotionPipeline(stack, 'Promotion', {
      ...props,
      productionWaves: [
        { name: 'bad name', targets: [] },
        { name: 'dup', targets: [props.staging] },
      ],
    })).toThrow(/ModelPromotionPipeline Tooling\/Promotion: wave name 'bad name' must be .*; wave 'bad name' has no targets; target 222222222222\/\/churn-model appears twice/);
  });

  test('fails for a template without the ModelPackageArn parameter', () => {
    const stack = toolingStack();
    const props = promotionProps(stack);
    const bare = new Stack(stack, 'Bare', { env: { account: '222222222222', region: 'eu-west-1' }, synthesizer: ModelPromotionPipeline.templateSynthesizer(stack) });
    expect(() => new ModelPromotionPipeline(stack, 'Promotion', { ...props, staging: { ...props.staging, template: bare } }))
      .toThrow(/template Tooling\/Bare has no ModelPackageArn parameter/);
  });

  test('fails for a project name that cannot name a role', () => {
    const stack = toolingStack();
    expect(() => new ModelPromotionPipeline(stack, 'Promotion', { ...promotionProps(stack), projectName: 'Churn_Model' }))
      .toThrow(/projectName must be 1-32 characters of a-z, 0-9 and '-', starting with a letter, got 'Churn_Model'/);
  });

  test('fails for a smoke-test payload over 4 KB', () => {
    const stack = toolingStack();
    const props = promotionProps(stack);
    expect(() => new ModelPromotionPipeline(stack, 'Promotion', { ...props, smokeTest: { ...props.smokeTest, payload: 'x'.repeat(5000) } }))
      .toThrow(/smokeTest.payload is 5000 bytes; at most 4096/);
  });
});

describe('ModelPromotionPipeline structure', () => {
  // Walk the synthesized stages in order: every action that deploys into a production account
  // must come after a passed staging deployment, the staging smoke test and the manual approval.
  test.each([1, 2, 3])('no path reaches production without the staging test and the approval (%i waves)', (waveCount) => {
    // GIVEN
    const app = new App();
    const stack = toolingStack(app);
    const props = promotionProps(stack);
    const productionTemplate = props.productionWaves[0].targets[0].template;
    const accounts = ['333333333333', '444444444444', '555555555555'].slice(0, waveCount);
    // WHEN
    new ModelPromotionPipeline(stack, 'Promotion', {
      ...props,
      productionWaves: accounts.map((account, i) => ({ name: `wave${i}`, targets: [{ account, stackName: 'churn-model', template: productionTemplate }] })),
    });
    // THEN
    const pipeline = Object.values(Template.fromStack(stack).findResources('AWS::CodePipeline::Pipeline'))[0];
    const seen = { stagingDeploy: false, smokeTest: false, approval: false };
    let productionDeploys = 0;
    for (const stage of pipeline.Properties.Stages as Array<{ Actions: Array<Record<string, any>> }>) {
      for (const action of stage.Actions) {
        const roleArn = JSON.stringify(action.RoleArn ?? '');
        const provider = action.ActionTypeId.Provider;
        if (provider === 'CloudFormation' && roleArn.includes('222222222222')) seen.stagingDeploy = true;
        if (provider === 'Lambda' && action.Name === 'SmokeTest') {
          expect(seen.stagingDeploy).toBe(true);
          seen.smokeTest = true;
        }
        if (action.ActionTypeId.Category === 'Approval') {
          expect(seen.smokeTest).toBe(true);
          seen.approval = true;
        }
        if (provider === 'CloudFormation' && accounts.some((a) => roleArn.includes(a))) {
          expect(seen).toEqual({ stagingDeploy: true, smokeTest: true, approval: true });
          productionDeploys++;
        }
      }
    }
    expect(productionDeploys).toBe(waveCount);
  });
});
