import { execFileSync } from 'child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import * as path from 'path';

/*
 * What `npm pack` puts in the package (package.json `files`; the root .npmignore does not remove
 * what `files` names) is what a user has: every link of its READMEs must lead to a file in it,
 * and the release files must be there.
 */
const ROOT = path.join(__dirname, '..', '..');

function packedFiles(): string[] {
  // --ignore-scripts: `npm pack` would otherwise run `prepare`, a whole build
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [pack] = JSON.parse(out) as Array<{ files: Array<{ path: string }> }>;
  return pack.files.map((f) => f.path);
}

/** Relative links of a markdown file: `[text](target)`, without web links and in-page anchors. */
function relativeLinks(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1])
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#'));
}

describe('the packed package', () => {
  let files: string[];
  beforeAll(() => {
    if (!existsSync(path.join(ROOT, '.jsii'))) throw new Error('.jsii is missing: run \'npm run build\' (npm ci does it)');
    files = packedFiles();
  });

  test('ships the release files, the assembly and every handler bundle', () => {
    // GIVEN
    const handlers = readdirSync(path.join(ROOT, 'lambda')).filter((name) => name !== 'shared' && statSync(path.join(ROOT, 'lambda', name)).isDirectory());

    // THEN
    expect(files).toEqual(expect.arrayContaining([
      'README.md', 'LICENSE', 'CHANGELOG.md', 'API.md', 'BENCHMARKS.md', '.jsii', 'package.json', 'lib/index.js', 'lib/index.d.ts',
      ...handlers.map((name) => `assets/lambda/${name}/index.mjs`),
    ]));
  });

  test('ships the declarations of every module, for TypeScript apps', () => {
    // THEN
    const missing = files.filter((f) => /^lib\/.*\.js$/.test(f)).map((f) => f.replace(/\.js$/, '.d.ts')).filter((d) => !files.includes(d));
    expect(missing).toEqual([]);
  });

  test('ships no sources but the examples: no tests, handler sources, benchmarks or TypeScript of lib/', () => {
    // THEN
    const unexpected = files.filter((f) => /^(test|lambda|bench|bin|scripts|rosetta)\//.test(f) || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f) && !f.startsWith('examples/')));
    expect(unexpected).toEqual([]);
  });

  test('every relative link of its markdown files leads to a file it ships', () => {
    // GIVEN
    const markdown = files.filter((f) => f.endsWith('.md') && f !== 'API.md');

    // WHEN
    const broken: string[] = [];
    for (const file of markdown) {
      for (const link of relativeLinks(readFileSync(path.join(ROOT, file), 'utf8'))) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), link.replace(/#.*$/, '')));
        const shipped = files.includes(target) || files.some((f) => f.startsWith(`${target.replace(/\/$/, '')}/`));
        if (!shipped) broken.push(`${file}: ${link}`);
      }
    }

    // THEN
    expect(markdown).toEqual(expect.arrayContaining(['README.md', 'lib/pipeline/README.md', 'lib/monitoring/README.md']));
    expect(broken).toEqual([]);
  });

  test('is found by Construct Hub (keyword awscdk) and licensed Apache-2.0 with the license\'s text', () => {
    // GIVEN
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const license = readFileSync(path.join(ROOT, 'LICENSE'), 'utf8');

    // THEN
    expect(pkg.keywords).toEqual(expect.arrayContaining(['awscdk', 'aws-cdk', 'sagemaker', 'mlops']));
    expect(pkg.license).toBe('Apache-2.0');
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004\s+http:\/\/www\.apache\.org\/licenses\//);
    expect(license).toContain('END OF TERMS AND CONDITIONS');
    expect(pkg.repository.url).toMatch(/^https:\/\/github\.com\//);
  });

  test('the link check sees relative links, not anchors, web links or code', () => {
    // GIVEN a README linking to a file, a directory, an anchor and a web page
    const links = relativeLinks('See [the bench](BENCHMARKS.md#synth), [apps](examples/), [x](#top), [web](https://example.com) and `[not](code.md)`.');

    // THEN
    expect(links).toEqual(['BENCHMARKS.md#synth', 'examples/']);
  });
});
