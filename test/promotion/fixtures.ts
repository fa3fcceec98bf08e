import { App, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { ModelPromotionPipeline } from '../../lib/promotion';

export const TOOLING = { account: '111111111111', region: 'eu-west-1' };
export const STAGING = { account: '222222222222', region: 'eu-west-1' };
export const PRODUCTION = { account: '333333333333', region: 'eu-west-1' };
export const PRODUCTION_2 = { account: '444444444444', region: 'eu-west-1' };

/** A minimal deployment template: the ARN parameter and a model from it (served by an endpoint of that name, if given). */
export function deploymentTemplate(scope: Construct, id: string, env: { account: string; region: string }, endpointName?: string): Stack {
  const template = new Stack(scope, id, { env, synthesizer: ModelPromotionPipeline.templateSynthesizer(scope) });
  const arn = new CfnParameter(template, 'ModelPackageArn', { type: 'String' });
  const role = new iam.Role(template, 'ModelRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
  const model = new sagemaker.CfnModel(template, 'Model', {
    executionRoleArn: role.roleArn,
    containers: [{ modelPackageName: arn.valueAsString }],
  });
  if (endpointName) {
    const config = new sagemaker.CfnEndpointConfig(template, 'Config', {
      productionVariants: [{ variantName: 'AllTraffic', modelName: model.attrModelName, initialInstanceCount: 1, instanceType: 'ml.m5.large' }],
      kmsKeyId: Fn.sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/aws/sagemaker'),
    });
    new sagemaker.CfnEndpoint(template, 'Endpoint', { endpointName, endpointConfigName: config.attrEndpointConfigName });
  }
  return template;
}

export function toolingStack(app = new App()): Stack {
  return new Stack(app, 'Tooling', { env: TOOLING });
}
