/**
 * mlops-audit: which model does this endpoint serve, trained on what, evaluated how, approved by
 * whom, deployed when and where?
 *
 *   mlops-audit --endpoint-name churn-production --account 333333333333 --region eu-west-1 [--json]
 *
 * Runs with credentials of the tooling account (where the registry and the promotions' lineage
 * live), in its region (AWS_REGION, or --tooling-region). The permissions it needs are what
 * `PromotionLineageRecorder.grantAudit()` grants. It reads:
 *
 * - the deployments `PromotionLineageRecorder` recorded for the endpoint: the endpoint's context
 *   (its `SourceUri` is the endpoint's ARN) and the deployment actions associated with it;
 * - the model package the latest of them deployed (DescribeModelPackage): approval, model card,
 *   evaluation reports;
 * - the training job: through lineage (the trial component SageMaker records for the job, an
 *   ascendant of the package's artifact), else through the package's model data, which a
 *   training job writes to `<S3OutputPath>/<job name>/output/model.tar.gz` (checked against the
 *   job's own `ModelArtifacts`);
 * - every deployment of that package, staging through production, with their approvals.
 */
import {
  DescribeActionCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageCommandOutput,
  DescribeTrainingJobCommand,
  DescribeTrainingJobCommandOutput,
  DescribeTrialComponentCommand,
  ListArtifactsCommand,
  ListAssociationsCommand,
  ListContextsCommand,
  QueryLineageCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import {
  DEPLOYMENT_ACTION_TYPE,
  ENDPOINT_CONTEXT_TYPE,
  endpointArn,
  Property,
  RECORDED_BY,
} from '../lambda/record-lineage/lineage-names';
import { DECIDED_AT_KEY, DECIDED_BY_KEY } from '../lambda/model-card-status/card-status';

/** The endpoint asked about. */
export interface EndpointQuery {
  readonly endpointName: string;
  readonly account: string;
  readonly region: string;
  /** @default 'aws' */
  readonly partition?: string;
}

/** One deployment as the promotion recorded it. */
export interface DeploymentRecord {
  readonly actionArn: string;
  readonly stage: string;
  readonly account: string;
  readonly region: string;
  readonly endpointName: string;
  readonly stackName?: string;
  readonly modelPackageArn: string;
  readonly deployedAt: string;
  readonly pipelineName?: string;
  readonly pipelineExecutionId?: string;
  readonly manualApproval?: { readonly status?: string; readonly by?: string; readonly summary?: string; readonly at?: string };
}

export interface AuditAnswer {
  readonly endpoint: { readonly name: string; readonly account: string; readonly region: string; readonly arn: string };
  /** Whether any deployment to the endpoint was recorded. */
  readonly found: boolean;
  readonly reason?: string;
  /** The latest deployment to the endpoint: what it serves now, as far as the promotion knows. */
  readonly current?: DeploymentRecord;
  readonly modelPackage?: {
    readonly arn: string;
    readonly group?: string;
    readonly version?: number;
    readonly description?: string;
    readonly registeredAt?: string;
    readonly registeredBy?: string;
    readonly approval: { readonly status?: string; readonly by?: string; readonly at?: string; readonly description?: string };
    readonly modelCard?: { readonly status?: string; readonly riskRating?: string; readonly metrics: Array<{ readonly group?: string; readonly name: string; readonly value: unknown }> };
    readonly evaluationReports: Array<{ readonly kind: string; readonly uri: string }>;
    readonly modelDataUrls: string[];
  };
  readonly trainingJob?: {
    readonly name: string;
    readonly arn?: string;
    readonly status?: string;
    readonly foundThrough: 'lineage' | 'model data';
    readonly image?: string;
    readonly inputs: Array<{ readonly channel: string; readonly uri: string }>;
    readonly modelArtifacts?: string;
  };
  /** Every recorded deployment of the package, oldest first. */
  readonly deploymentsOfPackage: DeploymentRecord[];
  /** Every recorded deployment to the endpoint, oldest first (earlier packages included). */
  readonly deploymentsToEndpoint: DeploymentRecord[];
}

export interface AuditClients {
  /** A SageMaker client of the tooling account, in its region. */
  readonly sagemaker: SageMakerClient;
}

/**
 * Walks the registry and the lineage of the tooling account for one endpoint.
 */
export async function auditEndpoint(clients: AuditClients, query: EndpointQuery): Promise<AuditAnswer> {
  const { sagemaker } = clients;
  const arn = endpointArn(query.partition ?? 'aws', query.region, query.account, query.endpointName);
  const endpoint = { name: query.endpointName, account: query.account, region: query.region, arn };

  const contexts = await paginate(async (NextToken) => {
    const page = await sagemaker.send(new ListContextsCommand({ SourceUri: arn, ContextType: ENDPOINT_CONTEXT_TYPE, NextToken }));
    return { items: page.ContextSummaries ?? [], next: page.NextToken };
  });
  const toEndpoint = await deploymentsAt(sagemaker, contexts.map((c) => c.ContextArn!).filter(Boolean), 'destination');
  if (toEndpoint.length === 0) {
    return {
      endpoint, found: false, deploymentsOfPackage: [], deploymentsToEndpoint: [],
      reason: `no deployment to ${arn} is recorded in this account's lineage: was it promoted by a pipeline with a PromotionLineageRecorder, and are these credentials of the tooling account and its region?`,
    };
  }
  const current = toEndpoint[toEndpoint.length - 1];
  const described = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: current.modelPackageArn }));

  const packageArtifacts = (await sagemaker.send(new ListArtifactsCommand({ SourceUri: current.modelPackageArn }))).ArtifactSummaries ?? [];
  const artifactArns = packageArtifacts.map((a) => a.ArtifactArn!).filter(Boolean);
  const ofPackage = await deploymentsAt(sagemaker, artifactArns, 'source');

  return {
    endpoint,
    found: true,
    current,
    modelPackage: packageOf(described),
    trainingJob: await trainingJobOf(sagemaker, artifactArns, described),
    deploymentsOfPackage: ofPackage,
    deploymentsToEndpoint: toEndpoint,
  };
}

