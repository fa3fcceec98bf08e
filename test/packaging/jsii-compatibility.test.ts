import { existsSync, readFileSync } from 'fs';
import * as path from 'path';
import {
  Assembly, crossLanguageProblems, unimplementableMembers, unsubclassableAbstractClasses, unsupportedTypeReferences,
} from './jsii-compatibility';

/*
 * The API must work from every jsii language, not only compile for it: a type another language
 * cannot subclass, implement or call fails here the day it is written.
 */
const ROOT = path.join(__dirname, '..', '..');
const ASSEMBLY = path.join(ROOT, '.jsii');

function assembly(): Assembly {
  if (!existsSync(ASSEMBLY)) throw new Error(`${ASSEMBLY} is missing: run 'npm run build' (npm ci does it)`);
  return JSON.parse(readFileSync(ASSEMBLY, 'utf8'));
}

describe('the library\'s assembly', () => {
  test('has a target for Python, Java, .NET and Go, with package names', () => {
    // GIVEN
    const { targets } = assembly();

    // THEN
    expect(targets).toEqual(expect.objectContaining({
      js: expect.objectContaining({ npm: 'cdk-sagemaker-mlops' }),
      python: expect.objectContaining({ distName: 'cdk-sagemaker-mlops', module: 'cdk_sagemaker_mlops' }),
      java: expect.objectContaining({ package: expect.stringMatching(/^[a-z][a-z0-9]*(\.[a-z][a-z0-9]*)+$/), maven: expect.objectContaining({ groupId: expect.any(String), artifactId: 'cdk-sagemaker-mlops' }) }),
      dotnet: expect.objectContaining({ namespace: expect.stringMatching(/^[A-Z][A-Za-z0-9]*(\.[A-Z][A-Za-z0-9]*)*$/), packageId: expect.any(String) }),
      go: expect.objectContaining({ moduleName: expect.stringMatching(/^github\.com\/[^/]+\/[^/]+$/) }),
    }));
  });

  test('holds no type another language cannot subclass, implement or call', () => {
    // GIVEN
    const problems = crossLanguageProblems(assembly(), (file) => readFileSync(path.join(ROOT, file), 'utf8'));

    // THEN
    expect(problems).toEqual([]);
  });

  test('offers ProjectModelBuild and SourceRepository as extension points (bind is public and abstract)', () => {
    // GIVEN
    const { types } = assembly();

    // THEN
    for (const fqn of ['cdk-sagemaker-mlops.ProjectModelBuild', 'cdk-sagemaker-mlops.SourceRepository']) {
      const type = types[fqn];
      expect(type).toEqual(expect.objectContaining({ abstract: true, initializer: expect.anything() }));
      expect(type.methods).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'bind', abstract: true })]));
    }
  });
});

describe('the cross-language check', () => {
  const base = { name: 'lib', dependencies: { 'aws-cdk-lib': '^2' } };

  test('finds an abstract member left out of the assembly (an @internal one)', () => {
    // GIVEN the ProjectModelBuild of 0.1.0, whose abstract method was internal
    const source = `export abstract class Build {
      public static classic(): Build { return undefined as any; }
      public abstract readonly inputPrefix: string;
      /** @internal */
      public abstract _definition(context: any): any;
    }`;
    const broken: Assembly = { ...base, types: { 'lib.Build': {
      fqn: 'lib.Build', name: 'Build', kind: 'class', abstract: true, initializer: {},
      locationInModule: { filename: 'build.ts' },
      methods: [{ name: 'classic', static: true, returns: { type: { fqn: 'lib.Build' } } }],
      properties: [{ name: 'inputPrefix', abstract: true, type: { primitive: 'string' } }],
    } } };

    // WHEN
    const problems = unimplementableMembers(broken, () => source);

    // THEN
    expect(problems).toEqual([expect.stringMatching(/^lib\.Build\._definition: must be implemented by a subclass but is not in the assembly/)]);
  });

  test('finds a member of a behavioral interface left out of the assembly', () => {
    // GIVEN
    const source = 'export interface IThing { readonly name: string; /** @internal */ _render(): string; }';
    const broken: Assembly = { ...base, types: { 'lib.IThing': {
      fqn: 'lib.IThing', name: 'IThing', kind: 'interface', locationInModule: { filename: 'thing.ts' },
      properties: [{ name: 'name', type: { primitive: 'string' } }],
    } } };

    // THEN
    expect(unimplementableMembers(broken, () => source)).toEqual([expect.stringMatching(/^lib\.IThing\._render: must be implemented by a class implementing it/)]);
  });

  test('finds unions (also inside collections), intersections, async methods and unknown types', () => {
    // GIVEN
    const broken: Assembly = { ...base, types: { 'lib.Thing': {
      fqn: 'lib.Thing', name: 'Thing', kind: 'class',
      initializer: { parameters: [{ name: 'size', type: { union: { types: [{ primitive: 'string' }, { primitive: 'number' }] } } }] },
      methods: [
        { name: 'fetch', async: true, returns: { type: { primitive: 'string' } } },
        { name: 'both', returns: { type: { intersection: { types: [{ fqn: 'lib.Thing' }, { fqn: 'aws-cdk-lib.IResource' }] } } } },
      ],
      properties: [
        { name: 'sizes', type: { collection: { kind: 'array', elementtype: { union: { types: [{ primitive: 'string' }, { primitive: 'number' }] } } } } },
        { name: 'other', type: { fqn: 'somewhere.Else' } },
      ],
    } } };

    // WHEN
    const problems = unsupportedTypeReferences(broken);

    // THEN
    expect(problems).toEqual([
      expect.stringMatching(/^lib\.Thing constructor parameter size: a union type/),
      expect.stringMatching(/^lib\.Thing\.fetch\(\): async/),
      expect.stringMatching(/^lib\.Thing\.both\(\) return: an intersection type/),
      expect.stringMatching(/^lib\.Thing\.sizes: a union type/),
      expect.stringMatching(/^lib\.Thing\.other: type somewhere\.Else is neither in the assembly nor in a dependency/),
    ]);
  });

  test('finds an abstract class no other language can call the constructor of', () => {
    // GIVEN
    const broken: Assembly = { ...base, types: { 'lib.Sealed': { fqn: 'lib.Sealed', name: 'Sealed', kind: 'class', abstract: true } } };

    // THEN
    expect(unsubclassableAbstractClasses(broken)).toEqual([expect.stringMatching(/^lib\.Sealed: abstract without a public or protected constructor/)]);
  });
});
