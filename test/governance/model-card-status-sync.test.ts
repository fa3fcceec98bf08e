import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ModelCardStatusSync } from '../../lib/governance';
import { ModelPackageGroup } from '../../lib/registry';
import { policyActions, unknownActions } from './iam-catalogue';

const TOOLING = { account: '111111111111', region: 'eu-west-1' };

function build(stack: Stack): ModelCardStatusSync {
  const group = new ModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'churn' });
  return new ModelCardStatusSync(stack, 'Cards', { modelPackageGroup: group });
}

describe('ModelCardStatusSync', () => {
  let stack: Stack;
  let template: Template;

  beforeAll(() => {
    // GIVEN
    stack = new Stack(new App(), 'Tooling', { env: TOOLING });
    // WHEN
    build(stack);
    template = Template.fromStack(stack);
  });

  test('the rule matches every state change of the group\'s packages, whatever the status', () => {
    // THEN
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Package State Change'],
        'detail': { ModelPackageGroupName: ['churn'] },
      },
      Targets: [Match.objectLike({
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CardsHandlerDeadLetters'), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
      })],
    });
  });

  test('the handler knows its group and its own role, and runs one at a time', () => {
    // THEN
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MODEL_PACKAGE_GROUP_NAME: 'churn', OWN_ROLE_NAME: { Ref: Match.stringLikeRegexp('^CardsHandlerRole') } }) },
      ReservedConcurrentExecutions: 1,
    });
  });

  test('its role may describe and update the group\'s packages only', () => {
    // THEN
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Action: ['sagemaker:DescribeModelPackage', 'sagemaker:UpdateModelPackage'],
          Effect: 'Allow',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:111111111111:model-package/churn/*']] },
        }]),
      },
    });
    expect(policyActions(stack).filter((a) => a.startsWith('sagemaker:'))).toEqual(['sagemaker:DescribeModelPackage', 'sagemaker:UpdateModelPackage']);
    expect(unknownActions(policyActions(stack))).toEqual([]);
  });

  test('dead letters, errors and malformed events alarm', () => {
    // THEN
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
  });

  test('fails for a group of another account or region, naming both', () => {
    // GIVEN
    const other = new Stack(new App(), 'Other', { env: TOOLING });
    const group = ModelPackageGroup.fromModelPackageGroupArn(other, 'Group', 'arn:aws:sagemaker:us-east-1:999999999999:model-package-group/churn');
    // WHEN / THEN
    expect(() => new ModelCardStatusSync(other, 'Cards', { modelPackageGroup: group })).toThrow(
      "ModelCardStatusSync Other/Cards: modelPackageGroup lives in account 999999999999, but its state changes reach only that account's event bus, not 111111111111: create the construct in the group's account; modelPackageGroup lives in region us-east-1, but its state changes reach only that region's event bus, not eu-west-1: create the construct in the group's region",
    );
  });
});