/** The recorded deployment actions on the `side` of these entities, oldest first. */
async function deploymentsAt(sagemaker: SageMakerClient, arns: string[], side: 'source' | 'destination'): Promise<DeploymentRecord[]> {
  const actionArns = new Set<string>();
  for (const entity of arns) {
    const associations = await paginate(async (NextToken) => {
      const page = await sagemaker.send(new ListAssociationsCommand(side === 'destination'
        ? { DestinationArn: entity, SourceType: DEPLOYMENT_ACTION_TYPE, NextToken }
        : { SourceArn: entity, DestinationType: DEPLOYMENT_ACTION_TYPE, NextToken }));
      return { items: page.AssociationSummaries ?? [], next: page.NextToken };
    });
    for (const a of associations) {
      const action = side === 'destination' ? a.SourceArn : a.DestinationArn;
      if (action) actionArns.add(action);
    }
  }
  const records: DeploymentRecord[] = [];
  for (const actionArn of actionArns) {
    const action = await sagemaker.send(new DescribeActionCommand({ ActionName: actionArn }));
    const p = action.Properties ?? {};
    // Only what a PromotionLineageRecorder wrote: SageMaker's own ModelDeployment actions (of an
    // endpoint in this very account) say nothing of approvals.
    if (p[Property.RecordedBy] !== RECORDED_BY || !p[Property.ModelPackageArn]) continue;
    records.push({
      actionArn,
      stage: p[Property.Stage] ?? '',
      account: p[Property.TargetAccount] ?? '',
      region: p[Property.TargetRegion] ?? '',
      endpointName: p[Property.EndpointName] ?? '',
      stackName: p[Property.StackName],
      modelPackageArn: p[Property.ModelPackageArn],
      deployedAt: p[Property.DeployedAt] ?? action.CreationTime?.toISOString() ?? '',
      pipelineName: p[Property.PipelineName],
      pipelineExecutionId: p[Property.PipelineExecutionId],
      manualApproval: p[Property.ManualApprovedBy] || p[Property.ManualApprovalStatus]
        ? { status: p[Property.ManualApprovalStatus], by: p[Property.ManualApprovedBy], summary: p[Property.ManualApprovalSummary], at: p[Property.ManualApprovedAt] }
        : undefined,
    });
  }
  return records.sort((a, b) => a.deployedAt.localeCompare(b.deployedAt));
}

