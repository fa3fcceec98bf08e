#!/usr/bin/env node
/**
 * The reference platform: a tooling account that builds, registers and promotes models, and
 * staging and production accounts that serve and monitor them, with two onboarded projects.
 * Accounts and region come from cdk.json context; override them with
 * `-c mlops:toolingAccount=...` and friends.
 */
import { App, Duration, Stack, Tags } from 'aws-cdk-lib';
import {
  DeploymentStrategy, EndpointInference, MetricComparison, MlopsPlatform, MlopsProject, ModelCardRiskRating, ModelPackageGroup,
  ProjectModelBuild, ProjectProductStack, ProjectTemplate, SourceRepository, StudioDomain,
} from '../lib';
import { platformEnvironments } from './platform-environments';

export function build(app: App): App {
  const envs = platformEnvironments(app);
  // cfn-lint 1.51's schema has no Tags on scalable targets, although aws-cdk-lib 2.276 tags them.
  // Nor on dashboards: aws-cdk-lib tags AWS::CloudWatch::Dashboard, cfn-lint's schema has no Tags there.
  Tags.of(app).add('platform', 'sagemaker-mlops', { excludeResourceTypes: ['AWS::ApplicationAutoScaling::ScalableTarget', 'AWS::CloudWatch::Dashboard'] });

  // Private by default: a VPC per account and region with no internet path, and the VPC
  // endpoints of what runs there (see "What private costs" in the README).
  const platform = new MlopsPlatform(app, 'Platform', {
    tooling: envs.tooling,
    staging: envs.staging,
    production: [envs.production],
  });

  // Staging is small and cheap; production is guarded: canary rollout with automatic rollback.
  const stagingEndpoint = { inference: EndpointInference.realTime({ instanceType: 'ml.m5.large' }) };
  const productionEndpoint = {
    inference: EndpointInference.realTime({ instanceType: 'ml.c5.xlarge', initialInstanceCount: 2 }),
    autoScaling: { minCapacity: 2, maxCapacity: 6 },
    deploymentStrategy: DeploymentStrategy.canary({ percent: 50, wait: Duration.minutes(10) }),
  };

  const sklearn = sagemakerImage(envs.tooling.region, 'sagemaker-scikit-learn:1.2-1-cpu-py3');
  const xgboost = sagemakerImage(envs.tooling.region, 'sagemaker-xgboost:1.7-1');

  // A tabular regression: house prices from a CSV of features. Its build code lives in GitHub.
  // Governance all on: model cards following approvals, lineage, the dashboard, MLflow.
  const housePrices = new MlopsProject(app, 'HousePrices', {
    platform,
    projectName: 'house-prices',
    description: 'predicts sale prices of houses from tabular features',
    modelBuild: ProjectModelBuild.classic({
      processingImageUri: sklearn,
      trainingImageUri: xgboost,
      hyperParameters: { objective: 'reg:squarederror', num_round: '50' },
      metricJsonPath: 'regression_metrics.mse.value',
      metricThreshold: 6,
      comparison: MetricComparison.LESS_THAN_OR_EQUAL_TO,
      modelCard: {
        purposeOfModel: 'Estimate the sale price of a house from its listed features',
        intendedUses: 'A starting price for agents; not for lending decisions',
        riskRating: ModelCardRiskRating.MEDIUM,
        explanationsForRiskRating: 'Prices guide people but decide nothing on their own',
        modelCreator: 'house-prices team',
      },
    }),
    stagingEndpoint,
    productionEndpoint,
    monitoring: {},
    buildRepository: SourceRepository.codeConnection({
      connectionArn: `arn:aws:codeconnections:${envs.tooling.region}:${envs.tooling.account}:connection/00000000-0000-0000-0000-000000000000`,
      owner: 'example-org',
      repository: 'house-prices-model-build',
    }),
    smokeTest: { payload: '3,2,1450,1987,0.4', contentType: 'text/csv', expectedResponsePattern: '^[0-9]+(\\.[0-9]+)?' },
    reviewerEmails: ['ml-reviewers@example.com'],
    governance: { experiments: {} },
  });

  // A classifier: customer churn, answering a probability.
  const churn = new MlopsProject(app, 'Churn', {
    platform,
    projectName: 'churn',
    description: 'predicts whether a customer will cancel within 90 days',
    modelBuild: ProjectModelBuild.classic({
      processingImageUri: sklearn,
      trainingImageUri: xgboost,
      hyperParameters: { objective: 'binary:logistic', num_round: '100' },
      metricJsonPath: 'binary_classification_metrics.auc.value',
      metricThreshold: 0.8,
      comparison: MetricComparison.GREATER_THAN_OR_EQUAL_TO,
    }),
    stagingEndpoint,
    productionEndpoint,
    monitoring: { retrainingCooldown: Duration.days(3) },
    smokeTest: { payload: '42,1,0,12,79.5,1', contentType: 'text/csv', expectedResponsePattern: '^0?\\.[0-9]+|^1(\\.0+)?' },
    reviewerEmails: ['ml-reviewers@example.com'],
  });

  // Studio, VPC-only in the tooling network: each team sees its project's data, build and
  // registry (registering, never approving) and launches the project templates.
  const studioStack = new Stack(app, 'Studio', {
    env: envs.tooling,
    stackName: 'Mlops-Platform-Studio',
    description: 'SageMaker MLOps platform: the VPC-only Studio domain of the data scientists',
  });
  // Self-service: data scientists launch a registry of their own from Studio for experiments.
  const studioProduct = new ProjectProductStack(studioStack, 'StudioRegistryProduct', {
    description: 'A model registry for a data scientist\'s experiments',
  });
  new ModelPackageGroup(studioProduct, 'Registry', { modelPackageGroupName: studioProduct.projectName });
  const studioTemplates = new ProjectTemplate(studioStack, 'StudioTemplates', {
    productStack: studioProduct,
    productName: 'Experiment model registry',
    owner: 'ML platform team',
  });

  const studio = new StudioDomain(studioStack, 'Domain', {
    domainName: 'mlops-data-science',
    network: platform.toolingNetwork!,
    projectPortfolios: [studioTemplates.portfolio],
  });
  for (const [team, project] of [['house-prices', housePrices], ['churn', churn]] as const) {
    studio.addTeam(project.node.id, {
      teamName: team,
      userProfileNames: [`${team}-lead`],
      projects: [project.studioProjectAccess(studioStack)],
    });
  }
  return app;
}

/**
 * A SageMaker framework image in the region's SageMaker image account (these are AWS's published
 * accounts for the scikit-learn and XGBoost images).
 */
function sagemakerImage(region: string, repositoryAndTag: string): string {
  const accounts: Record<string, string> = {
    'us-east-1': '683313688378',
    'us-east-2': '257758044811',
    'us-west-2': '246618743249',
    'eu-west-1': '141502667606',
    'eu-central-1': '492215442770',
  };
  const account = accounts[region];
  if (!account) {
    throw new Error(`reference platform: no SageMaker image account known for region ${region}; add it to sagemakerImage() in bin/app.ts (one of ${Object.keys(accounts).join(', ')})`);
  }
  return `${account}.dkr.ecr.${region}.amazonaws.com/${repositoryAndTag}`;
}

if (require.main === module) {
  build(new App());
}
