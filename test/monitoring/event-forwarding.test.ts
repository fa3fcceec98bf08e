import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventForwarding } from '../../lib/monitoring';

test('EventBridge may write undeliverable events into the key-encrypted dead-letter queue', () => {
  // GIVEN
  const stack = new Stack(new App(), 'Production', { env: { account: '333333333333', region: 'us-east-1' } });
  // WHEN
  new EventForwarding(stack, 'Forward', { targetEventBusArn: 'arn:aws:events:us-east-1:111111111111:event-bus/mlops-platform' });
  // THEN
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::KMS::Key', {
    KeyPolicy: {
      Statement: Match.arrayWith([Match.objectLike({
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      })]),
    },
  });
  template.hasResourceProperties('AWS::Events::Rule', {
    Targets: [Match.objectLike({ Arn: 'arn:aws:events:us-east-1:111111111111:event-bus/mlops-platform', DeadLetterConfig: Match.anyValue() })],
  });
});
