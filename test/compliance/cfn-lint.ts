import { spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import * as path from 'path';
import { requireTool } from '../harness/required-tool';

export interface CfnLintMatch {
  readonly file: string;
  readonly rule: string;
  readonly level: string;
  readonly message: string;
  readonly path: string;
}

export interface AllowedWarning {
  readonly rule: string;
  /** A regular expression over the template path within the resource (e.g. `Resources/Foo/...`). */
  readonly where?: string;
  readonly reason: string;
}

export function allowedWarnings(): AllowedWarning[] {
  return JSON.parse(readFileSync(path.join(__dirname, 'cfn-lint-allowed-warnings.json'), 'utf8')).allowed;
}

/**
 * Runs cfn-lint once over all the templates and returns every match (errors, warnings, informational).
 */
export function runCfnLint(templates: string[]): CfnLintMatch[] {
  requireTool('cfn-lint');
  if (templates.length === 0) return [];
  const result = spawnSync('cfn-lint', ['--format', 'json', '--', ...templates], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  if (result.error) {
    throw result.error;
  }
  // cfn-lint exits with a bit mask (2 errors, 4 warnings, 8 informational); 1 is its own failure.
  if (result.status === 1 || result.status === null) {
    throw new Error(`cfn-lint failed to run (exit ${result.status}): ${result.stderr}`);
  }
  const raw = JSON.parse(result.stdout || '[]') as Array<{
    Filename: string; Level: string; Message: string; Rule: { Id: string }; Location: { Path?: Array<string | number> };
  }>;
  return raw.map((m) => ({
    file: m.Filename,
    rule: m.Rule.Id,
    level: m.Level,
    message: m.Message,
    path: (m.Location.Path ?? []).join('/'),
  }));
}
