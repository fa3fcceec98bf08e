import { Duration, Stack } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { ClassicModelBuild, ModelBuildPipeline, SageMakerJobRole } from '../../lib/pipeline';
import { createEncryptionKey } from '../../lib/private/encryption-key';
import { createSecureBucket } from '../../lib/private/secure-bucket';
import { ModelPackageGroup } from '../../lib/registry/model-package-group';
import { complianceProblems } from '../harness/compliance';

const env = { account: '111111111111', region: 'us-east-1' };

describe('compliance', () => {
  test('a model-build pipeline with its role, schedule and triggers is compliant', () => {
    // GIVEN / WHEN
    const problems = complianceProblems((app) => {
      const stack = new Stack(app, 'Build', { env });
      const group = new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'churn' });
      const key = createEncryptionKey(stack, 'Key', 'model-build data');
      const data = createSecureBucket(stack, 'Data', { encryptionKey: key });
      const jobs = new SageMakerJobRole(stack, 'Jobs', { buckets: [data], encryptionKeys: [key] });
      const build = new ClassicModelBuild({
        dataBucketName: data.bucketName,
        inputDataUri: data.s3UrlForObject('raw/'),
        processingImageUri: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3',
        trainingImageUri: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1',
        preprocessScriptUri: data.s3UrlForObject('code/preprocess.py'),
        evaluateScriptUri: data.s3UrlForObject('code/evaluate.py'),
        jobRole: jobs.role,
        modelPackageGroupName: group.modelPackageGroupName,
      });
      const pipeline = new ModelBuildPipeline(stack, 'Pipeline', {
        definition: build.definition, modelPackageGroup: group, dataBuckets: [data], jobEncryptionKeys: [key],
      });
      pipeline.addSchedule('Weekly', { schedule: scheduler.ScheduleExpression.rate(Duration.days(7)) });
      pipeline.onNewData('NewData', { bucket: data, prefix: 'raw/' });
    });

    // THEN
    expect(problems).toEqual([]);
  });
});
