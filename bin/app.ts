#!/usr/bin/env node
/**
 * The reference platform: a tooling account that builds, registers and promotes models, and
 * staging and production accounts that serve and monitor them, with two onboarded projects.
 * Accounts and region come from cdk.json context; override them with
 * `-c mlops:toolingAccount=...` and friends.
 */
import { App, Tags } from 'aws-cdk-lib';
import { MlopsPlatform, MlopsProject } from '../lib';
import { platformEnvironments } from './platform-environments';

export function build(app: App): App {
  const envs = platformEnvironments(app);
  Tags.of(app).add('platform', 'sagemaker-mlops');

  const platform = new MlopsPlatform(app, 'Platform', {
    tooling: envs.tooling,
    staging: envs.staging,
    production: [envs.production],
  });

  // A tabular regression: house prices from a CSV of features.
  new MlopsProject(app, 'HousePrices', {
    platform,
    projectName: 'house-prices',
    description: 'predicts sale prices of houses from tabular features',
    smokeTest: { payload: '3,2,1450,1987,0.4', contentType: 'text/csv', expectedResponsePattern: '^[0-9]+(\\.[0-9]+)?' },
    reviewerEmails: ['ml-reviewers@example.com'],
  });

  // A classifier: customer churn, answering a probability.
  new MlopsProject(app, 'Churn', {
    platform,
    projectName: 'churn',
    description: 'predicts whether a customer will cancel within 90 days',
    smokeTest: { payload: '42,1,0,12,79.5,1', contentType: 'text/csv', expectedResponsePattern: '^0?\\.[0-9]+|^1(\\.0+)?' },
    reviewerEmails: ['ml-reviewers@example.com'],
  });
  return app;
}

if (require.main === module) {
  build(new App());
}
