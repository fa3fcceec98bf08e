import { existsSync } from 'fs';
import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** The folder holding the handler bundles that `npm run build` writes and the package ships. */
export const HANDLER_ASSET_ROOT = path.join(__dirname, '..', '..', 'assets', 'lambda');

/**
 * The bundled code of one of our handlers (`lambda/<name>/` in the source tree), as an asset.
 * The bundle is built with the library, so a consumer's synth needs no esbuild or Docker.
 */
export function handlerCode(name: string): lambda.Code {
  const dir = path.join(HANDLER_ASSET_ROOT, name);
  if (!existsSync(path.join(dir, 'index.mjs'))) {
    throw new Error(`handler bundle '${name}' not found at ${dir}: run 'npm run build' (or 'npm run bundle') in cdk-sagemaker-mlops`);
  }
  return lambda.Code.fromAsset(dir);
}
