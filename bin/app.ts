#!/usr/bin/env node
/**
 * The reference platform: a tooling account that builds, registers and promotes models, and
 * staging and production accounts that serve and monitor them. Accounts and region come from
 * cdk.json context; override them with `-c mlops:toolingAccount=...` and friends.
 */
import { App, Stack, Tags } from 'aws-cdk-lib';
import { EventForwarding, PlatformEventBus } from '../lib';
import { platformEnvironments } from './platform-environments';

export function build(app: App): App {
  const envs = platformEnvironments(app);
  Tags.of(app).add('platform', 'sagemaker-mlops');

  const tooling = new Stack(app, 'MlopsTooling', {
    env: envs.tooling,
    description: 'SageMaker MLOps platform: tooling account (build pipelines, registry, promotion, drift loop)',
  });
  const bus = new PlatformEventBus(tooling, 'PlatformEvents', {
    eventBusName: 'sagemaker-mlops-platform',
    sourceAccounts: [envs.staging.account, envs.production.account],
  });

  for (const [stage, env] of [['Staging', envs.staging], ['Production', envs.production]] as const) {
    const workload = new Stack(app, `Mlops${stage}`, {
      env,
      description: `SageMaker MLOps platform: ${stage.toLowerCase()} account (endpoints, monitors)`,
    });
    workload.addStackDependency(tooling);
    new EventForwarding(workload, 'ForwardToTooling', {
      targetEventBusArn: `arn:aws:events:${envs.tooling.region}:${envs.tooling.account}:event-bus/${bus.eventBus.eventBusName}`,
    });
  }
  return app;
}

if (require.main === module) {
  build(new App());
}
