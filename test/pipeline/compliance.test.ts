import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { ClassicModelBuild, ModelBuildPipeline } from '../../lib/pipeline';
import { ModelPackageGroup } from '../../lib/registry/model-package-group';
import { complianceProblems } from '../harness/compliance';

const env = { account: '111111111111', region: 'us-east-1' };

describe('compliance', () => {
  test('a model-build pipeline with its role, schedule and triggers is compliant', () => {
    // GIVEN / WHEN
    const problems = complianceProblems((app) => {
      const stack = new Stack(app, 'Build', { env });
      const group = new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'churn' });
      const jobRole = new iam.Role(stack, 'JobRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
      const data = s3.Bucket.fromBucketName(stack, 'Data', 'ml-data-111111111111');
      const build = new ClassicModelBuild({
        dataBucketName: 'ml-data-111111111111',
        inputDataUri: 's3://ml-data-111111111111/raw/',
        processingImageUri: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3',
        trainingImageUri: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1',
        preprocessScriptUri: 's3://ml-data-111111111111/code/preprocess.py',
        evaluateScriptUri: 's3://ml-data-111111111111/code/evaluate.py',
        jobRole,
        modelPackageGroupName: group.modelPackageGroupName,
      });
      const pipeline = new ModelBuildPipeline(stack, 'Pipeline', { definition: build.definition, modelPackageGroup: group, dataBuckets: [data] });
      pipeline.addSchedule('Weekly', { schedule: scheduler.ScheduleExpression.rate(Duration.days(7)) });
      pipeline.onNewData('NewData', { bucket: data, prefix: 'raw/' });
    });

    // THEN
    expect(problems).toEqual([]);
  });
});
