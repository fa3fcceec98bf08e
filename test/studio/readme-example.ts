// The example of lib/studio/README.md, type-checked with the tests (tsconfig.dev.json); keep the two equal.
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  ModelBuildPipeline, ModelPackageGroup, PlatformNetwork, ProjectProductStack, ProjectTemplate, StudioDomain,
} from '../../lib';

const app = new App();
const tooling = new Stack(app, 'Tooling', { env: { account: '111111111111', region: 'eu-west-1' } });
const network = new PlatformNetwork(tooling, 'Network', { trustedAccounts: ['111111111111', '222222222222', '333333333333'] });

// The project templates data scientists launch from Studio.
const product = new ProjectProductStack(tooling, 'RegistryProduct', { description: 'a model registry for experiments' });
new ModelPackageGroup(product, 'Registry', { modelPackageGroupName: product.projectName });
const templates = new ProjectTemplate(tooling, 'Templates', { productStack: product, productName: 'Experiment registry', owner: 'ML platform team' });

const studio = new StudioDomain(tooling, 'Studio', {
  domainName: 'data-science',
  network,
  idleTimeout: Duration.hours(2),
  projectPortfolios: [templates.portfolio],
});

// The churn team: its project's data, build pipeline and registry.
studio.addTeam('Churn', {
  teamName: 'churn',
  userProfileNames: ['alice', 'bob'],
  projects: [{
    dataBucket: s3.Bucket.fromBucketName(tooling, 'ChurnData', 'mlops-churn-data-111111111111'),
    buildPipeline: ModelBuildPipeline.fromPipelineName(tooling, 'ChurnBuild', 'churn-build'),
    modelPackageGroup: ModelPackageGroup.fromModelPackageGroupName(tooling, 'ChurnRegistry', 'churn'),
  }],
});

export { app };