function packageOf(d: DescribeModelPackageCommandOutput): NonNullable<AuditAnswer['modelPackage']> {
  const metadata = d.CustomerMetadataProperties ?? {};
  const who = (u?: { IamIdentity?: { Arn?: string }; UserProfileArn?: string; UserProfileName?: string }) => u?.IamIdentity?.Arn ?? u?.UserProfileArn ?? u?.UserProfileName;
  const reports: Array<{ kind: string; uri: string }> = [];
  for (const [kind, group] of Object.entries(d.ModelMetrics ?? {})) {
    for (const [part, source] of Object.entries((group ?? {}) as Record<string, { S3Uri?: string } | undefined>)) {
      if (source?.S3Uri) reports.push({ kind: `${kind} ${part}`, uri: source.S3Uri });
    }
  }
  return {
    arn: d.ModelPackageArn!,
    group: d.ModelPackageGroupName,
    version: d.ModelPackageVersion,
    description: d.ModelPackageDescription,
    registeredAt: d.CreationTime?.toISOString(),
    registeredBy: who(d.CreatedBy),
    approval: {
      status: d.ModelApprovalStatus,
      // The card handler keeps who decided; LastModifiedBy may be a later change.
      by: metadata[DECIDED_BY_KEY] ?? who(d.LastModifiedBy),
      at: metadata[DECIDED_AT_KEY] ?? d.LastModifiedTime?.toISOString(),
      description: d.ApprovalDescription,
    },
    modelCard: cardOf(d.ModelCard),
    evaluationReports: reports,
    modelDataUrls: (d.InferenceSpecification?.Containers ?? []).map((c) => c.ModelDataUrl).filter((u): u is string => !!u),
  };
}

/**
 * The card's status, risk rating and evaluation metrics, from the model card JSON schema:
 * `intended_uses.risk_rating`, `evaluation_details[].metric_groups[].metric_data[]`.
 */
export function cardOf(card: { ModelCardStatus?: string; ModelCardContent?: string } | undefined): NonNullable<AuditAnswer['modelPackage']>['modelCard'] {
  if (!card) return undefined;
  let content: Record<string, unknown> = {};
  try {
    content = card.ModelCardContent ? JSON.parse(card.ModelCardContent) : {};
  } catch {
    // A card whose content is not JSON still has a status.
  }
  const metrics: Array<{ group?: string; name: string; value: unknown }> = [];
  for (const evaluation of asArray(content.evaluation_details)) {
    for (const group of asArray((evaluation as { metric_groups?: unknown }).metric_groups)) {
      const g = group as { name?: string; metric_data?: unknown };
      for (const m of asArray(g.metric_data)) {
        const metric = m as { name?: unknown; value?: unknown };
        if (typeof metric.name === 'string') metrics.push({ group: g.name, name: metric.name, value: metric.value });
      }
    }
  }
  const risk = (content.intended_uses as { risk_rating?: unknown } | undefined)?.risk_rating;
  return { status: card.ModelCardStatus, riskRating: typeof risk === 'string' ? risk : undefined, metrics };
}

