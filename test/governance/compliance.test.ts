import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { MlflowTrackingServer, ModelCardStatusSync, ProjectDashboard, PromotionLineageRecorder } from '../../lib/governance';
import { ModelBuildPipeline } from '../../lib/pipeline';
import { createEncryptionKey } from '../../lib/private/encryption-key';
import { ManagedPolicyRole } from '../../lib/private/managed-policy-role';
import { createSecureBucket } from '../../lib/private/secure-bucket';
import { ModelPackageGroup } from '../../lib/registry';
import { complianceProblems } from '../harness/compliance';

/*
 * The governance constructs together in one tooling stack, through all four cdk-nag packs and
 * cfn-lint (one synthesis and one cfn-lint run for the module, to keep the suite fast).
 */
test('the tracking server, the card handler, the lineage recorder and the dashboard pass cdk-nag (four packs) and cfn-lint', () => {
  expect(complianceProblems((app) => {
    const stack = new Stack(app, 'Tooling', { env: { account: '111111111111', region: 'eu-west-1' } });
    const group = new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'churn' });

    const bucket = createSecureBucket(stack, 'Data', { encryptionKey: createEncryptionKey(stack, 'DataKey', 'data of the churn project') });
    const mlflow = new MlflowTrackingServer(stack, 'Experiments', { artifactBucket: bucket, trackingServerName: 'churn-experiments' });
    const jobs = new ManagedPolicyRole(stack, 'Jobs', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    mlflow.grantLog(jobs);
    const scientists = new ManagedPolicyRole(stack, 'Scientists', { assumedBy: new iam.AccountRootPrincipal() });
    mlflow.grantUiAccess(scientists);

    const cards = new ModelCardStatusSync(stack, 'Cards', { modelPackageGroup: group });
    const lineage = new PromotionLineageRecorder(stack, 'Lineage', { projectName: 'churn', modelPackageGroup: group, promotionPipelineName: 'mlops-churn-promotion' });
    const auditors = new ManagedPolicyRole(stack, 'Auditors', { assumedBy: new iam.AccountRootPrincipal() });
    lineage.grantAudit(auditors);

    new ProjectDashboard(stack, 'Dashboard', {
      projectName: 'churn',
      buildPipeline: ModelBuildPipeline.fromPipelineName(stack, 'Build', 'churn-build'),
      endpoints: [{ stage: 'production', endpointName: 'churn-production', account: '333333333333', monitoringScheduleNames: ['churn-production-data-quality'] }],
      handlers: [{ title: 'Cards', function: cards.handler, deadLetterQueue: cards.deadLetterQueue }, { title: 'Lineage', function: lineage.function, deadLetterQueue: lineage.deadLetterQueue }],
      alarms: [cards.errorAlarm, lineage.lineageWriteFailureAlarm],
    });
  })).toEqual([]);
});
