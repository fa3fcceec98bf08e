import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { PlatformNetwork } from '../../lib/network';
import { ModelBuildPipeline } from '../../lib/pipeline';
import { createEncryptionKey } from '../../lib/private/encryption-key';
import { createSecureBucket } from '../../lib/private/secure-bucket';
import { ProjectProductStack, ProjectTemplate } from '../../lib/project';
import { ModelPackageGroup } from '../../lib/registry';
import { StudioDomain, StudioDomainProps, StudioTeam } from '../../lib/studio';
import { complianceProblems } from '../harness/compliance';

const TOOLING = { account: '111111111111', region: 'eu-west-1' };

interface Built {
  readonly stack: Stack;
  readonly studio: StudioDomain;
  readonly team: StudioTeam;
  readonly template: ProjectTemplate;
  readonly network: PlatformNetwork;
}

function build(app: App, props: Partial<StudioDomainProps> = {}): Built {
  const stack = new Stack(app, 'Tooling', { env: TOOLING });
  const network = new PlatformNetwork(stack, 'Network', { trustedAccounts: [TOOLING.account] });
  const product = new ProjectProductStack(stack, 'RegistryProduct', { description: 'a registry for experiments' });
  new ModelPackageGroup(product, 'Registry', { modelPackageGroupName: product.projectName });
  const template = new ProjectTemplate(stack, 'Templates', { productStack: product, productName: 'Experiment registry', owner: 'ML platform team' });
  const key = createEncryptionKey(stack, 'DataKey', 'churn data');
  const data = createSecureBucket(stack, 'Data', { encryptionKey: key });
  const group = new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'churn' });
  const pipeline = ModelBuildPipeline.fromPipelineName(stack, 'Build', 'churn-build');
  const studio = new StudioDomain(stack, 'Studio', { domainName: 'data-science', network, projectPortfolios: [template.portfolio], ...props });
  const team = studio.addTeam('Churn', {
    teamName: 'churn',
    userProfileNames: ['alice', 'bob'],
    projects: [{ dataBucket: data, buildPipeline: pipeline, modelPackageGroup: group }],
  });
  return { stack, studio, team, template, network };
}

