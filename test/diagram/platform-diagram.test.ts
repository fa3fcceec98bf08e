import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { PlatformDiagram } from '../../lib';
import { main } from '../../lib/diagram/command';
import { deployTarget, promotion, STAGING, TOOLING } from '../fixtures/deployability/common';
import { accountOf, edgesBetween, find, Flowchart, parseFlowchart } from './mermaid-structure';

/*
 * Apps built from aws-cdk-lib's own constructs (and the deployability check's promotion fixture,
 * a plain CfnPipeline): the diagram reads templates, not this library's classes.
 */
const WORKLOAD = { account: '333333333333', region: 'eu-west-1' };
const FAR = { account: '444444444444', region: 'eu-west-1' };

const apps: string[] = [];
function newApp(): App {
  const outdir = mkdtempSync(path.join(tmpdir(), 'diagram-'));
  apps.push(outdir);
  return new App({ outdir });
}
afterAll(() => {
  for (const dir of apps) rmSync(dir, { recursive: true, force: true });
});

function draw(build: (app: App) => void): { diagram: PlatformDiagram; chart: Flowchart } {
  const app = newApp();
  build(app);
  const diagram = PlatformDiagram.fromStage(app);
  return { diagram, chart: parseFlowchart(diagram.mermaid()) };
}

function handler(scope: Stack, id: string, description: string): lambda.Function {
  return new lambda.Function(scope, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
    description,
  });
}

function buildPipeline(scope: Stack, name: string): sagemaker.CfnPipeline {
  return new sagemaker.CfnPipeline(scope, 'Build', {
    pipelineName: name,
    roleArn: `arn:aws:iam::${Stack.of(scope).account}:role/jobs`,
    pipelineDefinition: { PipelineDefinitionBody: JSON.stringify({ Version: '2020-12-01', Steps: [] }) },
  });
}

function approvals(group: string): events.EventPattern {
  return { source: ['aws.sagemaker'], detailType: ['SageMaker Model Package State Change'], detail: { ModelPackageGroupName: [group], ModelApprovalStatus: ['Approved'] } };
}

describe('events of a registry', () => {
  test('an approval rule on the registry\'s group draws registry -> target; a rule on another group is fed from outside the app', () => {
    // GIVEN
    const { chart } = draw((app) => {
      const stack = new Stack(app, 'Registry', { env: TOOLING });
      new sagemaker.CfnModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'fraud' });
      new events.Rule(stack, 'Approvals', { eventPattern: approvals('fraud'), targets: [new targets.LambdaFunction(handler(stack, 'OnApproval', 'Promotes approved fraud models'))] });
      new events.Rule(stack, 'Elsewhere', { eventPattern: approvals('churn'), targets: [new targets.LambdaFunction(handler(stack, 'OnChurn', 'Promotes approved churn models'))] });
    });

    // THEN
    const registry = find(chart, /^model registry\nfraud$/);
    const fraud = find(chart, /^Lambda function\nPromotes approved fraud models$/);
    const churn = find(chart, /^Lambda function\nPromotes approved churn models$/);
    expect(edgesBetween(chart, registry.id, fraud.id).map((e) => e.label)).toEqual(['Model Package State Change:\nApproved']);
    expect(edgesBetween(chart, registry.id, churn.id)).toEqual([]);
    const outside = find(chart, /^events from outside this app\nSageMaker Model Package State Change: churn,\nApproved$/);
    expect(accountOf(chart, outside.id)).toBe('account 111111111111');
    expect(edgesBetween(chart, outside.id, churn.id)).toHaveLength(1);
  });

  test('a disabled rule draws nothing, and a function in no flow is left out', () => {
    // GIVEN
    const { chart } = draw((app) => {
      const stack = new Stack(app, 'Registry', { env: TOOLING });
      new sagemaker.CfnModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'fraud' });
      new events.Rule(stack, 'Approvals', { enabled: false, eventPattern: approvals('fraud'), targets: [new targets.LambdaFunction(handler(stack, 'OnApproval', 'Promotes approved fraud models'))] });
      handler(stack, 'Idle', 'Does nothing anyone sees');
    });

    // THEN
    expect(chart.edges).toEqual([]);
    expect([...chart.declared.values()].map((d) => d.label.split('\n')[0]).sort()).toEqual(['account 111111111111', 'model registry', 'stack Registry · eu-west-1']);
  });
});

