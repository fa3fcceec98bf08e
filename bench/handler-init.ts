/**
 * Size and module init time of every handler bundle the package ships (assets/lambda/<name>),
 * each imported in a fresh `node` process per run with the environment its function has in the
 * reference platform's synthesized templates.
 *
 *   npm run bundle && npx tsx bench/handler-init.ts [runs]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { synthesizedEnvironments } from './synthesized-environment';

const ROOT = path.join(__dirname, '..');
const ASSETS = path.join(ROOT, 'assets', 'lambda');
const RUNS = Number(process.argv[2] ?? 15);

const ENV = synthesizedEnvironments(ASSETS);

function initMs(file: string, env: Record<string, string>): number {
  const script = `const t = process.hrtime.bigint(); import(${JSON.stringify(pathToFileURL(file).href)}).then(() => { process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6)); }, (e) => { console.error(e.message); process.exit(1); });`;
  const result = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: { ...process.env, AWS_REGION: 'eu-west-1', POWERTOOLS_METRICS_NAMESPACE: 'SageMakerMlops', AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1', ...env },
  });
  if (result.status !== 0) throw new Error(`${file}: ${result.stderr}`);
  return Number(result.stdout);
}

const rows: string[] = [];
for (const name of readdirSync(ASSETS).sort()) {
  const file = path.join(ASSETS, name, 'index.mjs');
  if (!existsSync(file)) continue;
  const times = Array.from({ length: RUNS }, () => initMs(file, ENV[name] ?? { POWERTOOLS_SERVICE_NAME: name })).sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  rows.push(`| ${name} | ${(statSync(file).size / 1024).toFixed(1)} KiB | ${median.toFixed(1)} ms | ${times[0].toFixed(1)}–${times[times.length - 1].toFixed(1)} ms |`);
}
console.log(`node ${process.version}, ${RUNS} runs each`);
console.log('| handler | bundle | init (median) | range |');
console.log('| --- | ---: | ---: | ---: |');
for (const row of rows) console.log(row);
