import { mkdtempSync, readFileSync, existsSync, readdirSync, statSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { DeployabilityChecks } from '../../lib/checks';

export const REPO_ROOT = path.join(__dirname, '..', '..');

/** Every app the repository ships: the reference platform and each example. */
export function appEntryPoints(): string[] {
  const examplesDir = path.join(REPO_ROOT, 'examples');
  const examples = existsSync(examplesDir)
    ? readdirSync(examplesDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => path.join('examples', f))
    : [];
  return [path.join('bin', 'app.ts'), ...examples.sort()];
}

/** The context of cdk.json, as `cdk synth` would pass it. */
export function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')).context ?? {};
}

export interface NagFinding {
  /** The plugin: a cdk-nag pack, or `Deployability` (lib/checks). */
  readonly pack: string;
  readonly rule: string;
  readonly path: string;
  readonly description: string;
}

/** Ids an acknowledgement may have: a rule of a cdk-nag pack or of the deployability check, qualified by its plugin. */
export const ACKNOWLEDGEMENT_ID = /^(AwsSolutions|NIST\.800\.53\.R5|HIPAA\.Security|PCI\.DSS\.321|Deployability)::\1-[A-Za-z0-9]+(\[.+\])?$/;

export interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

export interface SynthesizedApp {
  readonly entryPoint: string;
  readonly outdir: string;
  readonly templates: string[];
  readonly findings: NagFinding[];
  readonly acknowledgements: Acknowledgement[];
  readonly synthError?: string;
}

function findTemplates(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) {
      out.push(...findTemplates(full));
    } else if (entry.endsWith('.template.json')) {
      out.push(full);
    }
  }
  return out.sort();
}

function collectAcknowledgements(root: IConstruct): Acknowledgement[] {
  const out: Acknowledgement[] = [];
  for (const node of root.node.findAll()) {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      // recorded as { '<Pack>::<Rule>': reason }
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        out.push({ path: node.node.path, id, reason: String(reason ?? '') });
      }
    }
  }
  return out;
}

/**
 * Synthesizes one app in-process with all four cdk-nag packs and the deployability check as
 * validation plugins and returns its templates, its findings and the acknowledgements it made.
 */
export function synthesizeApp(entryPoint: string): SynthesizedApp {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(REPO_ROOT, entryPoint)) as { build?: (app: App) => App };
  if (typeof mod.build !== 'function') {
    throw new Error(`${entryPoint} must export build(app: App): App so the compliance gate can synthesize it`);
  }
  return synthesizeWithChecks(entryPoint, (app) => mod.build!(app));
}

/**
 * Builds an app with `build` and synthesizes it with the four cdk-nag packs and the
 * deployability check (pack `Deployability`). Construct tests use this to prove a construct is
 * compliant and deployable on its own, before it joins an app.
 */
export function synthesizeWithChecks(name: string, build: (app: App) => void): SynthesizedApp {
  const entryPoint = name;
  const outdir = mkdtempSync(path.join(tmpdir(), 'mlops-gate-'));
  const app = new App({ outdir, context: cdkJsonContext() });
  build(app);
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app),
    new NIST80053R5Checks(app),
    new HIPAASecurityChecks(app),
    new PCIDSS321Checks(app),
    new DeployabilityChecks(),
  );
  let synthError: string | undefined;
  // aws-cdk-lib's built-in validation (plugin "CloudFormation Validate") is part of the gate: its
  // violations are findings like cdk-nag's. test/harness/setup-env.js switches it off elsewhere.
  const validation = process.env.CDK_VALIDATION;
  delete process.env.CDK_VALIDATION;
  try {
    app.synth();
  } catch (e) {
    synthError = (e as Error).message;
  } finally {
    if (validation !== undefined) process.env.CDK_VALIDATION = validation;
  }
  const findings: NagFinding[] = [];
  const reportFile = path.join(outdir, 'validation-report.json');
  if (existsSync(reportFile)) {
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as {
      pluginReports: Array<{ pluginName: string; violations: Array<{ ruleName: string; description: string; violatingConstructs: Array<{ constructPath: string }> }> }>;
    };
    for (const plugin of report.pluginReports) {
      for (const v of plugin.violations) {
        for (const c of v.violatingConstructs) {
          // a deployability finding's message names the resource, what AWS answers and why: keep all of it
          const description = plugin.pluginName === DeployabilityChecks.PLUGIN_NAME ? v.description : v.description.slice(0, 160);
          findings.push({ pack: plugin.pluginName, rule: v.ruleName, path: c.constructPath, description });
        }
      }
    }
  }
  return {
    entryPoint,
    outdir,
    templates: findTemplates(outdir),
    findings,
    acknowledgements: collectAcknowledgements(app),
    synthError: findings.length > 0 ? undefined : synthError,
  };
}
