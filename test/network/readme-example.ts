// The example of lib/network/README.md, type-checked with the tests (tsconfig.dev.json); keep the two equal.
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import {
  DeployTimeNetwork, ModelMonitor, MonitoringBaseline, MonitoringDatasetFormat, MonitoringTarget, PlatformNetwork, PlatformVpc,
  ScheduledBatchTransform,
} from '../../lib';

const app = new App();
const accounts = ['111111111111', '333333333333'];

// One network per account and region: a VPC of its own in tooling, an existing one in production.
const tooling = new Stack(app, 'Tooling', { env: { account: '111111111111', region: 'eu-west-1' } });
new PlatformNetwork(tooling, 'Network', { trustedAccounts: accounts });
const production = new Stack(app, 'Production', { env: { account: '333333333333', region: 'eu-west-1' } });
const productionNetwork = new PlatformNetwork(production, 'Network', {
  trustedAccounts: accounts,
  vpc: PlatformVpc.fromAttributes({
    vpcId: 'vpc-0123456789abcdef0',
    vpcCidrBlock: '10.30.0.0/16',
    subnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
    routeTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0bbbbbbbbbbbbbbb2'],
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  }),
});

// A template synthesized once and deployed by a pipeline: it resolves the network of the account
// and region it lands in from the SSM parameters the network published there.
const template = new Stack(app, 'ScoringTemplate');
const network = new DeployTimeNetwork(template, 'Network');
const packageArn = 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/churn/3';
const scoring = new ScheduledBatchTransform(template, 'Nightly', {
  modelPackageArn: packageArn,
  schedule: scheduler.ScheduleExpression.cron({ hour: '2', minute: '0' }),
  inputBucket: s3.Bucket.fromBucketName(template, 'Input', 'churn-scoring-input'),
  inputPrefix: 'customers/',
  dataCapture: true,
  network,
});
new ModelMonitor(template, 'Monitor', {
  target: MonitoringTarget.fromScheduledBatchTransform(scoring, MonitoringDatasetFormat.csv()),
  namePrefix: 'churn-nightly',
  network,
  dataQuality: { baseline: MonitoringBaseline.fromModelPackage(packageArn) },
});
// The template's jobs and custom resource run in production: its network gets their endpoints.
productionNetwork.serve(template);

export { app };
