import { readFileSync } from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
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
    // the fixture templates serve no endpoint to record; the lineage tests below use templates that do
    recordLineage: false,
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

  test('stages run source → resolve → staging (deploy, smoke test, approval) → production waves (re-check, deploy)', () => {
    expect(stages.map((s) => s.Name)).toEqual(['Source', 'ResolveModelPackage', 'Staging', 'Production-first', 'Production-rest']);
    const names = (stage: string) => stages.find((s) => s.Name === stage)!.Actions.map((a) => [a.Name, a.RunOrder]);
    expect(names('Staging')).toEqual([['Deploy-222222222222-eu-west-1', 1], ['SmokeTest', 2], ['ApproveProduction', 3]]);
    expect(names('Production-first')).toEqual([['VerifyStillApproved', 1], ['Deploy-333333333333-eu-west-1', 2]]);
  });

  test('no execution redeploys staging while another is tested or waits for its approval (one stage, SUPERSEDED)', () => {
    // CodePipeline runs one execution in a stage at a time; a newer one waits before it.
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', { ExecutionMode: 'SUPERSEDED' });
    const staging = stages.find((s) => s.Name === 'Staging')!.Actions;
    expect(staging.map((a) => a.ActionTypeId.Category)).toEqual(['Deploy', 'Invoke', 'Approval']);
  });

  test('each production wave first re-checks that the package is still approved', () => {
    for (const wave of ['Production-first', 'Production-rest']) {
      const verify = stages.find((s) => s.Name === wave)!.Actions[0];
      expect(verify.ActionTypeId).toEqual({ Category: 'Invoke', Owner: 'AWS', Provider: 'Lambda', Version: '1' });
      expect(JSON.parse(verify.Configuration.UserParameters)).toEqual({ mode: 'verify', modelPackageArn: '#{Resolve.ModelPackageArn}' });
    }
  });

  test('deploys the ARN resolved by the first action as a parameter, with the roles of the target account and region', () => {
    const deploy = stages.find((s) => s.Name === 'Staging')!.Actions[0];
    expect(deploy.ActionTypeId).toEqual({ Category: 'Deploy', Owner: 'AWS', Provider: 'CloudFormation', Version: '1' });
    expect(deploy.RoleArn).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::222222222222:role/mlops-churn-deploy-eu-west-1']] });
    expect(deploy.Configuration.RoleArn).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::222222222222:role/mlops-churn-cfn-exec-eu-west-1' });
    expect(JSON.parse(deploy.Configuration.ParameterOverrides)).toEqual({ ModelPackageArn: '#{Resolve.ModelPackageArn}' });
    expect(deploy.Configuration.TemplatePath).toMatch(/::template\.json$/);
    const production = stages.find((s) => s.Name === 'Production-first')!.Actions[1];
    expect(JSON.stringify(production.RoleArn)).toContain(':iam::333333333333:role/mlops-churn-deploy-eu-west-1');
  });

  test('every deploy action acknowledges the capabilities its template needs (IAM roles: CAPABILITY_IAM)', () => {
    // CloudFormation answers InsufficientCapabilities to a template with IAM resources deployed without them.
    const deploys = stages.flatMap((s) => s.Actions).filter((a) => a.ActionTypeId.Provider === 'CloudFormation');
    expect(deploys).toHaveLength(3);
    for (const deploy of deploys) expect(deploy.Configuration.Capabilities).toEqual('CAPABILITY_IAM');
  });

  test('no action of the pipeline\'s own account runs with the pipeline role as its role (a role does not trust itself)', () => {
    const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0];
    const roleRef = pipeline.Properties.RoleArn;
    const actions = stages.flatMap((s) => s.Actions);
    expect(actions.filter((a) => JSON.stringify(a.RoleArn) === JSON.stringify(roleRef)).map((a) => a.Name)).toEqual([]);
    expect(actions.filter((a) => a.RoleArn === undefined).map((a) => a.Name)).toEqual(expect.arrayContaining(['ResolveModelPackage', 'SmokeTest', 'ApproveProduction', 'VerifyStillApproved']));
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
    const approve = stages.find((s) => s.Name === 'Staging')!.Actions[2];
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

  test('the artifact key and bucket admit the deploy roles through their accounts, which exist before the roles do', () => {
    // KMS and S3 refuse a policy naming a principal that does not exist yet; the deploy roles are
    // created by stacks deployed after this one. The account principal with an aws:PrincipalArn
    // condition names each role without requiring it.
    const statements = [
      ...Object.values(template.findResources('AWS::KMS::Key')).flatMap((k: any) => k.Properties.KeyPolicy.Statement),
      ...Object.values(template.findResources('AWS::S3::BucketPolicy')).flatMap((b: any) => b.Properties.PolicyDocument.Statement),
    ];
    const forTargets = statements.filter((st: any) => /22222222|33333333|44444444/.test(JSON.stringify(st.Principal ?? {})));
    expect(forTargets.length).toBeGreaterThanOrEqual(6);
    for (const st of forTargets) {
      expect(JSON.stringify(st.Principal.AWS)).toMatch(/:iam::\d{12}:root/);
      expect(JSON.stringify(st.Condition.ArnEquals['aws:PrincipalArn'])).toMatch(/:role\/mlops-churn-deploy-eu-west-1/);
    }
    const text = JSON.stringify(statements);
    for (const account of ['222222222222', '333333333333', '444444444444']) {
      expect(text).toContain(`:iam::${account}:root`);
    }
    expect(JSON.stringify(statements.filter((st: any) => st.Effect === 'Allow'))).not.toMatch(/"AWS":"\*"/);
    expect(text).not.toContain('555555555555');
  });

  test('names every resource of the deployment templates after the stack it is deployed as', () => {
    const app = new App();
    const stack = toolingStack(app);
    const props = promotionProps(stack);
    new ModelPromotionPipeline(stack, 'Promotion', props);
    // a deployment template is no artifact of the assembly: read the file it is synthesized to
    const assembly = app.synth();
    const deployed = Template.fromJSON(JSON.parse(readFileSync(path.join(assembly.directory, props.staging.template.templateFile), 'utf8')));
    deployed.hasResourceProperties('AWS::IAM::Role', { Path: { 'Fn::Sub': '/${AWS::StackName}/' } });
  });
});

