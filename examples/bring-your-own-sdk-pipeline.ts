#!/usr/bin/env node
/**
 * Bring your own pipeline: a team keeps writing its pipeline with the SageMaker Python SDK and
 * exports `pipeline.definition()` to JSON; the platform deploys that JSON as it is, validated at
 * synth, with an execution role derived from its steps (never AmazonSageMakerFullAccess), its
 * registries shared with staging and production, and a weekly schedule.
 *
 *   npx cdk synth --app "npx tsx examples/bring-your-own-sdk-pipeline.ts"
 */
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { ModelBuildPipeline, ModelPackageGroup, PipelineDefinition } from '../lib';

export function build(app: App): App {
  // The account and region the team's SDK code targeted (its role and bucket live there).
  const stack = new Stack(app, 'CalHousingBuild', {
    env: { account: '327206644775', region: 'us-east-1' },
    description: 'A SageMaker pipeline exported by the Python SDK, deployed as it is',
  });

  const definition = PipelineDefinition.fromFile(path.join(__dirname, 'pipelines', 'calhousing.pipeline_definition.json'));

  // The registries its RegisterModel steps name, shared read-only with staging and production.
  for (const name of ['test-calhousing', 'test-falcon40b-finetuneable']) {
    new ModelPackageGroup(stack, `Registry-${name}`, {
      modelPackageGroupName: name,
      sharedWithAccounts: ['222222222222', '333333333333'],
    });
  }

  const pipeline = new ModelBuildPipeline(stack, 'Pipeline', {
    pipelineName: 'calhousing-build',
    description: 'California housing regression and a fine-tuned Falcon, from the team\'s SDK code',
    definition,
    // The SDK's default bucket, where its steps read and write.
    dataBuckets: [s3.Bucket.fromBucketName(stack, 'SdkBucket', 'sagemaker-us-east-1-327206644775')],
    jobRoles: [iam.Role.fromRoleArn(stack, 'JobRole',
      'arn:aws:iam::327206644775:role/service-role/AmazonSageMaker-ExecutionRole-20221003T003950', { mutable: false })],
  });
  pipeline.addSchedule('Weekly', { schedule: scheduler.ScheduleExpression.rate(Duration.days(7)) });
  return app;
}

if (require.main === module) {
  build(new App());
}
