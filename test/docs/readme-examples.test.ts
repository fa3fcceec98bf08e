import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/*
 * Every ```ts block of the README is compiled against the library (type errors fail the test)
 * and then run: a block that builds an app is synthesized. Examples cannot rot.
 */
const ROOT = path.join(__dirname, '..', '..');
const OUT = path.join(__dirname, '__output__');

/**
 * The READMEs whose examples are checked, and the prefix of their examples' names. The one example
 * of each of lib/network, lib/studio, lib/governance and lib/monitoring is compiled and
 * synthesized by that module's readme-example test, with assertions on what it deploys.
 */
const READMES: Array<[string, string]> = [
  ['README.md', 'readme'], ['lib/pipeline/README.md', 'pipeline-readme'], ['lib/checks/README.md', 'checks-readme'],
  ['lib/diagram/README.md', 'diagram-readme'],
];

function readmeExamples(): Array<{ name: string; source: string }> {
  return READMES.flatMap(([file, prefix]) => {
    const readme = readFileSync(path.join(ROOT, file), 'utf8');
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    return blocks.map((source, i) => ({ name: `${prefix}-example-${i + 1}`, source }));
  });
}

const examples = readmeExamples();
const fileOf = (name: string) => path.join(OUT, `${name}.ts`);
let diagnostics: Map<string, string[]>;

beforeAll(() => {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  for (const { name, source } of examples) {
    // The published package name resolves to the library's sources.
    const body = source.replace(/from 'cdk-sagemaker-mlops'/g, `from '${path.relative(OUT, path.join(ROOT, 'lib')).split(path.sep).join('/')}'`);
    const synth = /const app = new App\(/.test(body) ? '\napp.synth();\n' : '\n';
    writeFileSync(fileOf(name), `${body}${synth}export {};\n`);
  }
  // One program for all examples: type-checking the library once is the expensive part.
  const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.dev.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  })!;
  const files = examples.map((e) => fileOf(e.name));
  const program = ts.createProgram(files, { ...config.options, noEmit: true, noUnusedLocals: false });
  diagnostics = new Map(files.map((f) => [f, []]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const list = d.file ? diagnostics.get(d.file.fileName) : undefined;
    list?.push(`${path.basename(d.file!.fileName)}:${d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  }
});

test('the README has examples', () => {
  expect(examples.length).toBeGreaterThan(0);
});

describe.each(examples)('$name', ({ name }) => {
  test('compiles', () => {
    expect(diagnostics.get(fileOf(name))).toEqual([]);
  });

  test('synthesizes', () => {
    // Each example builds its own App; the library's modules are loaded once for all of them
    // (isolating each example reloaded aws-cdk-lib and the library every time, most of the test's time).
    expect(() => require(fileOf(name))).not.toThrow();
  });
});
