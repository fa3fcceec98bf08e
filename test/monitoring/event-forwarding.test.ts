import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventForwarding, ForwardedEvents, PlatformEventBus } from '../../lib/monitoring';
import { complianceProblems } from '../harness/compliance';

const BUS_ARN = 'arn:aws:events:us-east-1:111111111111:event-bus/mlops-platform';
const PRODUCTION = { account: '333333333333', region: 'us-east-1' };

function forwarding(events?: ForwardedEvents): Template {
  const stack = new Stack(new App(), 'Workload', { env: PRODUCTION });
  new EventForwarding(stack, 'Forward', { targetEventBusArn: BUS_ARN, events });
  return Template.fromStack(stack);
}

describe('EventForwarding', () => {
  test('production forwards its monitoring executions, Model Monitor alarms and endpoint changes, one rule each', () => {
    // WHEN
    const template = forwarding(ForwardedEvents.production());
    // THEN
    template.resourceCountIs('AWS::Events::Rule', 3);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.sagemaker'], 'detail-type': ['SageMaker Processing Job State Change'], 'detail': { MonitoringScheduleArn: [{ exists: true }] } },
      Targets: [Match.objectLike({ Arn: BUS_ARN, DeadLetterConfig: Match.anyValue(), RoleArn: Match.anyValue() })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ 'source': ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] }),
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.sagemaker'], 'detail-type': ['SageMaker Endpoint State Change', 'SageMaker Endpoint Deployment State Change'] },
    });
  });

  test('staging forwards its endpoint changes and nothing of monitoring', () => {
    // WHEN
    const template = forwarding(ForwardedEvents.staging());
    // THEN
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.sagemaker'], 'detail-type': ['SageMaker Endpoint State Change', 'SageMaker Endpoint Deployment State Change'] },
    });
    expect(JSON.stringify(template.toJSON())).not.toMatch(/Processing Job|CloudWatch Alarm/);
  });

  test('EventBridge may use the dead-letter key and assume the forwarding role for this account\'s rules only', () => {
    // WHEN
    const template = forwarding();
    // THEN
    const condition = {
      StringEquals: { 'aws:SourceAccount': PRODUCTION.account },
      ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:events:${PRODUCTION.region}:${PRODUCTION.account}:rule/*`]] } },
    };
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'events.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Condition: condition })]) },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'events.amazonaws.com' }, Condition: condition })] },
    });
  });

  test('fails on detail types that are not SageMaker\'s, and on events and detailTypes together', () => {
    expect(() => ForwardedEvents.sageMaker(['CloudWatch Alarm State Change'])).toThrow(/^ForwardedEvents.sageMaker: detailTypes must be SageMaker detail types such as 'SageMaker Endpoint State Change', got "CloudWatch Alarm State Change"$/);
    const stack = new Stack(new App(), 'S', { env: PRODUCTION });
    expect(() => new EventForwarding(stack, 'F', { targetEventBusArn: BUS_ARN, events: ForwardedEvents.staging(), detailTypes: ['SageMaker Endpoint State Change'] }))
      .toThrow('EventForwarding S/F: give events or detailTypes, not both');
  });
});

describe('PlatformEventBus', () => {
  function bus(props: ConstructorParameters<typeof PlatformEventBus>[2]): Template {
    const stack = new Stack(new App(), 'Tooling', { env: { account: '111111111111', region: 'us-east-1' } });
    new PlatformEventBus(stack, 'Bus', props);
    return Template.fromStack(stack);
  }
  const root = (account: string) => ({ AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:root`]] } });

  test('admits each account only for the sources and detail types it forwards (events:source, events:detail-type)', () => {
    // WHEN
    const template = bus({ sources: [{ account: '222222222222', events: ForwardedEvents.staging() }, { account: '333333333333', events: ForwardedEvents.production() }] });
    // THEN
    const statements = Object.values(template.findResources('AWS::Events::EventBusPolicy')).map((r) => r.Properties.Statement);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({
        Principal: root('222222222222'), Action: 'events:PutEvents',
        Condition: { 'ForAllValues:StringEquals': { 'events:source': ['aws.sagemaker'] }, 'StringEquals': { 'events:detail-type': ['SageMaker Endpoint Deployment State Change', 'SageMaker Endpoint State Change'] } },
      }),
      expect.objectContaining({
        Principal: root('333333333333'),
        Condition: { 'ForAllValues:StringEquals': { 'events:source': ['aws.sagemaker'] }, 'StringEquals': { 'events:detail-type': ['SageMaker Endpoint Deployment State Change', 'SageMaker Endpoint State Change', 'SageMaker Processing Job State Change'] } },
      }),
      expect.objectContaining({
        Principal: root('333333333333'),
        Condition: { 'ForAllValues:StringEquals': { 'events:source': ['aws.cloudwatch'] }, 'StringEquals': { 'events:detail-type': ['CloudWatch Alarm State Change'] } },
      }),
    ]));
    expect(statements).toHaveLength(3);
    // Staging may not put a monitoring execution.
    expect(JSON.stringify(statements.filter((st) => JSON.stringify(st).includes('222222222222')))).not.toMatch(/Processing Job|cloudwatch/);
  });

  test('sourceAccounts are admitted for what production forwards; the bus\'s own account needs no statement', () => {
    // WHEN
    const template = bus({ sourceAccounts: ['333333333333', '111111111111'] });
    // THEN
    template.resourceCountIs('AWS::Events::EventBusPolicy', 2);
    expect(JSON.stringify(template.findResources('AWS::Events::EventBusPolicy'))).not.toContain('111111111111:root');
  });

  test('fails on accounts that are not account ids, and on no account at all', () => {
    expect(() => bus({ sourceAccounts: ['abc'] })).toThrow(/^PlatformEventBus Tooling\/Bus: sourceAccounts and sources must name 12-digit account ids, got "abc"$/);
    expect(() => bus({})).toThrow(/^PlatformEventBus Tooling\/Bus: sourceAccounts or sources must name at least one account$/);
  });

  test('the bus and the forwarding are compliant', () => {
    expect(complianceProblems((app) => {
      new PlatformEventBus(new Stack(app, 'Tooling', { env: { account: '111111111111', region: 'us-east-1' } }), 'Bus', { sources: [{ account: '333333333333', events: ForwardedEvents.production() }] });
      new EventForwarding(new Stack(app, 'Production', { env: PRODUCTION }), 'Forward', { targetEventBusArn: BUS_ARN });
    })).toEqual([]);
  });
});
