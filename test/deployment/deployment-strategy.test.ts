import { Duration } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { CapacitySize, DeploymentStrategy } from '../../lib/deployment';

// The ranges SageMaker documents: canary <= 50% of the fleet, linear steps 10-50%, rolling
// batches 5-50%, waits 0-3600 s, blue/green timeouts 600-14400 s.
const wait = fc.integer({ min: 0, max: 3600 }).map((s) => Duration.seconds(s));

describe('DeploymentStrategy ranges', () => {
  test('a canary is valid exactly for whole percentages from 1 to 50', () => {
    fc.assert(fc.property(fc.oneof(fc.integer({ min: -20, max: 120 }), fc.double({ min: -5, max: 105, noNaN: true })), wait, (percent, w) => {
      // GIVEN / WHEN
      const problems = DeploymentStrategy.canary({ percent, wait: w })._problems();
      // THEN
      const valid = Number.isInteger(percent) && percent >= 1 && percent <= 50;
      expect(problems).toEqual(valid ? [] : [`canary percent must be a whole percentage between 1 and 50, got ${percent}`]);
    }));
  });

  test('a linear step is valid exactly for whole percentages from 10 to 50', () => {
    fc.assert(fc.property(fc.integer({ min: -20, max: 120 }), (stepPercent) => {
      const problems = DeploymentStrategy.linear({ stepPercent, wait: Duration.minutes(1) })._problems();
      expect(problems.length === 0).toBe(stepPercent >= 10 && stepPercent <= 50);
    }));
  });

  test('a rolling batch is valid for 5 to 50 percent or at least one instance', () => {
    fc.assert(fc.property(fc.boolean(), fc.integer({ min: -5, max: 120 }), (asPercent, value) => {
      const batchSize = asPercent ? CapacitySize.percent(value) : CapacitySize.instances(value);
      const problems = DeploymentStrategy.rolling({ batchSize, wait: Duration.minutes(1) })._problems();
      const valid = asPercent ? value >= 5 && value <= 50 : value >= 1;
      expect(problems.length === 0).toBe(valid);
    }));
  });

  test('waits beyond an hour and blue/green timeouts outside 10 minutes to 4 hours are refused', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 20_000 }), (waitSeconds, timeoutSeconds) => {
      const problems = DeploymentStrategy.canary({
        percent: 10, wait: Duration.seconds(waitSeconds), maximumExecutionTimeout: Duration.seconds(timeoutSeconds),
      })._problems();
      expect(problems.some((p) => p.startsWith('wait '))).toBe(waitSeconds > 3600);
      expect(problems.some((p) => p.startsWith('maximum execution timeout'))).toBe(timeoutSeconds < 600 || timeoutSeconds > 14400);
    }));
  });

  test('renders the named alarms as the rollback configuration, none when there are none', () => {
    const strategy = DeploymentStrategy.linear({ stepPercent: 20, wait: Duration.minutes(2) });
    expect(strategy.kind).toEqual('LINEAR');
    expect(strategy.isRolling).toBe(false);
    expect(strategy._render(['a', 'b']).autoRollbackConfiguration).toEqual({ alarms: [{ alarmName: 'a' }, { alarmName: 'b' }] });
    expect(strategy._render([]).autoRollbackConfiguration).toBeUndefined();
    expect(DeploymentStrategy.rolling({ batchSize: CapacitySize.instances(1), wait: Duration.minutes(1) }).isRolling).toBe(true);
  });
});
