import { App, Stack } from 'aws-cdk-lib';
import { ModelPromotionPipeline, PromotionDeployTarget } from '../../lib/promotion';
import { ModelPackageGroup } from '../../lib/registry';
import { complianceProblems } from '../harness/compliance';
import { deploymentTemplate, PRODUCTION, STAGING, TOOLING } from './fixtures';

function buildPromotion(app: App): void {
  const tooling = new Stack(app, 'Tooling', { env: TOOLING });
  // templates serving endpoints, so that the lineage recorder is part of what is checked
  const stagingTemplate = deploymentTemplate(tooling, 'StagingDeployment', STAGING, 'churn-staging');
  const productionTemplate = deploymentTemplate(tooling, 'ProductionDeployment', PRODUCTION, 'churn-production');
  new ModelPromotionPipeline(tooling, 'Promotion', {
    projectName: 'churn',
    modelPackageGroup: new ModelPackageGroup(tooling, 'Group', { modelPackageGroupName: 'churn' }),
    staging: { account: STAGING.account, stackName: 'churn-model', template: stagingTemplate },
    smokeTest: { endpointName: 'churn-staging', payload: '1,2,3' },
    productionWaves: [{ name: 'all', targets: [{ account: PRODUCTION.account, stackName: 'churn-model', template: productionTemplate }] }],
  });
  const staging = new Stack(app, 'Staging', { env: STAGING });
  new PromotionDeployTarget(staging, 'Target', {
    projectName: 'churn', toolingAccount: TOOLING.account, deployments: [{ template: stagingTemplate, stackName: 'churn-model' }], smokeTestEndpointName: 'churn-staging',
  });
  const production = new Stack(app, 'Production', { env: PRODUCTION });
  new PromotionDeployTarget(production, 'Target', {
    projectName: 'churn', toolingAccount: TOOLING.account, deployments: [{ template: productionTemplate, stackName: 'churn-model' }],
  });
}

test('the promotion pipeline, its templates and both deploy targets pass cdk-nag (four packs) and cfn-lint', () => {
  expect(complianceProblems(buildPromotion)).toEqual([]);
});
