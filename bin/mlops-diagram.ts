/**
 * The diagram of the reference platform (bin/app.ts): synthesizes it in-process with the context
 * of cdk.json, then runs mlops-diagram (lib/diagram/command.ts) on the assembly with the same
 * arguments, less the directory. Refresh the README's copy with:
 *
 *   npx tsx bin/mlops-diagram.ts --update README.md
 *
 * For any other app, `cdk synth` it and run `mlops-diagram cdk.out` (the package's command).
 */
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { main } from '../lib/diagram/command';
import { build } from './app';

/** Synthesizes the reference platform into a new directory: the app, and the directory. */
export function synthesizeReferencePlatform(): { readonly app: App; readonly outdir: string } {
  const context = JSON.parse(readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')).context ?? {};
  const outdir = mkdtempSync(path.join(tmpdir(), 'mlops-diagram-'));
  const app = build(new App({ outdir, context }));
  app.synth();
  return { app, outdir };
}

if (require.main === module) {
  const { outdir } = synthesizeReferencePlatform();
  try {
    process.exitCode = main([outdir, ...process.argv.slice(2)]);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
