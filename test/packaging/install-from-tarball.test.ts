import { execFileSync, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import * as ts from 'typescript';

/*
 * What a user does until the package is published: pack the library, install the tarball into a
 * CDK app that has only aws-cdk-lib, constructs and the CLI, and synthesize with plain node (no
 * tsx, no esbuild). Offline: the registry and every proxy point at a closed port, so npm can use
 * only its cache (what `npm ci` of this repository fetched), and the app pins the versions of our
 * lockfile.
 *
 * EXAMPLE_APPS is the list of apps synthesized from the installed package: add one to prove
 * another example works from the tarball.
 */
interface ExampleApp {
  /** Names the app in the test. */
  readonly name: string;
  /** Its TypeScript source, importing the library as 'cdk-sagemaker-mlops'. */
  readonly source: () => string;
  /** The stacks it must synthesize. */
  readonly stacks: string[];
}

const ROOT = path.join(__dirname, '..', '..');
const PACKAGE = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** The first ```ts block after a heading of the README. */
function readmeExample(heading: string): () => string {
  return () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const at = readme.indexOf(`\n${heading}\n`);
    if (at < 0) throw new Error(`README.md has no heading '${heading}'`);
    const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
    if (!block) throw new Error(`README.md has no ts example after '${heading}'`);
    return block[1];
  };
}

/** An app of examples/, importing the package instead of ../lib. */
function exampleApp(file: string): () => string {
  return () => readFileSync(path.join(ROOT, 'examples', file), 'utf8').replace(/from '\.\.\/lib'/g, 'from \'cdk-sagemaker-mlops\'');
}

const EXAMPLE_APPS: ExampleApp[] = [
  {
    name: 'the README quickstart',
    source: readmeExample('## Using the constructs in your own app'),
    stacks: ['Mlops-Churn-Tooling', 'Mlops-Churn-Staging', 'Mlops-Churn-Production1'],
  },
  {
    name: 'examples/single-account-quickstart.ts',
    source: exampleApp('single-account-quickstart.ts'),
    stacks: ['Quickstart-Abalone-Tooling'],
  },
  {
    name: 'examples/existing-registry.ts',
    source: exampleApp('existing-registry.ts'),
    stacks: ['Fraud-Fraud-Tooling', 'Fraud-Fraud-Staging', 'Fraud-Fraud-Production1'],
  },
];

/** Nothing reaches the network: npm may read its cache only. */
const OFFLINE = {
  npm_config_offline: 'true',
  npm_config_registry: 'http://127.0.0.1:9/',
  npm_config_proxy: 'http://127.0.0.1:9/',
  npm_config_https_proxy: 'http://127.0.0.1:9/',
  // resolved URLs stay registry.npmjs.org, the key of the cached tarballs
  npm_config_replace_registry_host: 'never',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  HTTP_PROXY: 'http://127.0.0.1:9/',
  HTTPS_PROXY: 'http://127.0.0.1:9/',
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  CDK_DISABLE_VERSION_CHECK: 'true',
};

/**
 * The app's package.json and lockfile: aws-cdk-lib, constructs and the CLI at the versions of our
 * lockfile (with their own dependencies), and the tarball as `npm install <tarball>` records it.
 */
function appManifests(tarball: string): { manifest: object; lockfile: object } {
  const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, any> };
  const version = (name: string) => {
    const entry = lock.packages[`node_modules/${name}`];
    if (!entry) throw new Error(`package-lock.json has no ${name}`);
    return entry.version as string;
  };
  const dependencies: Record<string, string> = { 'aws-cdk-lib': version('aws-cdk-lib'), 'constructs': version('constructs') };
  const devDependencies = { 'aws-cdk': version('aws-cdk') };

  // every package those need, where our lockfile has it (nested first, as Node resolves)
  const closure = new Set<string>();
  const locate = (from: string, name: string): string => {
    for (let base = from; ; base = base.slice(0, Math.max(0, base.lastIndexOf('/node_modules/')))) {
      const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
      if (lock.packages[candidate]) return candidate;
      if (!base) throw new Error(`package-lock.json has no ${name} for ${from}`);
    }
  };
  const visit = (at: string) => {
    if (closure.has(at)) return;
    closure.add(at);
    const entry = lock.packages[at];
    for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) visit(locate(at, name));
  };
  for (const name of [...Object.keys(dependencies), ...Object.keys(devDependencies)]) visit(`node_modules/${name}`);

  const packages: Record<string, any> = {};
  for (const at of [...closure].sort()) {
    const { dev, devOptional, peer, ...entry } = lock.packages[at];
    const name = at.slice(at.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (!entry.inBundle && !entry.resolved) entry.resolved = `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${entry.version}.tgz`;
    if (at === 'node_modules/aws-cdk') entry.dev = true;
    packages[at] = entry;
  }
  const spec = `file:${path.basename(tarball)}`;
  packages[`node_modules/${PACKAGE.name}`] = {
    version: PACKAGE.version,
    resolved: spec,
    integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
    license: PACKAGE.license,
    peerDependencies: PACKAGE.peerDependencies,
  };
  const all = { ...dependencies, [PACKAGE.name]: spec };
  packages[''] = { name: 'app', version: '1.0.0', dependencies: all, devDependencies };
  return {
    manifest: { name: 'app', version: '1.0.0', private: true, dependencies: all, devDependencies },
    lockfile: { name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages },
  };
}

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...OFFLINE, ...env }, timeout: 120_000 });
  if (result.status !== 0) {
    const hint = /ENOTCACHED/.test(`${result.stdout}${result.stderr}`)
      ? ' (the npm cache lacks a package of our lockfile: `npm ci` in the repository fills it)'
      : '';
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd} (${result.error?.message ?? `exit ${result.status}`})${hint}:\n${result.stdout}\n${result.stderr}`);
  }
  return `${result.stdout}${result.stderr}`;
}

