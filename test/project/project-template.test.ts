import { readFileSync } from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ProjectProductStack, ProjectTemplate, TemplateProviderProject } from '../../lib/project';
import { ModelPackageGroup } from '../../lib/registry';
import { complianceProblems } from '../harness/compliance';

const TOOLING = { account: '111111111111', region: 'eu-west-1' };

function buildTemplates(app: App): Stack {
  const stack = new Stack(app, 'Catalog', { env: TOOLING });
  const product = new ProjectProductStack(stack, 'ProjectStack', { description: 'a model registry per project' });
  new ModelPackageGroup(product, 'Registry', { modelPackageGroupName: product.projectName });
  const studioRole = iam.Role.fromRoleName(stack, 'Studio', 'studio-execution');
  new ProjectTemplate(stack, 'Template', {
    productStack: product,
    productName: 'MLOps model build and registry',
    owner: 'ML platform team',
    launchingRoles: [studioRole],
    shareWithAccounts: ['444444444444'],
    shareWithOrganization: 'ou-ab12-cdefgh34',
  });
  new TemplateProviderProject(stack, 'DirectProject', { productStack: product, projectName: 'fraud-detection' });
  return stack;
}

describe('ProjectTemplate', () => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(buildTemplates(new App()));
  });

  test('publishes a product that Studio lists, in a portfolio', () => {
    template.hasResourceProperties('AWS::ServiceCatalog::CloudFormationProduct', {
      Name: 'MLOps model build and registry',
      Owner: 'ML platform team',
      Tags: Match.arrayWith([{ Key: 'sagemaker:studio-visibility', Value: 'true' }]),
      ProvisioningArtifactParameters: [Match.objectLike({ Info: { LoadTemplateFromURL: Match.anyValue() } })],
    });
    template.resourceCountIs('AWS::ServiceCatalog::PortfolioProductAssociation', 1);
  });

  test('constrains launches to a least-privilege role, not IAMFullAccess', () => {
    template.hasResourceProperties('AWS::ServiceCatalog::LaunchRoleConstraint', { RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('TemplateLaunchRole'), 'Arn'] } });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'servicecatalog.amazonaws.com' } })] },
      ManagedPolicyArns: Match.absent(),
    });
    const launchPolicy = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .find((p) => JSON.stringify(p.Properties.Roles).includes('TemplateLaunchRole'))!;
    const actions: string[] = launchPolicy.Properties.PolicyDocument.Statement.flatMap((s: any) => ([] as string[]).concat(s.Action));
    expect(actions).toContain('sagemaker:CreateModelPackageGroup');
    for (const a of actions) expect(a).not.toMatch(/^(iam|sagemaker|s3|\*):?\*$/);
    expect(actions).not.toContain('iam:CreateUser');
  });

  test('takes the parameters SageMaker passes', () => {
    const app = new App();
    const stack = buildTemplates(app);
    const product = stack.node.findChild('ProjectStack') as ProjectProductStack;
    const assembly = app.synth();
    const productTemplate = Template.fromJSON(JSON.parse(readFileSync(path.join(assembly.directory, product.templateFile), 'utf8')));
    productTemplate.hasParameter('SageMakerProjectName', { Type: 'String' });
    productTemplate.hasParameter('SageMakerProjectId', { Type: 'String' });
    productTemplate.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', {
      ModelPackageGroupName: { Ref: 'SageMakerProjectName' },
      Tags: Match.arrayWith([{ Key: 'sagemaker:project-name', Value: { Ref: 'SageMakerProjectName' } }]),
    });
  });

  test('gives Studio roles access and shares with the named accounts', () => {
    template.hasResourceProperties('AWS::ServiceCatalog::PortfolioPrincipalAssociation', { PrincipalARN: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:role/studio-execution']] } });
    template.hasResourceProperties('AWS::ServiceCatalog::PortfolioShare', { AccountId: '444444444444' });
  });

  test('shares with an organizational unit through a custom resource, which CloudFormation lacks', () => {
    template.hasResourceProperties('Custom::PortfolioOrganizationShare', {
      PortfolioId: { Ref: Match.stringLikeRegexp('TemplatePortfolio') },
      NodeType: 'ORGANIZATIONAL_UNIT',
      NodeValue: 'ou-ab12-cdefgh34',
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Action: ['servicecatalog:CreatePortfolioShare', 'servicecatalog:DeletePortfolioShare'],
        Resource: Match.objectLike({}),
      })]) },
    });
  });

  test('fails for an organization id that is not one', () => {
    const stack = new Stack(new App(), 'S', { env: TOOLING });
    const product = new ProjectProductStack(stack, 'P');
    expect(() => new ProjectTemplate(stack, 'T', { productStack: product, productName: 'p', owner: 'x', shareWithOrganization: 'acme' }))
      .toThrow(/shareWithOrganization must be an organization \(o-...\) or organizational unit \(ou-...\) id, got 'acme'/);
  });

  test('the S3 route creates a SageMaker project from the template URL', () => {
    template.hasResourceProperties('AWS::SageMaker::Project', {
      ProjectName: 'fraud-detection',
      TemplateProviderDetails: [{ CfnTemplateProviderDetail: Match.objectLike({
        TemplateName: 'mlops-project',
        TemplateURL: Match.anyValue(),
        Parameters: [{ Key: 'SageMakerProjectName', Value: 'fraud-detection' }],
      }) }],
    });
  });

  test('fails for a bad product name and share account, together', () => {
    const stack = new Stack(new App(), 'S', { env: TOOLING });
    const product = new ProjectProductStack(stack, 'P');
    expect(() => new ProjectTemplate(stack, 'T', { productStack: product, productName: '!bad', owner: 'x', shareWithAccounts: ['12'] }))
      .toThrow(/ProjectTemplate S\/T: productName must be .*got '!bad'; shareWithAccounts holds '12', not a 12-digit account id/);
  });

  test('passes cdk-nag (four packs) and cfn-lint', () => {
    expect(complianceProblems((app) => { buildTemplates(app); })).toEqual([]);
  });
});
