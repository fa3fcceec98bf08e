import { existsSync, readFileSync } from 'fs';
import * as path from 'path';

/*
 * The public API as jsii sees it (the .jsii assembly `npm run build` writes): every optional
 * property of a props struct says its default, and every public type, property and method says
 * what it is.
 */
const ASSEMBLY = path.join(__dirname, '..', '..', '.jsii');

interface Docs { summary?: string; default?: string }
interface Property { name: string; optional?: boolean; docs?: Docs }
interface Method { name: string; docs?: Docs }
interface Type { fqn: string; kind: string; datatype?: boolean; docs?: Docs; properties?: Property[]; methods?: Method[] }

function assembly(): { types: Record<string, Type> } {
  if (!existsSync(ASSEMBLY)) {
    throw new Error(`${ASSEMBLY} is missing: run 'npm run build' (npm ci does it)`);
  }
  return JSON.parse(readFileSync(ASSEMBLY, 'utf8'));
}

test('the assembly holds the library\'s API', () => {
  const types = Object.keys(assembly().types);
  expect(types).toEqual(expect.arrayContaining([
    'cdk-sagemaker-mlops.MlopsProject', 'cdk-sagemaker-mlops.ModelPackageGroup', 'cdk-sagemaker-mlops.ModelBuildPipeline',
    'cdk-sagemaker-mlops.ModelEndpoint', 'cdk-sagemaker-mlops.ModelPromotionPipeline', 'cdk-sagemaker-mlops.ModelMonitor',
  ]));
});

test('every optional property of a props struct documents its default', () => {
  const missing: string[] = [];
  for (const type of Object.values(assembly().types)) {
    if (!type.datatype) continue;
    for (const p of type.properties ?? []) {
      if (p.optional && !p.docs?.default) missing.push(`${type.fqn}.${p.name}`);
    }
  }
  expect(missing).toEqual([]);
});

test('every public type, property and method says what it is', () => {
  const missing: string[] = [];
  for (const type of Object.values(assembly().types)) {
    if (!type.docs?.summary) missing.push(type.fqn);
    for (const p of type.properties ?? []) if (!p.docs?.summary) missing.push(`${type.fqn}.${p.name}`);
    for (const m of type.methods ?? []) if (!m.docs?.summary) missing.push(`${type.fqn}.${m.name}()`);
  }
  expect(missing).toEqual([]);
});