describe('events across accounts', () => {
  function platform(app: App) {
    // a workload account's monitor; its default bus forwards SageMaker events to the tooling bus
    const workload = new Stack(app, 'Workload', { env: WORKLOAD });
    new sagemaker.CfnMonitoringSchedule(workload, 'Monitor', {
      monitoringScheduleName: 'fraud-monitor',
      monitoringScheduleConfig: { monitoringJobDefinitionName: 'fraud-dq', monitoringType: 'DataQuality', scheduleConfig: { scheduleExpression: 'cron(0 * ? * * *)' } },
    });
    const central = events.EventBus.fromEventBusArn(workload, 'Central', `arn:aws:events:eu-west-1:${TOOLING.account}:event-bus/central`);
    new events.Rule(workload, 'Forward', { eventPattern: { source: ['aws.sagemaker'] }, targets: [new targets.EventBus(central)] });

    // the tooling account: the bus, a drift handler that may start the build, and a rule that
    // forwards again to a third account (which EventBridge does not do)
    const tooling = new Stack(app, 'Tooling', { env: TOOLING });
    const bus = new events.EventBus(tooling, 'Bus', { eventBusName: 'central' });
    const build = buildPipeline(tooling, 'fraud-build');
    const drift = handler(tooling, 'Drift', 'Retrains fraud on drift');
    drift.addToRolePolicy(new iam.PolicyStatement({ actions: ['sagemaker:StartPipelineExecution'], resources: [`arn:aws:sagemaker:eu-west-1:${TOOLING.account}:pipeline/${build.pipelineName}`] }));
    new events.Rule(tooling, 'Violations', {
      eventBus: bus,
      eventPattern: { source: ['aws.sagemaker'], detailType: ['SageMaker Processing Job State Change'], detail: { MonitoringScheduleArn: events.Match.suffix(':monitoring-schedule/fraud-monitor') } },
      targets: [new targets.LambdaFunction(drift)],
    });
    new events.Rule(tooling, 'OtherMonitor', {
      eventBus: bus,
      eventPattern: { source: ['aws.sagemaker'], detail: { MonitoringScheduleArn: events.Match.suffix(':monitoring-schedule/churn-monitor') } },
      targets: [new targets.LambdaFunction(handler(tooling, 'ChurnDrift', 'Retrains churn on drift'))],
    });
    const far = events.EventBus.fromEventBusArn(tooling, 'Far', `arn:aws:events:eu-west-1:${FAR.account}:event-bus/far`);
    new events.Rule(tooling, 'Onward', { eventBus: bus, eventPattern: { source: ['aws.sagemaker'] }, targets: [new targets.EventBus(far)] });
    const farStack = new Stack(app, 'Far', { env: FAR });
    const farBus = new events.EventBus(farStack, 'Bus', { eventBusName: 'far' });
    new events.Rule(farStack, 'Anything', { eventBus: farBus, eventPattern: { source: ['aws.sagemaker'] }, targets: [new targets.LambdaFunction(handler(farStack, 'Far', 'Never called'))] });
  }

  test('monitor -> forwarding rule -> the other account\'s bus -> the rule that matches its schedule -> the pipeline its role may start', () => {
    // GIVEN
    const { chart } = draw(platform);

    // THEN
    const monitor = find(chart, /^model monitor\nfraud-monitor\nDataQuality · cron\(0 \* \? \* \* \*\)$/);
    const forwarding = find(chart, /^event forwarding\nto central of 111111111111$/);
    const bus = find(chart, /^event bus\ncentral$/);
    const drift = find(chart, /^Lambda function\nRetrains fraud on drift$/);
    const build = find(chart, /^SageMaker pipeline\nfraud-build$/);
    expect(accountOf(chart, monitor.id)).toBe('account 333333333333');
    expect(accountOf(chart, forwarding.id)).toBe('account 333333333333');
    expect(accountOf(chart, bus.id)).toBe('account 111111111111');
    expect(edgesBetween(chart, monitor.id, forwarding.id).map((e) => e.label)).toEqual(['Processing Job State Change']);
    expect(edgesBetween(chart, forwarding.id, bus.id)).toHaveLength(1);
    expect(edgesBetween(chart, bus.id, drift.id).map((e) => e.label)).toEqual(['Processing Job State Change ·\nfrom fraud-monitor']);
    expect(edgesBetween(chart, drift.id, build.id).map((e) => [e.arrow, e.label])).toEqual([['-->', 'StartPipelineExecution']]);
  });

  test('a forwarded event is not forwarded again (EventBridge forwards once), and a rule on another schedule gets nothing', () => {
    // GIVEN
    const { chart } = draw(platform);

    // THEN the rule forwarding to the third account is drawn, with no flow through it
    const onward = find(chart, /^event forwarding\nto far of 444444444444$/);
    expect(chart.edges.filter((e) => e.from === onward.id || e.to === onward.id)).toEqual([]);
    expect([...chart.declared.values()].filter((d) => /Never called|Retrains churn/.test(d.label))).toEqual([]);
  });
});