/** Every statement of the managed policies attached to a role. */
function statementsOf(template: Template, stack: Stack, role: StudioTeam['role']): any[] {
  const roleId = stack.getLogicalId(role.node.defaultChild as any);
  return Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
    .filter((p: any) => (p.Properties.Roles ?? []).some((r: any) => r.Ref === roleId))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

describe('StudioDomain', () => {
  let built: Built;
  let template: Template;
  beforeAll(() => {
    built = build(new App());
    template = Template.fromStack(built.stack);
  });

  test('is VpcOnly in the network\'s subnets, its volumes encrypted with a customer-managed key', () => {
    template.hasResourceProperties('AWS::SageMaker::Domain', {
      DomainName: 'data-science',
      AuthMode: 'IAM',
      AppNetworkAccessType: 'VpcOnly',
      VpcId: built.stack.resolve(built.network.vpcId),
      SubnetIds: built.stack.resolve(built.network.subnetIds),
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('StudioKey'), 'Arn'] },
      DefaultUserSettings: Match.objectLike({ SharingSettings: { NotebookOutputOption: 'Disabled' } }),
    });
    template.hasResourceProperties('AWS::KMS::Key', { Description: Match.stringLikeRegexp('Studio domain data-science'), EnableKeyRotation: true });
  });

  test('shuts JupyterLab and Code Editor apps down after an hour idle, users may choose up to four', () => {
    const idle = { AppLifecycleManagement: { IdleSettings: { LifecycleManagement: 'ENABLED', IdleTimeoutInMinutes: 60, MinIdleTimeoutInMinutes: 60, MaxIdleTimeoutInMinutes: 240 } } };
    template.hasResourceProperties('AWS::SageMaker::Domain', {
      DefaultUserSettings: Match.objectLike({ JupyterLabAppSettings: idle, CodeEditorAppSettings: idle }),
      DefaultSpaceSettings: Match.objectLike({ JupyterLabAppSettings: idle }),
    });
  });

  test('its apps\' group allows NFS to the domain volume and TCP 8192-65535 between apps, as VpcOnly requires', () => {
    const groupId = { 'Fn::GetAtt': [built.stack.getLogicalId(built.studio.securityGroup), 'GroupId'] };
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('Apps of Studio domain'),
      SecurityGroupEgress: Match.arrayWith([Match.objectLike({ IpProtocol: 'tcp', FromPort: 2049, ToPort: 2049, CidrIp: '10.0.0.0/16' })]),
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: groupId, SourceSecurityGroupId: groupId, FromPort: 8192, ToPort: 65535 });
    template.hasResourceProperties('AWS::SageMaker::Domain', { DefaultUserSettings: Match.objectLike({ SecurityGroups: [groupId] }) });
  });

  test('the network gets the endpoints Studio needs in VpcOnly mode', () => {
    const services = built.network.services().map((s) => s.serviceName);
    expect(services).toEqual(expect.arrayContaining(['logs', 's3', 'sagemaker.api', 'sagemaker.runtime', 'servicecatalog', 'sts']));
  });

  test('a team member each gets a user profile with the team\'s role', () => {
    const roleArn = { 'Fn::GetAtt': [built.stack.getLogicalId(built.team.role.node.defaultChild as any), 'Arn'] };
    for (const name of ['alice', 'bob']) {
      template.hasResourceProperties('AWS::SageMaker::UserProfile', {
        DomainId: { 'Fn::GetAtt': [built.stack.getLogicalId(built.studio.domain), 'DomainId'] },
        UserProfileName: name,
        UserSettings: { ExecutionRole: roleArn, SecurityGroups: [{ 'Fn::GetAtt': [built.stack.getLogicalId(built.studio.securityGroup), 'GroupId'] }] },
      });
    }
  });

  test('the team\'s role reads and writes the project data, starts and watches the build, registers versions', () => {
    const statements = statementsOf(template, built.stack, built.team.role);
    const allowed = statements.filter((s) => s.Effect === 'Allow').flatMap((s) => [].concat(s.Action));
    expect(allowed).toEqual(expect.arrayContaining([
      's3:PutObject', 'sagemaker:StartPipelineExecution', 'sagemaker:DescribePipelineExecution', 'sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackage',
    ]));
    expect(allowed.filter((a) => /^s3:Delete|\*$/.test(a) && !/^(s3|kms):[A-Za-z]+\*$/.test(a))).toEqual([]);
  });

  test('the team\'s role cannot approve a model: UpdateModelPackage is never allowed and denied on the group, and registering an Approved version is denied', () => {
    const statements = statementsOf(template, built.stack, built.team.role);
    expect(statements.filter((s) => s.Effect === 'Allow' && [].concat(s.Action).some((a: string) => a === 'sagemaker:UpdateModelPackage' || a === 'sagemaker:*'))).toEqual([]);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Effect: 'Deny', Action: 'sagemaker:UpdateModelPackage', Resource: expect.anything() }),
      expect.objectContaining({ Effect: 'Deny', Action: 'sagemaker:CreateModelPackage', Condition: { StringEquals: { 'sagemaker:ModelApprovalStatus': 'Approved' } } }),
    ]));
    const deny = statements.find((s) => s.Effect === 'Deny' && s.Action === 'sagemaker:UpdateModelPackage');
    expect(JSON.stringify(deny.Resource)).toContain(':model-package/churn/*');
    // No AWS managed policy at all, AmazonSageMakerFullAccess least of all.
    const role = template.toJSON().Resources[built.stack.getLogicalId(built.team.role.node.defaultChild as any)];
    expect(role.Properties.ManagedPolicyArns ?? []).toEqual([]);
  });

  test('the project portfolio is visible to the team\'s role, which may launch its products as SageMaker projects', () => {
    template.hasResourceProperties('AWS::ServiceCatalog::PortfolioPrincipalAssociation', {
      PortfolioId: { Ref: built.stack.getLogicalId(built.template.portfolio.node.defaultChild as any) },
      PrincipalARN: { 'Fn::GetAtt': [built.stack.getLogicalId(built.team.role.node.defaultChild as any), 'Arn'] },
      PrincipalType: 'IAM',
    });
    template.hasResourceProperties('AWS::ServiceCatalog::CloudFormationProduct', {
      Tags: Match.arrayWith([{ Key: 'sagemaker:studio-visibility', Value: 'true' }]),
    });
    const allowed = statementsOf(template, built.stack, built.team.role).filter((s) => s.Effect === 'Allow').flatMap((s) => [].concat(s.Action));
    expect(allowed).toEqual(expect.arrayContaining(['servicecatalog:ProvisionProduct', 'servicecatalog:SearchProducts', 'sagemaker:CreateProject']));
  });

  test('carries the S3 project-template location tag only when S3 templates are used', () => {
    expect(JSON.stringify(template.findResources('AWS::SageMaker::Domain'))).not.toContain('projectS3TemplatesLocation');
    const withS3 = Template.fromStack(build(new App(), { projectTemplatesS3Location: 's3://mlops-project-templates-111111111111/templates/' }).stack);
    withS3.hasResourceProperties('AWS::SageMaker::Domain', {
      Tags: Match.arrayWith([{ Key: 'sagemaker:projectS3TemplatesLocation', Value: 's3://mlops-project-templates-111111111111/templates/' }]),
    });
  });

  test('fails on a bad name, idle timeouts out of range and a bad template location, in one error', () => {
    const stack = new Stack(new App(), 'S', { env: TOOLING });
    const network = new PlatformNetwork(stack, 'Network');
    expect(() => new StudioDomain(stack, 'Studio', {
      domainName: 'data_science',
      network,
      idleTimeout: Duration.minutes(30),
      maxIdleTimeout: Duration.minutes(20),
      projectTemplatesS3Location: 'https://bucket/templates',
    })).toThrow(/StudioDomain S\/Studio: domainName must be 1-63 of a-z, A-Z, 0-9 and '-', got 'data_science'; idleTimeout must be whole minutes from 60 to 525600, got 30; maxIdleTimeout must be whole minutes from 60 to 525600, got 20; projectTemplatesS3Location must be an s3:\/\/bucket\/prefix\/ URI/);
  });

  test('fails on a member who is in the domain already', () => {
    expect(() => built.studio.addTeam('Again', { teamName: 'pricing', userProfileNames: ['alice', 'carol_x'] }))
      .toThrow(/StudioDomain Tooling\/Studio team Again: user profile name 'alice' is taken in this domain; user profile name 'carol_x' must be 1-63 of a-z, A-Z, 0-9 and '-'/);
  });
});

test('a Studio domain with a team is compliant: four cdk-nag packs and cfn-lint', () => {
  expect(complianceProblems((app) => {
    build(app);
  })).toEqual([]);
});
