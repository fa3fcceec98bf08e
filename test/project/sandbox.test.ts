import { readdirSync, readFileSync, statSync } from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { MetricComparison } from '../../lib/pipeline';
import { RETAINED_TYPES } from '../../lib/private/sandbox';
import { MlopsPlatform, MlopsProject, ProjectModelBuild, SourceRepository } from '../../lib/project';
import { complianceProblems } from '../harness/compliance';

const IMAGE = '141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1';

/** A platform of three accounts, private, with a project that has every part (build, source, monitoring, MLflow). */
function platform(app: App, sandbox: boolean): void {
  const p = new MlopsPlatform(app, 'Platform', {
    tooling: { account: '111111111111', region: 'eu-west-1' },
    staging: { account: '222222222222', region: 'eu-west-1' },
    production: [{ account: '333333333333', region: 'eu-west-1' }],
    sandbox,
  });
  new MlopsProject(app, 'Churn', {
    platform: p,
    projectName: 'churn',
    smokeTest: { payload: '1,2,3' },
    modelBuild: ProjectModelBuild.classic({ processingImageUri: IMAGE, trainingImageUri: IMAGE, metricJsonPath: 'auc', metricThreshold: 0.8, comparison: MetricComparison.GREATER_THAN_OR_EQUAL_TO }),
    buildRepository: SourceRepository.codeConnection({ connectionArn: 'arn:aws:codeconnections:eu-west-1:111111111111:connection/0123abcd-0123-4567-89ab-0123456789ab', owner: 'acme', repository: 'churn' }),
    monitoring: {},
    governance: { experiments: {} },
  });
}

interface Resource { readonly Type: string; readonly DeletionPolicy?: string; readonly UpdateReplacePolicy?: string; readonly Properties?: any }

function resources(sandbox: boolean): Array<{ template: string; id: string; resource: Resource }> {
  const app = new App();
  platform(app, sandbox);
  const dir = app.synth().directory;
  const files: string[] = [];
  const walk = (d: string) => readdirSync(d).forEach((f) => (statSync(path.join(d, f)).isDirectory() ? walk(path.join(d, f)) : f.endsWith('.template.json') && files.push(path.join(d, f))));
  walk(dir);
  return files.flatMap((file) => Object.entries<Resource>(JSON.parse(readFileSync(file, 'utf8')).Resources ?? {})
    .map(([id, resource]) => ({ template: path.basename(file), id, resource })));
}

describe('sandbox mode (issue 15 item 4)', () => {
  const byDefault = resources(false);
  const sandbox = resources(true);

  test('by default the platform retains its buckets, keys, log groups, registry and tables', () => {
    const retained = byDefault.filter((r) => r.resource.DeletionPolicy === 'Retain' || r.resource.UpdateReplacePolicy === 'Retain');
    const types = new Set(retained.map((r) => r.resource.Type));
    for (const type of RETAINED_TYPES) expect(types).toContain(type);
    // Nothing else is retained: the list the sandbox removes is the whole list.
    expect([...types].filter((t) => !RETAINED_TYPES.includes(t))).toEqual([]);
  });

  test('in sandbox mode nothing is retained: every one of those resources is deleted with its stack', () => {
    const retained = sandbox.filter((r) => r.resource.DeletionPolicy === 'Retain' || r.resource.UpdateReplacePolicy === 'Retain' || r.resource.DeletionPolicy === 'Snapshot');
    expect(retained.map((r) => `${r.template} ${r.id} ${r.resource.Type}`)).toEqual([]);
    for (const type of RETAINED_TYPES) {
      const all = sandbox.filter((r) => r.resource.Type === type);
      expect(all.length).toBeGreaterThan(0);
      for (const r of all) expect(r.resource.DeletionPolicy).toBe('Delete');
    }
  });

  test('in sandbox mode every bucket is emptied before it is deleted, keys wait the shortest KMS window, tables lose deletion protection', () => {
    const buckets = sandbox.filter((r) => r.resource.Type === 'AWS::S3::Bucket');
    const emptied = sandbox.filter((r) => r.resource.Type === 'Custom::S3AutoDeleteObjects');
    expect(emptied).toHaveLength(buckets.length);
    for (const key of sandbox.filter((r) => r.resource.Type === 'AWS::KMS::Key')) expect(key.resource.Properties.PendingWindowInDays).toBe(7);
    for (const table of sandbox.filter((r) => r.resource.Type === 'AWS::DynamoDB::Table')) expect(table.resource.Properties.DeletionProtectionEnabled).toBe(false);
  });

  test('a sandbox passes the compliance gate (cdk-nag packs, the deployability check, cfn-lint)', () => {
    expect(complianceProblems((app) => platform(app, true))).toEqual([]);
  });
});
