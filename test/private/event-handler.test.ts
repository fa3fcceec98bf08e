import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EventHandlerFunction } from '../../lib/private/event-handler';

const env = { account: '111111111111', region: 'eu-west-1' };

describe('EventHandlerFunction', () => {
  test('its role may use the key of its encrypted dead-letter queue (SQS: a producer needs kms:GenerateDataKey and kms:Decrypt)', () => {
    // GIVEN
    const stack = new Stack(new App(), 'S', { env });
    // WHEN
    const handler = new EventHandlerFunction(stack, 'Handler', {
      handler: 'approval-to-promotion',
      description: 'test handler',
      environment: {},
    });
    // THEN the function sends dead letters to the queue encrypted with this key
    const template = Template.fromStack(stack);
    const keyId = stack.getLogicalId(handler.encryptionKey.node.defaultChild as any);
    const queueId = stack.getLogicalId(handler.deadLetterQueue.node.defaultChild as any);
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResourceProperties('AWS::Lambda::Function', { DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [queueId, 'Arn'] } } });
    const policies = template.findResources('AWS::IAM::ManagedPolicy', {
      Properties: { Roles: [{ Ref: stack.getLogicalId(handler.role.node.defaultChild as any) }] },
    });
    const statements = Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const keyStatements = statements.filter((s: any) => JSON.stringify(s.Resource) === JSON.stringify({ 'Fn::GetAtt': [keyId, 'Arn'] }));
    const keyActions = keyStatements.flatMap((s: any) => [].concat(s.Action));
    expect(keyActions).toEqual(expect.arrayContaining(['kms:GenerateDataKey', 'kms:Decrypt']));
    expect(statements).toEqual(expect.arrayContaining([expect.objectContaining({ Action: 'sqs:SendMessage' })]));
  });
});