describe('deployments by a pipeline', () => {
  function app(withApproval: boolean) {
    return (a: App) => {
      const { pipeline } = promotion(a, (template) => {
        new sagemaker.CfnEndpoint(template, 'Endpoint', { endpointName: 'fraud-staging', endpointConfigName: 'fraud-config' });
      }, { stackName: 'fraud-staging' });
      if (withApproval) {
        pipeline.addPropertyOverride('Stages.1.Actions.0.RunOrder', 2);
        pipeline.addPropertyOverride('Stages.1.Actions.1', { Name: 'Approve', ActionTypeId: { Category: 'Approval', Owner: 'AWS', Provider: 'Manual', Version: '1' }, RunOrder: 1 });
      }
      deployTarget(a);
    };
  }

  test('the pipeline deploys the template as a stack of the action\'s account and region, and assumes the deploy role of the target stack', () => {
    // GIVEN
    const { chart, diagram } = draw(app(false));

    // THEN
    const pipeline = find(chart, /^CodePipeline\nPipeline\nSource → Deploy$/);
    const deployed = find(chart, /^stack fraud-staging · eu-west-1 · deployed by CodePipeline$/, { subgraph: true });
    const target = find(chart, /^stack Target · eu-west-1\n\d+ resources$/);
    expect(accountOf(chart, pipeline.id)).toBe('account 111111111111');
    expect(accountOf(chart, deployed.id)).toBe(`account ${STAGING.account} · promotion: Deploy`);
    expect(find(chart, /^endpoint\nfraud-staging$/, { within: deployed.id })).toBeDefined();
    expect(edgesBetween(chart, pipeline.id, deployed.id).map((e) => [e.arrow, e.label])).toEqual([['==>', 'Deploy']]);
    expect(edgesBetween(chart, pipeline.id, target.id).map((e) => [e.arrow, e.label])).toEqual([['-.->', 'assumes role']]);
    expect(diagram.accounts).toEqual([TOOLING.account, STAGING.account]);
  });

  test('a manual approval earlier in the stage is in the label of the deployment', () => {
    // GIVEN
    const { chart } = draw(app(true));

    // THEN
    const pipeline = find(chart, /^CodePipeline\nPipeline\n/);
    const deployed = find(chart, /^stack fraud-staging · /, { subgraph: true });
    expect(edgesBetween(chart, pipeline.id, deployed.id).map((e) => e.label)).toEqual(['Deploy, after manual approval']);
  });
});

describe('drawing', () => {
  test('schedules draw an edge to what they start; environment-agnostic stacks are in an account unknown at synth', () => {
    // GIVEN
    const { chart, diagram } = draw((app) => {
      const stack = new Stack(app, 'Agnostic');
      new events.Rule(stack, 'Nightly', { schedule: events.Schedule.rate(Duration.days(1)), targets: [new targets.LambdaFunction(handler(stack, 'Report', 'Writes the nightly report'))] });
    });

    // THEN
    const schedule = find(chart, /^schedule\nrate\(1 day\)$/);
    const report = find(chart, /^Lambda function\nWrites the nightly report$/);
    expect(edgesBetween(chart, schedule.id, report.id).map((e) => e.label)).toEqual(['on schedule']);
    expect(accountOf(chart, report.id)).toBe('account unknown at synth (environment-agnostic stacks)');
    expect(find(chart, /^stack Agnostic · region unknown at synth$/, { subgraph: true })).toBeDefined();
    expect(diagram.accounts).toEqual([]);
  });

  test('labels keep quotes, angle brackets, # and | of the app as Mermaid entity codes; long descriptions wrap', () => {
    // GIVEN
    const description = 'Says "hi" to <team> #1 | then waits for the next very long line of text';
    const { diagram, chart } = draw((app) => {
      const stack = new Stack(app, 'Labels', { env: TOOLING });
      new events.Rule(stack, 'Nightly', { schedule: events.Schedule.rate(Duration.hours(1)), targets: [new targets.LambdaFunction(handler(stack, 'Fn', description))] });
    });

    // THEN
    expect(diagram.mermaid()).toContain('Says #quot;hi#quot; to #lt;team#gt; #35;1 #124; then waits for the<br/>next very long line of text');
    expect(find(chart, /^Lambda function\n/).label).toBe(`Lambda function\n${description.replace('the next', 'the\nnext')}`);
  });

  test('the same app drawn twice, and its cdk.out directory, give the same text', () => {
    // GIVEN
    const first = newApp();
    const second = newApp();
    for (const a of [first, second]) {
      const stack = new Stack(a, 'Registry', { env: TOOLING });
      new sagemaker.CfnModelPackageGroup(stack, 'Group', { modelPackageGroupName: 'fraud' });
      new events.Rule(stack, 'Approvals', { eventPattern: approvals('fraud'), targets: [new targets.LambdaFunction(handler(stack, 'OnApproval', 'Promotes approved fraud models'))] });
    }

    // WHEN
    const a = PlatformDiagram.fromStage(first).mermaid();
    const b = PlatformDiagram.fromStage(second).mermaid();

    // THEN
    expect(b).toBe(a);
    expect(PlatformDiagram.fromDirectory(first.outdir).mermaid()).toBe(a);
  });

  test('updateMarkdown replaces what is between the markers and keeps the rest', () => {
    // GIVEN
    const { diagram } = draw((app) => {
      new sagemaker.CfnModelPackageGroup(new Stack(app, 'Registry', { env: TOOLING }), 'Group', { modelPackageGroupName: 'fraud' });
    });
    const text = `# title\n\n${PlatformDiagram.START_MARKER}\nold picture\n${PlatformDiagram.END_MARKER}\n\nmore\n`;

    // WHEN
    const updated = diagram.updateMarkdown(text);

    // THEN
    expect(updated).toBe(`# title\n\n${PlatformDiagram.START_MARKER}\n${diagram.markdown()}${PlatformDiagram.END_MARKER}\n\nmore\n`);
    expect(diagram.updateMarkdown(updated)).toBe(updated);
  });

  test('fails on a text without both markers, naming them and what to do', () => {
    // GIVEN
    const { diagram } = draw((app) => {
      new sagemaker.CfnModelPackageGroup(new Stack(app, 'Registry', { env: TOOLING }), 'Group', { modelPackageGroupName: 'fraud' });
    });

    // THEN
    expect(() => diagram.updateMarkdown(`# title\n${PlatformDiagram.END_MARKER}\n${PlatformDiagram.START_MARKER}\n`))
      .toThrow("PlatformDiagram: the text has no '<!-- diagram:start -->' line followed by a '<!-- diagram:end -->' line; add both where the diagram goes");
  });

  test('fails on a directory without a cloud assembly, saying to run cdk synth', () => {
    // GIVEN
    const dir = mkdtempSync(path.join(tmpdir(), 'diagram-empty-'));
    apps.push(dir);

    // THEN
    expect(() => PlatformDiagram.fromDirectory(dir)).toThrow(`PlatformDiagram: ${dir} holds no cloud assembly (no manifest.json); run 'cdk synth' first or pass the directory it writes (cdk.out)`);
  });
});

