import * as fs from 'fs';
import * as path from 'path';
import { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, PolicyViolation, Stage } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { ALL_RULES, analyze, PLUGIN_NAME, ResolvedFinding } from './private/analysis';

/**
 * The rules of the deployability check. Acknowledge a finding on a construct with
 * `Validations.of(construct).acknowledge({ id: 'Deployability::<rule>', reason })`.
 */
export enum DeployabilityRule {
  /** A role or user named as a principal in a resource or trust policy exists when that policy is deployed. */
  PRINCIPAL_EXISTS = 'Deployability-PrincipalExists',
  /** A CloudFormation deploy action's Capabilities cover its template (IAM, named IAM, macros). */
  CAPABILITIES_COVER = 'Deployability-CapabilitiesCover',
  /** No policy resource pattern relies on a physical name CloudFormation generates. */
  NO_GENERATED_NAME_PATTERNS = 'Deployability-NoGeneratedNamePatterns',
  /** Each action of a statement can apply to one of its resources (service prefix and resource type). */
  ACTION_MATCHES_RESOURCE = 'Deployability-ActionMatchesResource',
  /** Whoever writes to an encrypted queue, topic, bucket or log group can use its KMS key. */
  WRITER_CAN_USE_KEY = 'Deployability-WriterCanUseKey',
  /** Every CodePipeline action role can be assumed by the pipeline role. */
  PIPELINE_ACTION_ROLE_ASSUMABLE = 'Deployability-PipelineActionRoleAssumable',
  /** Every IAM action a policy names exists (checked against an offline catalogue). */
  IAM_ACTION_EXISTS = 'Deployability-IamActionExists',
  /** S3 objects a scheduled job reads by default are written by a pipeline of the app or given as parameters. */
  SCHEDULED_JOB_INPUTS_WRITTEN = 'Deployability-ScheduledJobInputsWritten',
  /** A region-keyed mapping holds every region the template is deployed to. */
  REGIONAL_MAPPINGS = 'Deployability-RegionalMappings',
  /** No ARN with a literal partition (`arn:aws:`) instead of `${AWS::Partition}`. */
  NO_LITERAL_PARTITION = 'Deployability-NoLiteralPartition',
}

/**
 * Properties of the deployability check.
 */
export interface DeployabilityChecksProps {
  /**
   * The rules to run.
   *
   * @default - every rule of DeployabilityRule
   */
  readonly rules?: DeployabilityRule[];
}

/**
 * Options of `DeployabilityChecks.findings()`.
 */
export interface DeployabilityFindingsOptions {
  /**
   * The rules to run.
   *
   * @default - every rule of DeployabilityRule
   */
  readonly rules?: DeployabilityRule[];

  /**
   * Whether to return acknowledged findings too (with their reason).
   *
   * @default false
   */
  readonly includeAcknowledged?: boolean;
}

/**
 * A finding of the deployability check: what AWS would reject or break, where, and how to fix it.
 */
export interface DeployabilityFinding {
  /** The rule, e.g. `Deployability-PrincipalExists`. */
  readonly rule: string;

  /** The template holding the resource to fix (for a promotion or product template, the file the pipeline or Service Catalog deploys). */
  readonly templatePath: string;

  /** How the template is deployed: `stack` (cdk deploy), `promotion` (a CodePipeline CloudFormation action) or `product` (Service Catalog). */
  readonly templateKind: string;

  /**
   * The logical id of the resource to fix.
   *
   * @default - the finding is about the template as a whole
   */
  readonly logicalId?: string;

  /**
   * The construct path of the resource, where an acknowledgement applies.
   *
   * @default - the construct tree has no construct for the template
   */
  readonly constructPath?: string;

  /**
   * The path of the offending value in the resource, e.g. `Properties/KeyPolicy/Statement/4/Principal/AWS/0`.
   *
   * @default - the resource as a whole
   */
  readonly location?: string;

  /** What is wrong, naming the resource and what AWS answers. */
  readonly message: string;

  /** What to do about it. */
  readonly fix: string;

  /** The AWS documentation the rule comes from. */
  readonly documentationUrl: string;

  /**
   * The reason of the acknowledgement that covers the finding.
   *
   * @default - not acknowledged
   */
  readonly acknowledgedReason?: string;
}

function packageVersion(): string | undefined {
  try {
    const file = path.join(__dirname, '..', '..', 'package.json');
    return JSON.parse(fs.readFileSync(file, 'utf8')).version;
  } catch {
    return undefined;
  }
}

