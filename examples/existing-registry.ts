#!/usr/bin/env node
/**
 * An existing registry: the fraud team's model package group predates the platform (its
 * versions were registered and approved by hand). The project promotes from it as it is — the
 * newest approved version is found in the registry itself — and shares it with staging and
 * production by merging statements into the group's policy, keeping the ones already there.
 * No build pipeline: the team keeps registering versions its own way.
 *
 *   npx cdk synth --app "npx tsx examples/existing-registry.ts"
 */
import { App } from 'aws-cdk-lib';
import { MlopsPlatform, MlopsProject, ModelPackageGroup, PlatformNetworking } from '../lib';

export function build(app: App): App {
  const tooling = { account: '111111111111', region: 'eu-west-1' };
  const platform = new MlopsPlatform(app, 'Platform', {
    tooling,
    staging: { account: '222222222222', region: 'eu-west-1' },
    production: [{ account: '333333333333', region: 'eu-west-1' }],
    stackNamePrefix: 'Fraud',
    networking: PlatformNetworking.none(),
  });
  new MlopsProject(app, 'Fraud', {
    platform,
    projectName: 'fraud',
    description: 'scores card transactions for fraud',
    // Imported by ARN: the group lives in the tooling account and region already.
    modelPackageGroup: ModelPackageGroup.fromModelPackageGroupArn(platform.toolingStack, 'FraudTeamModels',
      `arn:aws:sagemaker:${tooling.region}:${tooling.account}:model-package-group/fraud-team-models`),
    smokeTest: { payload: '120.5,1,0,3', contentType: 'text/csv' },
  });
  return app;
}

if (require.main === module) {
  build(new App());
}