async function trainingJobOf(sagemaker: SageMakerClient, artifactArns: string[], d: DescribeModelPackageCommandOutput): Promise<AuditAnswer['trainingJob']> {
  for (const artifact of artifactArns) {
    const found = await sagemaker.send(new QueryLineageCommand({
      StartArns: [artifact], Direction: 'Ascendants', IncludeEdges: false, MaxDepth: 10, Filters: { LineageTypes: ['TrialComponent'] },
    }));
    for (const vertex of found.Vertices ?? []) {
      if (!vertex.Arn) continue;
      // DescribeTrialComponent takes the name or the ARN (botocore ExperimentEntityNameOrArn).
      const component = await sagemaker.send(new DescribeTrialComponentCommand({ TrialComponentName: vertex.Arn }));
      const source = component.Source?.SourceArn ?? '';
      if (source.includes(':training-job/')) {
        const job = await describeTrainingJob(sagemaker, source.split('/').pop()!);
        if (job) return jobOf(job, 'lineage');
      }
    }
  }
  for (const url of (d.InferenceSpecification?.Containers ?? []).map((c) => c.ModelDataUrl ?? '')) {
    const candidate = /\/([^/]+)\/output\/model\.tar\.gz$/.exec(url)?.[1];
    if (!candidate) continue;
    const job = await describeTrainingJob(sagemaker, candidate);
    if (job?.ModelArtifacts?.S3ModelArtifacts === url) return jobOf(job, 'model data');
  }
  return undefined;
}

async function describeTrainingJob(sagemaker: SageMakerClient, name: string): Promise<DescribeTrainingJobCommandOutput | undefined> {
  try {
    return await sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
  } catch (error) {
    const e = error as { name?: string; message?: string };
    if (e.name === 'ResourceNotFound' || (e.name === 'ValidationException' && /not found|does not exist/i.test(e.message ?? ''))) return undefined;
    throw error;
  }
}

function jobOf(job: DescribeTrainingJobCommandOutput, foundThrough: 'lineage' | 'model data'): NonNullable<AuditAnswer['trainingJob']> {
  return {
    name: job.TrainingJobName!,
    arn: job.TrainingJobArn,
    status: job.TrainingJobStatus,
    foundThrough,
    image: job.AlgorithmSpecification?.TrainingImage,
    inputs: (job.InputDataConfig ?? []).map((c) => ({ channel: c.ChannelName ?? '', uri: c.DataSource?.S3DataSource?.S3Uri ?? '(not S3)' })),
    modelArtifacts: job.ModelArtifacts?.S3ModelArtifacts,
  };
}

/** The answer as a person reads it. */
export function formatAuditAnswer(answer: AuditAnswer): string {
  const e = answer.endpoint;
  const lines: string[] = [`Endpoint ${e.name} in ${e.account}/${e.region}`];
  if (!answer.found) {
    lines.push(`  ${answer.reason}`);
    return lines.join('\n') + '\n';
  }
  const c = answer.current!;
  const p = answer.modelPackage!;
  lines.push(`  serves model package ${p.arn} (group ${p.group ?? '?'}, version ${p.version ?? '?'})`);
  lines.push(`  deployed ${c.deployedAt} (${c.stage}) by ${c.pipelineName ?? 'the promotion'} execution ${c.pipelineExecutionId ?? '?'}`);
  lines.push('', 'Model package');
  lines.push(`  registered ${p.registeredAt ?? '?'}${p.registeredBy ? ` by ${p.registeredBy}` : ''}${p.description ? `: ${p.description}` : ''}`);
  lines.push(`  approval: ${p.approval.status ?? '?'}${p.approval.by ? ` by ${p.approval.by}` : ''}${p.approval.at ? ` at ${p.approval.at}` : ''}${p.approval.description ? `: "${p.approval.description}"` : ''}`);
  lines.push(`  model card: ${p.modelCard ? `${p.modelCard.status ?? '?'}${p.modelCard.riskRating ? `, risk rating ${p.modelCard.riskRating}` : ''}` : 'none'}`);
  lines.push('', 'Training');
  const t = answer.trainingJob;
  if (t) {
    lines.push(`  job ${t.name} (${t.status ?? '?'}), found through ${t.foundThrough}${t.image ? `, image ${t.image}` : ''}`);
    for (const input of t.inputs) lines.push(`  input ${input.channel}: ${input.uri}`);
    if (t.modelArtifacts) lines.push(`  model: ${t.modelArtifacts}`);
  } else {
    lines.push(`  no training job found (model data: ${p.modelDataUrls.join(', ') || 'none'})`);
  }
  lines.push('', 'Evaluation');
  for (const m of p.modelCard?.metrics ?? []) lines.push(`  ${m.group ? `${m.group}: ` : ''}${m.name} = ${JSON.stringify(m.value)}`);
  for (const r of p.evaluationReports) lines.push(`  report ${r.kind}: ${r.uri}`);
  if ((p.modelCard?.metrics ?? []).length === 0 && p.evaluationReports.length === 0) lines.push('  no metrics on the model card and no evaluation report on the package');
  lines.push('', 'Deployments of this package');
  for (const d of answer.deploymentsOfPackage) lines.push(`  ${deploymentLine(d)}`);
  const earlier = answer.deploymentsToEndpoint.filter((d) => d.modelPackageArn !== p.arn);
  if (earlier.length > 0) {
    lines.push('', 'Earlier packages on this endpoint');
    for (const d of earlier) lines.push(`  ${deploymentLine(d)}: ${d.modelPackageArn}`);
  }
  return lines.join('\n') + '\n';
}