function selectRules(rules: DeployabilityRule[] | undefined) {
  if (!rules) return ALL_RULES;
  const wanted = new Set<string>(rules);
  const unknown = [...wanted].filter((r) => !ALL_RULES.some((x) => x.id === r));
  if (unknown.length > 0) {
    throw new Error(`DeployabilityChecks: unknown rules ${unknown.join(', ')}; use the values of DeployabilityRule (${ALL_RULES.map((r) => r.id).join(', ')})`);
  }
  return ALL_RULES.filter((r) => wanted.has(r.id));
}

function toFinding(f: ResolvedFinding): DeployabilityFinding {
  return {
    rule: f.rule.id,
    templatePath: f.template.templatePath,
    templateKind: f.template.kind,
    logicalId: f.logicalId,
    constructPath: f.constructPath,
    location: f.location,
    message: f.message,
    fix: f.fix,
    documentationUrl: f.rule.documentationUrl,
    acknowledgedReason: f.acknowledgedReason,
  };
}

/**
 * The deployability check: AWS's deploy-time and run-time rules (principals exist when a policy
 * names them, capabilities cover templates, no permission depends on a generated name, writers
 * can use the keys of what they write to, ...) over a whole cloud assembly, including the
 * templates promotion pipelines deploy and Service Catalog product templates.
 *
 * Use it like cdk-nag, as a policy validation plugin: `Validations.of(app).addPlugins(new DeployabilityChecks())`.
 * Acknowledge a finding that does not apply on the construct it names:
 * `Validations.of(construct).acknowledge({ id: 'Deployability::Deployability-<Rule>', reason })`.
 * It reads only the cloud assembly and the construct tree: no credentials, no network. What it
 * cannot know at synth (unknown accounts and regions, tokens, policies of other accounts) it does
 * not judge.
 */
export class DeployabilityChecks implements IPolicyValidationPlugin {
  /** The plugin's name, which is also the namespace of its acknowledgements. */
  public static readonly PLUGIN_NAME = PLUGIN_NAME;

  /**
   * Synthesizes a stage (an App) if it is not synthesized yet and returns the deployability
   * findings of its assembly. Register no failing validation plugin on the stage: their failure
   * would fail the synthesis.
   */
  public static findings(stage: Stage, options: DeployabilityFindingsOptions = {}): DeployabilityFinding[] {
    const assembly = stage.synth();
    const stacks = assembly.stacksRecursively.map((s) => ({
      templatePath: s.templateFullPath,
      accountId: s.environment.account === cxapi.UNKNOWN_ACCOUNT ? undefined : s.environment.account,
      region: s.environment.region === cxapi.UNKNOWN_REGION ? undefined : s.environment.region,
    }));
    const result = analyze(stage, stacks, selectRules(options.rules));
    return result.findings
      .filter((f) => options.includeAcknowledged || f.acknowledgedReason === undefined)
      .map(toFinding);
  }

  /** The name of the plugin in validation reports. */
  public readonly name: string = PLUGIN_NAME;

  /** The version of this library. */
  public readonly version?: string;

  /** The rules the plugin runs. */
  public readonly ruleIds?: string[];

  private readonly rules: ReturnType<typeof selectRules>;

  constructor(props: DeployabilityChecksProps = {}) {
    this.rules = selectRules(props.rules);
    this.ruleIds = this.rules.map((r) => r.id);
    this.version = packageVersion();
  }

  /**
   * Runs the rules over the templates of the assembly and those they deploy. Acknowledgements are
   * matched by aws-cdk-lib on each violation's construct path (promotion and product templates'
   * resources included: the check names their constructs).
   */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const result = analyze(context.appConstruct, context.stackTemplates.map((s) => ({
      templatePath: s.templatePath,
      accountId: s.accountId,
      region: s.region,
    })), this.rules);
    const violations: PolicyViolation[] = result.findings.map((f) => ({
      ruleName: f.rule.id,
      description: f.message,
      fix: `${f.fix} (${f.rule.documentationUrl})`,
      severity: 'error',
      ruleMetadata: { documentationUrl: f.rule.documentationUrl },
      violatingResources: [{
        resourceLogicalId: f.logicalId,
        templatePath: f.template.templatePath,
        constructPath: f.constructPath,
        locations: f.location ? [f.location] : [],
      }],
    }));
    return { success: violations.length === 0, violations };
  }
}
