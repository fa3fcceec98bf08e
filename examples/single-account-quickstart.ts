#!/usr/bin/env node
/**
 * Single-account quickstart: the whole loop (build, registry, approval, staging, smoke test,
 * manual approval, production) in one account, for a first look or a small team.
 *
 *   npx cdk synth --app "npx tsx examples/single-account-quickstart.ts" -c account=123456789012 -c region=eu-west-1
 */
import { App } from 'aws-cdk-lib';
import { MlopsPlatform, MlopsProject, PlatformNetworking, ProjectModelBuild } from '../lib';

export function build(app: App): App {
  const account = app.node.tryGetContext('account') ?? '111111111111';
  const region = app.node.tryGetContext('region') ?? 'us-east-1';
  const env = { account, region };

  const platform = new MlopsPlatform(app, 'Quickstart', {
    tooling: env,
    staging: env,
    production: [env],
    stackNamePrefix: 'Quickstart',
    // Kept simple and cheap for a first try: no VPCs and no VPC endpoints (about USD 15 a month
    // each). The reference platform (bin/app.ts) runs private, the default.
    networking: PlatformNetworking.none(),
  });
  new MlopsProject(app, 'Abalone', {
    platform,
    projectName: 'abalone',
    description: 'predicts the age of abalone from physical measurements',
    modelBuild: ProjectModelBuild.classic({
      processingImageUri: `683313688378.dkr.ecr.${region}.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3`,
      trainingImageUri: `683313688378.dkr.ecr.${region}.amazonaws.com/sagemaker-xgboost:1.7-1`,
    }),
    stagingEndpoint: {},
    smokeTest: { payload: 'M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15', expectedResponsePattern: '^[0-9]+(\\.[0-9]+)?' },
  });
  return app;
}

if (require.main === module) {
  build(new App());
}