function deploymentLine(d: DeploymentRecord): string {
  const approval = d.manualApproval ? `, promotion approved (${d.manualApproval.status ?? '?'}) by ${d.manualApproval.by ?? '?'}${d.manualApproval.at ? ` at ${d.manualApproval.at}` : ''}${d.manualApproval.summary ? `: "${d.manualApproval.summary}"` : ''}` : '';
  return `${d.deployedAt}  ${d.stage}  ${d.account}/${d.region}  ${d.endpointName}  execution ${d.pipelineExecutionId ?? '?'}${approval}`;
}

async function paginate<T>(page: (next?: string) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const all: T[] = [];
  let next: string | undefined;
  do {
    const result = await page(next);
    all.push(...result.items);
    next = result.next;
  } while (next);
  return all;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

const USAGE = 'usage: mlops-audit --endpoint-name <name> --account <12-digit id> --region <endpoint region> [--tooling-region <region>] [--json]';

/** The command: parses its arguments, answers, and returns the exit code. */
export async function main(argv: string[], out: (text: string) => void = (t) => process.stdout.write(t), clients?: AuditClients): Promise<number> {
  const args = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json' || arg === '--help') flags.add(arg);
    else if (arg.startsWith('--') && i + 1 < argv.length) args.set(arg, argv[++i]);
    else {
      out(`mlops-audit: unexpected argument '${arg}'\n${USAGE}\n`);
      return 2;
    }
  }
  if (flags.has('--help')) {
    out(`${USAGE}\n`);
    return 0;
  }
  const problems: string[] = [];
  const endpointName = args.get('--endpoint-name') ?? '';
  const account = args.get('--account') ?? '';
  const region = args.get('--region') ?? '';
  if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(endpointName)) problems.push(`--endpoint-name '${endpointName}' is not an endpoint name`);
  if (!/^\d{12}$/.test(account)) problems.push(`--account '${account}' is not a 12-digit account id`);
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) problems.push(`--region '${region}' is not a region`);
  if (problems.length > 0) {
    out(`mlops-audit: ${problems.join('; ')}\n${USAGE}\n`);
    return 2;
  }
  const toolingRegion = args.get('--tooling-region');
  const sagemaker = clients?.sagemaker ?? new SageMakerClient(toolingRegion ? { region: toolingRegion } : {});
  const answer = await auditEndpoint({ sagemaker }, { endpointName, account, region });
  out(flags.has('--json') ? `${JSON.stringify(answer, null, 2)}\n` : formatAuditAnswer(answer));
  return answer.found ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error: Error) => {
    process.stderr.write(`mlops-audit: ${error.name}: ${error.message}\n`);
    process.exitCode = 3;
  });
}
