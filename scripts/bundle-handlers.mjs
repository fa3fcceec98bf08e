// Bundles every handler under lambda/ (one folder each, except shared/) into
// assets/lambda/<name>/index.mjs with esbuild. Runs at library build time only:
// the published package ships the bundles, so a consumer's synth needs no esbuild.
import { build } from 'esbuild';
import { readdirSync, existsSync, rmSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'lambda');
const outDir = join(root, 'assets', 'lambda');

const handlers = readdirSync(sourceDir).filter(
  (name) => name !== 'shared' && statSync(join(sourceDir, name)).isDirectory() && existsSync(join(sourceDir, name, 'index.ts')),
);

rmSync(outDir, { recursive: true, force: true });
const report = [];
for (const name of handlers) {
  const outfile = join(outDir, name, 'index.mjs');
  const result = await build({
    entryPoints: [join(sourceDir, name, 'index.ts')],
    outfile,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    // Some transitive CommonJS dependencies call require() for Node built-ins.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    mainFields: ['module', 'main'],
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
  report.push(`${name}: ${(bytes / 1024).toFixed(1)} KiB`);
}
// The commands the package ships (package.json "bin"): one CommonJS file each, with the SDK inside.
const cliDir = join(root, 'assets', 'cli');
rmSync(cliDir, { recursive: true, force: true });
for (const name of ['mlops-audit']) {
  const entry = join(root, 'bin', `${name}.ts`);
  if (!existsSync(entry)) continue;
  const result = await build({
    entryPoints: [entry],
    outfile: join(cliDir, `${name}.js`),
    bundle: true,
    minify: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
  report.push(`${name} (command): ${(bytes / 1024).toFixed(1)} KiB`);
}
if (process.env.BUNDLE_QUIET !== '1') {
  console.log(`bundled ${handlers.length} handler(s)${report.length ? ': ' + report.join(', ') : ''}`);
}
