import { existsSync, readFileSync } from 'fs';
import * as path from 'path';
import { Documentation, Language } from 'jsii-docgen';

/*
 * API.md is the API reference jsii-docgen generates from the assembly (`npm run docgen`, what
 * the CLI writes by default: TypeScript, every submodule, no README). It is checked in so that
 * it reads on GitHub and ships in the package; this test fails when it is not what the current
 * assembly generates.
 */
const ROOT = path.join(__dirname, '..', '..');

test('API.md is the reference jsii-docgen generates from the current assembly (else: npm run docgen)', async () => {
  // GIVEN
  if (!existsSync(path.join(ROOT, '.jsii'))) throw new Error('.jsii is missing: run \'npm run build\' (npm ci does it)');
  const checkedIn = readFileSync(path.join(ROOT, 'API.md'), 'utf8');

  // WHEN
  const docs = await Documentation.forProject(ROOT);
  const generated = (await docs.toMarkdown({ language: Language.TYPESCRIPT, allSubmodules: true })).render();

  // THEN (compared by length first: a diff of a megabyte is no help in a failure message)
  expect(generated.length).toBe(checkedIn.length);
  expect(generated === checkedIn).toBe(true);
});

test('API.md documents the public types, and nothing of lib/private', () => {
  // GIVEN
  const reference = readFileSync(path.join(ROOT, 'API.md'), 'utf8');

  // THEN
  for (const type of ['MlopsProject', 'ModelPackageGroup', 'ProjectModelBuild', 'SourceRepositoryConfig']) {
    expect(reference).toContain(`id="cdk-sagemaker-mlops.${type}"`);
  }
  expect(reference).not.toMatch(/checkInstanceType|INSTANCE_TYPES/);
});
