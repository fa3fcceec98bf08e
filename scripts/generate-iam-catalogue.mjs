#!/usr/bin/env node
/**
 * Generates lib/checks/iam-catalogue.json.gz, the offline catalogue of IAM actions the
 * deployability check reads (rules IamActionExists and ActionMatchesResource).
 *
 * Source: cfn-lint's data/AdditionalSpecs/Policies.json, which cfn-lint builds from the Service
 * Authorization Reference (every service prefix, its actions, the resource types each action
 * supports and the ARN formats of those resource types). Condition keys are dropped: no rule
 * reads them.
 *
 *   node scripts/generate-iam-catalogue.mjs [path/to/cfnlint]
 *
 * Without an argument it asks python3 where cfn-lint is installed. The output records the source
 * file, its SHA-256, the cfn-lint version and the date, so a reader knows how old it is.
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import { readFileSync, writeFileSync } from 'fs';
import * as path from 'path';
import { fileURLToPath } from 'url';
import { gzipSync } from 'zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, '..', 'lib', 'checks', 'iam-catalogue.json.gz');

const cfnlintDir = process.argv[2]
  ?? execFileSync('python3', ['-c', 'import cfnlint, os; print(os.path.dirname(cfnlint.__file__))'], { encoding: 'utf8' }).trim();
const sourceFile = path.join(cfnlintDir, 'data', 'AdditionalSpecs', 'Policies.json');
const raw = readFileSync(sourceFile);
const versionMatch = /__version__\s*=\s*"([^"]+)"/.exec(readFileSync(path.join(cfnlintDir, 'version.py'), 'utf8'));
if (!versionMatch) throw new Error(`no __version__ in ${path.join(cfnlintDir, 'version.py')}`);

const policies = JSON.parse(raw.toString('utf8'));
const services = {};
let actionCount = 0;
let resourceTypeCount = 0;
for (const prefix of Object.keys(policies).sort()) {
  const service = policies[prefix];
  // Resource types by name (lower case: actions name them in any case), each with its ARN formats.
  const resourceNames = Object.keys(service.Resources ?? {}).sort();
  const index = new Map(resourceNames.map((name, i) => [name.toLowerCase(), i]));
  const resources = resourceNames.map((name) => [name, service.Resources[name].ARNFormats ?? []]);
  const actions = {};
  for (const action of Object.keys(service.Actions ?? {}).sort()) {
    const types = (service.Actions[action].Resources ?? []).map((type) => {
      const i = index.get(type.toLowerCase());
      if (i === undefined) throw new Error(`${prefix}:${action} names resource type ${type}, which ${prefix} does not define`);
      return i;
    });
    actions[action.toLowerCase()] = types;
    actionCount += 1;
  }
  resourceTypeCount += resources.length;
  services[prefix.toLowerCase()] = { a: actions, r: resources };
}

const catalogue = {
  source: 'cfn-lint data/AdditionalSpecs/Policies.json (built by cfn-lint from the AWS Service Authorization Reference, https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html)',
  sourceSha256: createHash('sha256').update(raw).digest('hex'),
  cfnLintVersion: versionMatch[1],
  generatedOn: new Date().toISOString().slice(0, 10),
  format: 'services.<prefix>.a: action (lower case) -> indexes into r; services.<prefix>.r: [resource type, ARN formats]; ${...} and .* in formats stand for any text',
  services,
};
const gz = gzipSync(Buffer.from(JSON.stringify(catalogue)), { level: 9 });
writeFileSync(out, gz);
console.log(`${path.relative(process.cwd(), out)}: ${Object.keys(services).length} services, ${actionCount} actions, ${resourceTypeCount} resource types from cfn-lint ${versionMatch[1]} (${gz.length} bytes gzipped)`);
