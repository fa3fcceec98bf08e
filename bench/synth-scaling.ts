/**
 * Synth time and peak memory of a platform with 1, 10, 25 and 50 projects.
 *
 *   npx tsx bench/synth-scaling.ts            # all sizes
 *   npx tsx bench/synth-scaling.ts 1 10       # chosen sizes
 *
 * Each size runs in a fresh Node process (so module loading is counted once per size, as in a
 * real `cdk synth`), synthesizes into a temporary directory and reports wall time, peak RSS, the
 * number of stacks, and the largest template by resources and by bytes. Each size is synthesized
 * twice: as `cdk synth` does by default, and with aws-cdk-lib's built-in template validation
 * off (`CDK_VALIDATION=false`), to tell its share from the library's.
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

if (process.argv[2] === '--child') {
  const projects = Number(process.argv[3]);
  const outdir = process.argv[4];
  const started = process.hrtime.bigint();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { App } = require('aws-cdk-lib');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildScalingPlatform } = require('./scaling-platform');
  const app = new App({ outdir });
  buildScalingPlatform(app, projects);
  app.synth();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(JSON.stringify({ ms }));
  process.exit(0);
}

interface Row { projects: number; seconds: number; secondsWithoutValidation: number; peakMiB: number; stacks: number; largestResources: number; largestResourcesStack: string; largestBytes: number; largestBytesStack: string }

/** One synthesis in a fresh process; `validation` is aws-cdk-lib's built-in template validation, on by default in `cdk synth`. */
function synthesize(projects: number, outdir: string, validation: boolean): { ms: number; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, JSII_DEPRECATED: 'quiet' };
  if (validation) delete env.CDK_VALIDATION; else env.CDK_VALIDATION = 'false';
  const result = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, '--import', 'tsx', __filename, '--child', String(projects), outdir], {
    cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env,
  });
  if (result.status !== 0) throw new Error(`synth of ${projects} projects failed: ${result.stderr}`);
  return { ms: JSON.parse(result.stdout).ms, stderr: result.stderr };
}

function measure(projects: number): Row {
  const withoutValidation = synthesize(projects, mkdtempSync(path.join(tmpdir(), 'mlops-scaling-')), false);
  const outdir = mkdtempSync(path.join(tmpdir(), 'mlops-scaling-'));
  const result = synthesize(projects, outdir, true);
  const { ms } = result;
  const peakKiB = Number(result.stderr.trim().split('\n').pop());
  let largestResources = 0; let largestResourcesStack = ''; let largestBytes = 0; let largestBytesStack = ''; let stacks = 0;
  for (const f of readdirSync(outdir).filter((n) => n.endsWith('.template.json'))) {
    stacks++;
    const file = path.join(outdir, f);
    const bytes = statSync(file).size;
    const resources = Object.keys(JSON.parse(readFileSync(file, 'utf8')).Resources ?? {}).length;
    if (resources > largestResources) { largestResources = resources; largestResourcesStack = f; }
    if (bytes > largestBytes) { largestBytes = bytes; largestBytesStack = f; }
  }
  return { projects, seconds: ms / 1000, secondsWithoutValidation: withoutValidation.ms / 1000, peakMiB: peakKiB / 1024, stacks, largestResources, largestResourcesStack, largestBytes, largestBytesStack };
}

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const rows = (sizes.length ? sizes : [1, 10, 25, 50]).map(measure);
console.log('| projects | synth (s) | of which aws-cdk-lib\'s validation (s) | peak RSS (MiB) | templates | largest stack (resources) | largest stack (bytes) |');
console.log('| ---: | ---: | ---: | ---: | ---: | --- | --- |');
for (const r of rows) {
  console.log(`| ${r.projects} | ${r.seconds.toFixed(1)} | ${(r.seconds - r.secondsWithoutValidation).toFixed(1)} | ${r.peakMiB.toFixed(0)} | ${r.stacks} | ${r.largestResources} (${r.largestResourcesStack}) | ${(r.largestBytes / 1024).toFixed(0)} KiB (${r.largestBytesStack}) |`);
}
if (rows.length >= 2) {
  const first = rows[0];
  const last = rows[rows.length - 1];
  const perProject = (last.seconds - first.seconds) / (last.projects - first.projects);
  console.log(`\ncost per added project: ${(perProject * 1000).toFixed(0)} ms of synth, ${((last.peakMiB - first.peakMiB) / (last.projects - first.projects)).toFixed(1)} MiB of peak memory`);
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1]; const b = rows[i];
    console.log(`${a.projects} -> ${b.projects} projects: ${((b.seconds - a.seconds) / (b.projects - a.projects) * 1000).toFixed(0)} ms per project`);
  }
}
