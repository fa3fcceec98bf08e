import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { AssemblyStack, DeploymentModel, ModelTemplate } from './model';
import { Coverage, RawFinding, Rule } from './rule';
import { capabilitiesCover } from './rules/capabilities-cover';
import { actionMatchesResource, iamActionExists } from './rules/iam-actions';
import { noGeneratedNamePatterns } from './rules/no-generated-name-patterns';
import { pipelineActionRoleAssumable } from './rules/pipeline-action-role';
import { principalExists } from './rules/principal-exists';
import { noLiteralPartition, regionalMappings } from './rules/regional';
import { scheduledJobInputsWritten } from './rules/scheduled-job-inputs';
import { writerCanUseKey } from './rules/writer-can-use-key';

/** Every rule, in the order of the README. */
export const ALL_RULES: Rule[] = [
  principalExists,
  capabilitiesCover,
  noGeneratedNamePatterns,
  actionMatchesResource,
  writerCanUseKey,
  pipelineActionRoleAssumable,
  iamActionExists,
  scheduledJobInputsWritten,
  regionalMappings,
  noLiteralPartition,
];

/** The plugin's name, and the namespace of its acknowledgements (`Deployability::Deployability-<Rule>`). */
export const PLUGIN_NAME = 'Deployability';

/** A finding matched to its construct and to the acknowledgement that covers it, if any. */
export interface ResolvedFinding extends RawFinding {
  readonly rule: Rule;
  readonly constructPath?: string;
  readonly acknowledgedReason?: string;
  readonly acknowledgedAt?: string;
}

export interface Analysis {
  readonly model: DeploymentModel;
  readonly findings: ResolvedFinding[];
  readonly coverage: Map<string, Coverage>;
}

/** Acknowledgements of the tree: rule id -> construct path -> reason. */
function acknowledgements(root: IConstruct): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        if (!out.has(id)) out.set(id, new Map());
        out.get(id)!.set(c.node.path, String(reason ?? ''));
      }
    }
  }
  return out;
}

/** The closest acknowledgement of a rule at a construct path or above it, as aws-cdk-lib matches them. */
function closest(acks: Map<string, string> | undefined, constructPath: string | undefined): { at: string; reason: string } | undefined {
  if (!acks || constructPath === undefined) return undefined;
  let p = constructPath;
  for (;;) {
    const reason = acks.get(p);
    if (reason !== undefined) return { at: p, reason };
    if (p === '') return undefined;
    const slash = p.lastIndexOf('/');
    p = slash < 0 ? '' : p.slice(0, slash);
  }
}

/** Builds the deployment model of an assembly and runs the rules over it. */
export function analyze(root: IConstruct, stacks: AssemblyStack[], rules: Rule[] = ALL_RULES): Analysis {
  const model = DeploymentModel.build(root, stacks);
  const acks = acknowledgements(root);
  const findings: ResolvedFinding[] = [];
  const coverage = new Map<string, Coverage>();
  for (const rule of rules) {
    const cov = new Coverage();
    coverage.set(rule.id, cov);
    const seen = new Set<string>();
    rule.check({
      model,
      coverage: cov,
      report: (f) => {
        const key = `${f.template.templatePath}|${f.logicalId}|${f.location}|${f.message}`;
        if (seen.has(key)) return;
        seen.add(key);
        const constructPath = f.logicalId ? f.template.constructPath(f.logicalId) : f.template.stack?.node.path;
        const ack = closest(acks.get(`${PLUGIN_NAME}::${rule.id}`), constructPath);
        findings.push({ ...f, rule, constructPath, acknowledgedReason: ack?.reason, acknowledgedAt: ack?.at });
      },
    });
  }
  return { model, findings, coverage };
}

export type { ModelTemplate };
