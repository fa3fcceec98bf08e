#!/usr/bin/env node
/**
 * Service Catalog only: no promotion, no monitoring, just a template data scientists launch from
 * SageMaker Studio to get a model registry and a model-build pipeline of their own, named after
 * their project. The launch role holds exactly what the template's resources need.
 *
 *   npx cdk synth --app "npx tsx examples/service-catalog-only.ts"
 */
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  ClassicModelBuild, ModelBuildPipeline, ModelPackageGroup, ProjectProductStack, ProjectTemplate, SageMakerJobRole,
} from '../lib';

export function build(app: App): App {
  const account = '111111111111';
  const region = 'eu-west-1';
  const catalog = new Stack(app, 'MlopsCatalog', {
    env: { account, region },
    description: 'SageMaker project templates for Studio',
  });

  // What a project launched from Studio contains.
  const product = new ProjectProductStack(catalog, 'BuildAndRegistry', {
    description: 'A model registry and a preprocess-train-evaluate-register pipeline',
  });
  const registry = new ModelPackageGroup(product, 'Registry', { modelPackageGroupName: product.projectName });
  // The platform team's shared data bucket; each project works under its own prefix.
  const data = s3.Bucket.fromBucketName(product, 'Data', `mlops-studio-data-${account}`);
  const jobs = new SageMakerJobRole(product, 'Jobs', { buckets: [data] });
  const classic = new ClassicModelBuild({
    jobRole: jobs.role,
    modelPackageGroupName: product.projectName,
    processingImageUri: `141502667606.dkr.ecr.${region}.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3`,
    trainingImageUri: `141502667606.dkr.ecr.${region}.amazonaws.com/sagemaker-xgboost:1.7-1`,
    dataBucketName: data.bucketName,
    outputPrefix: `projects/${product.projectName}/build`,
    inputDataUri: `s3://${data.bucketName}/projects/${product.projectName}/data/`,
    preprocessScriptUri: `s3://${data.bucketName}/projects/${product.projectName}/code/preprocess.py`,
    evaluateScriptUri: `s3://${data.bucketName}/projects/${product.projectName}/code/evaluate.py`,
  });
  new ModelBuildPipeline(product, 'Build', {
    pipelineName: `${product.projectName}-build`,
    definition: classic.definition,
    modelPackageGroup: registry,
    dataBuckets: [data],
  });

  new ProjectTemplate(catalog, 'Template', {
    productStack: product,
    productName: 'Model build and registry',
    owner: 'ML platform team',
    description: 'A SageMaker pipeline that trains, evaluates and registers models for approval',
    launchingRoles: [iam.Role.fromRoleName(catalog, 'StudioRole', 'sagemaker-studio-execution')],
  });
  return app;
}

if (require.main === module) {
  build(new App());
}
