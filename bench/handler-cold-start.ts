/**
 * Bundle size and module init time (the cold-start share our code controls) of the approval
 * handler, bundled two ways:
 *
 * - ours: what `npm run bundle` ships — the AWS SDK clients bundled, tree-shaken and minified
 *   into one ESM file;
 * - naive: the same handler with the SDK left external (`@aws-sdk/*`), resolved from
 *   node_modules at import time, as when one relies on the SDK in the Lambda runtime.
 *
 * Init time is measured in a fresh `node` process per run (nothing cached in memory), as the
 * time to `import()` the bundle, which constructs the clients and reads the configuration.
 * Prints a table; run with `npx tsx bench/handler-cold-start.ts [runs]` (default 15 runs).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, BuildOptions } from 'esbuild';
import { synthesizedEnvironments } from './synthesized-environment';

const ROOT = path.join(__dirname, '..');
const HANDLER = 'approval-to-promotion';
const RUNS = Number(process.argv[2] ?? 15);

// The environment the approval handler's function has in the reference platform's templates.
const HANDLER_ENV = {
  ...synthesizedEnvironments(path.join(ROOT, 'assets', 'lambda'))[HANDLER],
  AWS_REGION: 'eu-west-1', // set by the Lambda runtime
  AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
};

/** The options of scripts/bundle-handlers.mjs, which builds what the package ships. */
const SHIPPED: BuildOptions = {
  entryPoints: [path.join(ROOT, 'lambda', HANDLER, 'index.ts')],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  mainFields: ['module', 'main'],
  legalComments: 'none',
  logLevel: 'warning',
};

interface Variant {
  readonly name: string;
  readonly options: BuildOptions;
}

const VARIANTS: Variant[] = [
  { name: 'ours (SDK bundled, minified)', options: SHIPPED },
  { name: 'naive (SDK external)', options: { ...SHIPPED, minify: false, external: ['@aws-sdk/*'] } },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function initTimeMs(file: string): number {
  const script = `const t0 = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t0));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, ...HANDLER_ENV },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`importing ${file} failed: ${result.stderr}`);
  }
  return Number(result.stdout.trim().split('\n').pop());
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'approval-handler-bench-'));
  // The naive bundle imports the SDK at run time: let it resolve from this repository.
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'), 'dir');
  try {
    const rows: string[][] = [];
    for (const variant of VARIANTS) {
      const outfile = path.join(work, variant.name.split(' ')[0], 'index.mjs');
      await build({ ...variant.options, outfile });
      const bytes = statSync(outfile).size;
      initTimeMs(outfile); // warm the file system cache once, as a fair start for both
      const times = Array.from({ length: RUNS }, () => initTimeMs(outfile));
      rows.push([
        variant.name,
        `${(bytes / 1024).toFixed(1)} KiB`,
        `${median(times).toFixed(1)} ms`,
        `${Math.min(...times).toFixed(1)}–${Math.max(...times).toFixed(1)} ms`,
      ]);
    }
    const header = ['bundle', 'size', `init (median of ${RUNS})`, 'range'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
    console.log(`approval handler (${HANDLER}), node ${process.version}, ${new Date().toISOString()}`);
    console.log(line(header));
    for (const row of rows) console.log(line(row));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
