import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { ModelPromotionPipeline } from '../../lib/promotion';

export const TOOLING = { account: '111111111111', region: 'eu-west-1' };
export const STAGING = { account: '222222222222', region: 'eu-west-1' };
export const PRODUCTION = { account: '333333333333', region: 'eu-west-1' };
export const PRODUCTION_2 = { account: '444444444444', region: 'eu-west-1' };

/** A minimal deployment template: the ARN parameter and a model from it. */
export function deploymentTemplate(scope: Construct, id: string, env: { account: string; region: string }): Stack {
  const template = new Stack(scope, id, { env, synthesizer: ModelPromotionPipeline.templateSynthesizer(scope) });
  const arn = new CfnParameter(template, 'ModelPackageArn', { type: 'String' });
  const role = new iam.Role(template, 'ModelRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
  new sagemaker.CfnModel(template, 'Model', {
    executionRoleArn: role.roleArn,
    containers: [{ modelPackageName: arn.valueAsString }],
  });
  return template;
}

export function toolingStack(app = new App()): Stack {
  return new Stack(app, 'Tooling', { env: TOOLING });
}