describe('ModelPromotionPipeline lineage', () => {
  test('records each deployment in lineage right after it, production with the manual approval that let it through', () => {
    // GIVEN templates that serve endpoints
    const stack = toolingStack(new App());
    const props = promotionProps(stack);
    const staging = deploymentTemplate(stack, 'StagingWithEndpoint', STAGING, 'churn-staging');
    const production = deploymentTemplate(stack, 'ProductionWithEndpoint', PRODUCTION, 'churn-production');
    // WHEN
    const promotion = new ModelPromotionPipeline(stack, 'Promotion', {
      ...props,
      recordLineage: undefined,
      staging: { ...props.staging, template: staging },
      productionWaves: [{ name: 'all', targets: [{ account: PRODUCTION.account, stackName: 'churn-model', template: production }] }],
    });
    // THEN
    expect(promotion.lineageRecorder).toBeDefined();
    const stages = (Object.values(Template.fromStack(stack).findResources('AWS::CodePipeline::Pipeline'))[0] as any).Properties.Stages;
    const actions = (name: string) => stages.find((st: any) => st.Name === name).Actions;
    expect(actions('Staging').map((a: any) => [a.Name, a.RunOrder])).toEqual([
      ['Deploy-222222222222-eu-west-1', 1], ['RecordLineage-222222222222-eu-west-1', 2], ['SmokeTest', 3], ['ApproveProduction', 4],
    ]);
    expect(actions('Production-all').map((a: any) => [a.Name, a.RunOrder])).toEqual([
      ['VerifyStillApproved', 1], ['Deploy-333333333333-eu-west-1', 2], ['RecordLineage-333333333333-eu-west-1', 3],
    ]);
    const record = JSON.parse(actions('Production-all')[2].Configuration.UserParameters);
    expect(record).toEqual(expect.objectContaining({
      modelPackageArn: '#{Resolve.ModelPackageArn}', stage: 'production', account: '333333333333', region: 'eu-west-1',
      endpointName: 'churn-production', stackName: 'churn-model', manualApproval: { stageName: 'Staging', actionName: 'ApproveProduction' },
    }));
    // the recorder reads the pipeline by its literal name
    Template.fromStack(stack).hasResourceProperties('AWS::CodePipeline::Pipeline', { Name: 'mlops-churn-promotion' });
  });

  test('fails to record a template that serves no named endpoint, saying how to turn lineage off', () => {
    const stack = toolingStack(new App());
    expect(() => new ModelPromotionPipeline(stack, 'Promotion', { ...promotionProps(stack), recordLineage: true }))
      .toThrow('ModelPromotionPipeline: template Tooling/StagingDeployment has no endpoint with a literal name to record in lineage; give it one, or set recordLineage to false');
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
    })).toThrow(/ModelPromotionPipeline Tooling\/Promotion: wave name 'bad name' must be .*; wave 'bad name' has no targets; target 222222222222\/eu-west-1\/churn-model appears twice/);
  });

  test('fails when a deployment template refers to a resource of another stack, naming both and what to give instead', () => {
    // GIVEN a template whose alarm notifies a topic of the tooling stack
    const app = new App();
    const stack = toolingStack(app);
    const props = promotionProps(stack);
    const topic = new sns.Topic(stack, 'TeamTopic');
    new cloudwatch.Alarm(props.staging.template, 'Alarm', {
      metric: new cloudwatch.Metric({ namespace: 'AWS/SageMaker', metricName: 'Invocations' }), threshold: 1, evaluationPeriods: 1,
    }).addAlarmAction(new cwActions.SnsAction(topic));
    new ModelPromotionPipeline(stack, 'Promotion', props);
    // THEN instead of aws-cdk-lib's cross-environment error, one that says why and what to do
    expect(() => app.synth()).toThrow(/deployment template Tooling\/StagingDeployment: Tooling\/StagingDeployment\/Alarm\/Resource refers to Tooling\/TeamTopic\/Resource of stack Tooling\. A deployment template is synthesized once and deployed .* give it what it can resolve where it is deployed \(a literal ARN or name, a CloudFormation parameter, an SSM parameter type\) instead/);
  });

  test('fails for a reviewer address that is not one, naming it and the fix', () => {
    const stack = toolingStack();
    expect(() => new ModelPromotionPipeline(stack, 'Promotion', { ...promotionProps(stack), reviewerEmails: ['ok@example.com', 'not-an-email'] }))
      .toThrow("ModelPromotionPipeline Tooling/Promotion: reviewerEmails[1] 'not-an-email' is not an email address (SNS would reject the subscription at deploy time): give addresses such as ml-reviewers@example.com");
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
      // within a stage, actions run in the order of their RunOrder
      for (const action of [...stage.Actions].sort((a, b) => (a.RunOrder ?? 1) - (b.RunOrder ?? 1))) {
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
