// The example of lib/governance/README.md, type-checked with the tests (tsconfig.dev.json); keep the two equal.
import { App, Stack } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as cpactions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  MlflowTrackingServer, ModelCardStatusSync, ModelPackageGroup, ProjectDashboard, PromotionLineageRecorder, SageMakerJobRole,
} from '../../lib';

const app = new App();
const tooling = new Stack(app, 'Tooling', { env: { account: '111111111111', region: 'eu-west-1' } });
const group = new ModelPackageGroup(tooling, 'Group', { modelPackageGroupName: 'churn', sharedWithAccounts: ['222222222222', '333333333333'] });

// Experiments: a tracking server whose artifacts live in the project's encrypted bucket.
const key = new kms.Key(tooling, 'DataKey', { enableKeyRotation: true });
const data = new s3.Bucket(tooling, 'Data', { encryption: s3.BucketEncryption.KMS, encryptionKey: key, enforceSSL: true });
const mlflow = new MlflowTrackingServer(tooling, 'Experiments', { artifactBucket: data, trackingServerName: 'churn-experiments' });
const jobs = new SageMakerJobRole(tooling, 'Jobs', { buckets: [data], encryptionKeys: [key] });
mlflow.grantLog(jobs); // the jobs also get mlflow.trackingEnvironment (MLFLOW_TRACKING_URI)
mlflow.grantUiAccess(iam.Role.fromRoleName(tooling, 'DataScientists', 'churn-data-scientists'));

// Model cards follow their packages' approval.
const cards = new ModelCardStatusSync(tooling, 'ModelCards', { modelPackageGroup: group });

// Every deployment of the promotion recorded in lineage, right after it happened.
const lineage = new PromotionLineageRecorder(tooling, 'Lineage', {
  projectName: 'churn',
  modelPackageGroup: group,
  promotionPipelineName: 'mlops-churn-promotion',
});
const templates = new codepipeline.Artifact('Templates');
const deploy = (stackName: string) => new cpactions.CloudFormationCreateUpdateStackAction({
  actionName: `Deploy-${stackName}`, stackName, templatePath: templates.atPath('template.json'), adminPermissions: false,
});
const modelPackageArn = '#{Resolve.ModelPackageArn}'; // the resolve action's output variable
const promotion = new codepipeline.Pipeline(tooling, 'Promotion', { pipelineName: 'mlops-churn-promotion', pipelineType: codepipeline.PipelineType.V2 });
promotion.addStage({
  stageName: 'Source',
  actions: [new cpactions.S3SourceAction({
    actionName: 'Templates', bucket: s3.Bucket.fromBucketName(tooling, 'Assets', 'churn-templates'), bucketKey: 'templates.zip', output: templates, trigger: cpactions.S3Trigger.NONE,
  })],
});
promotion.addStage({
  stageName: 'DeployStaging',
  actions: [
    deploy('mlops-churn-staging'),
    lineage.recordAction({ stage: 'staging', account: '222222222222', endpointName: 'churn-staging', stackName: 'mlops-churn-staging', modelPackageArn }),
  ],
});
promotion.addStage({ stageName: 'ApproveProduction', actions: [new cpactions.ManualApprovalAction({ actionName: 'Approve' })] });
promotion.addStage({
  stageName: 'DeployProduction',
  actions: [
    deploy('mlops-churn-production'),
    lineage.recordAction({
      stage: 'production', account: '333333333333', endpointName: 'churn-production', stackName: 'mlops-churn-production', modelPackageArn,
      manualApproval: { stageName: 'ApproveProduction', actionName: 'Approve' },
    }),
  ],
});

// One dashboard for the project, with the endpoints of the staging and production accounts.
new ProjectDashboard(tooling, 'Dashboard', {
  projectName: 'churn',
  endpoints: [
    { stage: 'staging', endpointName: 'churn-staging', account: '222222222222' },
    { stage: 'production', endpointName: 'churn-production', account: '333333333333', monitoringScheduleNames: ['churn-production-data-quality'] },
  ],
  handlers: [
    { title: 'Model cards', function: cards.handler, deadLetterQueue: cards.deadLetterQueue },
    { title: 'Lineage', function: lineage.function, deadLetterQueue: lineage.deadLetterQueue },
  ],
  alarms: [lineage.lineageWriteFailureAlarm, lineage.deadLetterAlarm, cards.deadLetterAlarm, cards.errorAlarm],
});

export { app };