describe('the mlops-diagram command', () => {
  function run(argv: string[]) {
    const printed = { out: '', err: '' };
    const code = main(argv, { out: (t) => { printed.out += t; }, err: (t) => { printed.err += t; } });
    return { code, ...printed };
  }
  let outdir: string;
  beforeAll(() => {
    const app = newApp();
    new sagemaker.CfnModelPackageGroup(new Stack(app, 'Registry', { env: TOOLING }), 'Group', { modelPackageGroupName: 'fraud' });
    app.synth();
    outdir = app.outdir;
  });

  test('prints a mermaid block of the directory, or the Mermaid text, or writes a file', () => {
    // GIVEN
    const diagram = PlatformDiagram.fromDirectory(outdir);
    const file = path.join(outdir, 'diagram.md');

    // THEN
    expect(run([outdir])).toEqual({ code: 0, out: diagram.markdown(), err: '' });
    expect(run([outdir, '--mermaid']).out).toBe(diagram.mermaid());
    expect(run([outdir, '--out', file])).toEqual({ code: 0, out: '', err: '' });
    expect(require('fs').readFileSync(file, 'utf8')).toBe(diagram.markdown());
  });

  test('fails with exit code 2 on arguments it does not take, naming each problem and the usage', () => {
    // THEN
    const bad = run([outdir, 'other', '--check', '--mermaid', '--out', 'x.md']);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe(`mlops-diagram: one cloud assembly directory at most, got '${outdir}', 'other'; --check needs --update <markdown file>\nusage: mlops-diagram [<cloud assembly directory, default cdk.out>] [--mermaid] [--out <file> | --update <markdown file> [--check]]\n`);
    expect(run(['--verbose']).err).toMatch(/^mlops-diagram: unexpected argument '--verbose'\n/);
  });

  test('fails with exit code 2 on a directory without an assembly and on a file without markers', () => {
    // GIVEN
    const dir = mkdtempSync(path.join(tmpdir(), 'diagram-none-'));
    apps.push(dir);
    const file = path.join(dir, 'README.md');
    writeFileSync(file, '# no markers\n');

    // THEN
    expect(run([dir])).toEqual({ code: 2, out: '', err: `mlops-diagram: PlatformDiagram: ${dir} holds no cloud assembly (no manifest.json); run 'cdk synth' first or pass the directory it writes (cdk.out)\n` });
    const noMarkers = run([outdir, '--update', file]);
    expect(noMarkers.code).toBe(2);
    expect(noMarkers.err).toContain(`mlops-diagram: ${file}: PlatformDiagram: the text has no '<!-- diagram:start -->' line`);
  });
});
