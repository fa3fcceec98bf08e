import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { synthesizeReferencePlatform } from '../../bin/mlops-diagram';
import { PlatformDiagram } from '../../lib';
import { main } from '../../lib/diagram/command';
import { accountOf, edgesBetween, find, Flowchart, parseFlowchart } from './mermaid-structure';

/*
 * The README's "What you deploy" shows the diagram of the reference platform (bin/app.ts). One
 * synthesis of bin/app.ts serves every test here: the README copy, the command on the assembly
 * directory, and the flows the picture must show.
 */
const ROOT = path.join(__dirname, '..', '..');
const REFRESH = 'npx tsx bin/mlops-diagram.ts --update README.md';

let app: App;
let outdir: string;
let diagram: PlatformDiagram;
let chart: Flowchart;

beforeAll(() => {
  ({ app, outdir } = synthesizeReferencePlatform());
  diagram = PlatformDiagram.fromDirectory(outdir);
  chart = parseFlowchart(diagram.mermaid());
});

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

function capture() {
  const printed = { out: '', err: '' };
  return { printed, io: { out: (t: string) => { printed.out += t; }, err: (t: string) => { printed.err += t; } } };
}

describe('the README', () => {
  test(`shows the diagram of bin/app.ts as it is now (refresh it: ${REFRESH})`, () => {
    // GIVEN
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

    // WHEN
    const current = diagram.updateMarkdown(readme);

    // THEN
    if (current !== readme) {
      throw new Error(`README.md's diagram between ${PlatformDiagram.START_MARKER} and ${PlatformDiagram.END_MARKER} is stale: refresh it with '${REFRESH}'`);
    }
    expect(readme).toContain('## What you deploy');
    expect(readme.indexOf('## What you deploy')).toBeGreaterThan(readme.indexOf('## The loop'));
    expect(readme.indexOf('## What you deploy')).toBeLessThan(readme.indexOf('## Quickstart'));
  });

  test('a stale copy is found: --check exits 1 naming the file and the command that refreshes it, and --update makes it current', () => {
    // GIVEN a README whose diagram lost a line
    const dir = mkdtempSync(path.join(tmpdir(), 'diagram-readme-'));
    const file = path.join(dir, 'README.md');
    const fresh = diagram.updateMarkdown(`# app\n\n${PlatformDiagram.START_MARKER}\n${PlatformDiagram.END_MARKER}\n`);
    writeFileSync(file, fresh.replace(/\n[^\n]*assumes role[^\n]*/, ''));
    const { printed, io } = capture();

    // WHEN
    const checked = main([outdir, '--update', file, '--check'], io);
    const updated = main([outdir, '--update', file], io);

    // THEN
    expect(checked).toBe(1);
    expect(printed.err).toContain(`the diagram in ${file} is not the one of this app; refresh it: mlops-diagram ${outdir} --update ${file}`);
    expect(updated).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(fresh);
    expect(main([outdir, '--update', file, '--check'], io)).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('the diagram of the reference platform', () => {
  test('is valid Mermaid, the same from the app and from its cdk.out directory, and the same twice', () => {
    // THEN (parsing checked every line, id and label in beforeAll)
    expect(chart.direction).toBe('LR');
    const { printed, io } = capture();
    expect(main([outdir, '--mermaid'], io)).toBe(0);
    expect(printed.out).toBe(diagram.mermaid());
    expect(PlatformDiagram.fromStage(app).mermaid()).toBe(diagram.mermaid());
    expect(PlatformDiagram.fromDirectory(outdir).mermaid()).toBe(diagram.mermaid());
    expect(diagram.markdown()).toBe(`\`\`\`mermaid\n${diagram.mermaid()}\`\`\`\n`);
  });

  test('groups by account, then by stack with its region', () => {
    // THEN
    expect(diagram.accounts).toEqual(['111111111111', '222222222222', '333333333333']);
    const tooling = find(chart, /^stack Mlops-Platform-Tooling · eu-west-1$/, { subgraph: true });
    expect(accountOf(chart, tooling.id)).toBe('account 111111111111');
    expect(accountOf(chart, find(chart, /^stack mlops-churn-staging · eu-west-1 · deployed by CodePipeline$/).id)).toBe('account 222222222222 · promotion: Staging');
    expect(accountOf(chart, find(chart, /^stack mlops-churn-production · eu-west-1 · deployed by CodePipeline$/).id)).toBe('account 333333333333 · promotion: Production-wave1');
    // a stack without key resources is one node
    expect(find(chart, /^stack Mlops-Churn-Staging · eu-west-1\n\d+ resources$/, { subgraph: false })).toBeDefined();
  });

  describe.each(['churn', 'house-prices'])('project %s', (project) => {
    const stackOf = (name: string) => find(chart, new RegExp(`^stack ${name} · eu-west-1`), { subgraph: true }).id;

    test('approval -> approval handler -> promotion pipeline -> staging, then production after the manual approval', () => {
      // GIVEN
      const registry = find(chart, new RegExp(`^model registry\\n${project}\\nshared with 222222222222, 333333333333$`));
      const handler = find(chart, new RegExp(`^Lambda function\\nStarts the promotion of approved model\\npackages of ${project}$`));
      const promotion = find(chart, new RegExp(`^CodePipeline\\nmlops-${project}-promotion\\n`));

      // THEN
      expect(accountOf(chart, registry.id)).toBe('account 111111111111');
      // every status change, not only approvals: a rejection must stop the package's promotion (issue 12 item 5)
      expect(edgesBetween(chart, registry.id, handler.id)).toEqual([{ from: registry.id, to: handler.id, arrow: '-->', label: 'Model Package State Change' }]);
      expect(edgesBetween(chart, handler.id, promotion.id).map((e) => e.label)).toEqual(['StartPipelineExecution']);
      const staging = stackOf(`mlops-${project}-staging`);
      const production = stackOf(`mlops-${project}-production`);
      expect(edgesBetween(chart, promotion.id, staging).map((e) => [e.arrow, e.label])).toEqual([['==>', 'Staging']]);
      expect(edgesBetween(chart, promotion.id, production).map((e) => [e.arrow, e.label])).toEqual([['==>', 'Production-wave1, after manual\napproval']]);
      expect(find(chart, new RegExp(`^endpoint\\n${project}-staging$`), { within: staging })).toBeDefined();
      expect(find(chart, new RegExp(`^endpoint\\n${project}-production$`), { within: production })).toBeDefined();
    });

    test('the promotion assumes the deploy roles of the project\'s staging and production stacks', () => {
      // GIVEN
      const promotion = find(chart, new RegExp(`^CodePipeline\\nmlops-${project}-promotion\\n`));
      const camel = project === 'churn' ? 'Churn' : 'HousePrices';

      // THEN
      for (const target of [`Mlops-${camel}-Staging`, `Mlops-${camel}-Production1`]) {
        const stack = find(chart, new RegExp(`^stack ${target} · eu-west-1`));
        expect(edgesBetween(chart, promotion.id, stack.id).map((e) => [e.arrow, e.label])).toEqual([['-.->', 'assumes role']]);
      }
    });

    test('monitor -> forwarding -> tooling bus -> drift handler -> retraining of the build pipeline', () => {
      // GIVEN
      const monitor = find(chart, new RegExp(`^model monitor\\n${project}-production-data-quality\\n`));
      // production forwards three kinds of events (endpoints, monitor alarms, monitoring executions), each by a rule of its own
      const forwardings = [...chart.declared.values()].filter((d) => /^event forwarding\n[\s\S]*\nto sagemaker-mlops-platform of 111111111111$/.test(d.label)
        && d.parents.includes(find(chart, /^stack Mlops-Platform-Production1/).id));
      expect(forwardings).toHaveLength(3);
      const fromMonitor = forwardings.filter((f) => edgesBetween(chart, monitor.id, f.id).length > 0);
      expect(fromMonitor).toHaveLength(1);
      const forwarding = fromMonitor[0];
      // each box says what it forwards
      const forwarded = (label: string) => label.split('\n').slice(1, -1).join(' ');
      expect(forwardings.map((f) => forwarded(f.label)).sort()).toEqual(['Alarm State Change', 'Endpoint State Change, Endpoint Deployment State Change', 'Processing Job State Change']);
      expect(forwarded(forwarding.label)).toBe('Processing Job State Change');
      const bus = find(chart, /^event bus\nsagemaker-mlops-platform$/);
      const drift = find(chart, /^Lambda function\nStarts the model-build pipeline when a\nmonitored endpoint drifts$/, { within: stackOf(`Mlops-${project === 'churn' ? 'Churn' : 'HousePrices'}-Tooling`) });
      const build = find(chart, new RegExp(`^SageMaker pipeline\\n${project}-build$`));

      // THEN
      expect(accountOf(chart, monitor.id)).toBe('account 333333333333 · promotion: Production-wave1');
      expect(edgesBetween(chart, monitor.id, forwarding.id).map((e) => e.label)).toEqual(['Processing Job State Change']);
      expect(edgesBetween(chart, forwarding.id, bus.id)).toHaveLength(1);
      expect(accountOf(chart, bus.id)).toBe('account 111111111111');
      const toDrift = edgesBetween(chart, bus.id, drift.id).map((e) => e.label!.replace(/\n/g, ' '));
      expect(toDrift).toEqual([`Processing Job State Change: Completed, CompletedWithViolations… · from ${project}-production-data-quality`]);
      expect(edgesBetween(chart, drift.id, build.id).map((e) => e.label)).toEqual(['StartPipelineExecution']);
    });

    test('new data in the project\'s bucket starts its build pipeline', () => {
      // GIVEN
      const bucket = find(chart, new RegExp(`^S3 bucket\\nmlops-${project}-data-111111111111$`));
      const build = find(chart, new RegExp(`^SageMaker pipeline\\n${project}-build$`));

      // THEN
      expect(edgesBetween(chart, bucket.id, build.id).map((e) => e.label)).toEqual(['Object Created: data/…']);
    });
  });

  test('a push to the house-prices build repository updates and starts its pipeline; the Studio product launches a registry', () => {
    // GIVEN
    const source = find(chart, /^CodePipeline\nBuildSource\nSource → UpdateAndRun\nsource: example-org\/house-prices-model-build \(main\)$/);
    const build = find(chart, /^SageMaker pipeline\nhouse-prices-build$/);

    // THEN the CodeBuild project it runs is part of the pipeline's node
    expect(edgesBetween(chart, source.id, build.id).map((e) => e.label)).toEqual(['StartPipelineExecution']);
    expect([...chart.declared.values()].filter((d) => d.label.startsWith('CodeBuild project'))).toEqual([]);
    expect(find(chart, /^Service Catalog product\nExperiment model registry\nlaunches: model registry$/)).toBeDefined();
  });
});