describe('installed from its tarball into an empty CDK app, offline', () => {
  let work: string;
  let app: string;

  beforeAll(() => {
    if (!existsSync(path.join(ROOT, '.jsii'))) throw new Error('.jsii is missing: run \'npm run build\' (npm ci does it)');
    work = mkdtempSync(path.join(tmpdir(), 'mlops-install-'));
    app = path.join(work, 'app');
    mkdirSync(app);

    // GIVEN the package, packed from the built library (--ignore-scripts: `prepare` would build again)
    const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop()!;
    const tarball = path.join(app, packed);
    copyFileSync(path.join(work, packed), tarball);

    // AND a CDK app of aws-cdk-lib, constructs and the CLI, with the tarball as its dependency
    const { manifest, lockfile } = appManifests(tarball);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify(manifest, null, 2));
    writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify(lockfile, null, 2));
    writeFileSync(path.join(app, 'cdk.json'), JSON.stringify({ 'notices': false, 'cli-telemetry': false }));

    // WHEN npm installs it with the network unplugged
    run('npm', ['ci', '--no-audit', '--no-fund'], app);
  }, 180_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the app holds the package, aws-cdk-lib, constructs and the CLI, and no tsx, esbuild or TypeScript', () => {
    // THEN
    const modules = path.join(app, 'node_modules');
    for (const name of [PACKAGE.name, 'aws-cdk-lib', 'constructs', 'aws-cdk']) expect(existsSync(path.join(modules, name, 'package.json'))).toBe(true);
    for (const name of ['tsx', 'esbuild', 'typescript', 'ts-node']) expect(existsSync(path.join(modules, name))).toBe(false);
    expect(readdirSync(modules).filter((n) => !n.startsWith('.')).sort()).toEqual(['@aws-cdk', PACKAGE.name, 'aws-cdk', 'aws-cdk-lib', 'constructs'].sort());
  });

  describe.each(EXAMPLE_APPS.map((example, i) => ({ ...example, index: i + 1 })))('$name', ({ source, stacks, index }) => {
    let out: string;

    beforeAll(() => {
      // GIVEN the example as the JavaScript a user's build would run
      const js = ts.transpileModule(source(), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
      writeFileSync(path.join(app, `example-${index}.js`), js);
      out = path.join(work, `cdk.out-${index}`);

      // WHEN the app's own CLI synthesizes it with plain node
      run('node', [path.join('node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '--app', `node example-${index}.js`, '--output', out, '--quiet'], app);
    }, 120_000);

    test('synthesizes its stacks', () => {
      // THEN
      const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
      const synthesized = Object.values(manifest.artifacts as Record<string, any>)
        .filter((a) => a.type === 'aws:cloudformation:stack')
        .map((a) => a.properties?.stackName ?? a.displayName);
      expect(synthesized).toEqual(expect.arrayContaining(stacks));
    });

    test('stages the handler bundles the package ships, as assets of its stacks', () => {
      // THEN
      const staged = readdirSync(out).filter((f) => f.startsWith('asset.'))
        .filter((dir) => existsSync(path.join(out, dir, 'index.mjs')));
      expect(staged.length).toBeGreaterThan(0);
      const bundle = readFileSync(path.join(out, staged[0], 'index.mjs'), 'utf8');
      expect(bundle.length).toBeGreaterThan(10_000);
    });
  });
});
