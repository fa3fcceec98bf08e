import * as fs from 'fs';
import * as path from 'path';
import { Stage } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { DeploymentModel } from '../checks/assembly-model';
import { renderMermaid } from './private/mermaid';
import { AppStackInfo, buildPlatformGraph, PlatformGraph } from './private/platform-graph';

/**
 * A picture of what an app deploys, drawn from its cloud assembly: the accounts, the stacks in
 * each (with their region), their key resources (model registries, SageMaker and CodePipeline
 * pipelines, endpoints, model monitors, event buses, Service Catalog products, and the
 * functions, buckets and schedules that take part in a flow), and what connects them:
 *
 * - events, followed through EventBridge rules from the resource that sends them (a registry's
 *   approvals, a monitor's executions, new objects in a bucket) to the rule's targets, and
 *   through rules that forward them to another account's bus;
 * - who may start which pipeline (the `StartPipelineExecution` permissions of functions, build
 *   projects and pipelines);
 * - the stacks a pipeline deploys (CodePipeline CloudFormation actions, with their stage and
 *   whether a manual approval comes first), in the account and region they deploy to;
 * - roles of other stacks that a pipeline or function assumes.
 *
 * Everything comes from the CloudFormation templates (types and properties), so it draws any
 * app, with or without this library's constructs. It reads the assembly only: no credentials,
 * no network. The text is Mermaid (a `flowchart`), which GitHub and most Markdown viewers render.
 */
export class PlatformDiagram {
  /** The line before the diagram in a Markdown file that `updateMarkdown` keeps current. */
  public static readonly START_MARKER = '<!-- diagram:start -->';

  /** The line after the diagram in a Markdown file that `updateMarkdown` keeps current. */
  public static readonly END_MARKER = '<!-- diagram:end -->';

  /**
   * Synthesizes a stage (an App) if it is not synthesized yet, and draws its assembly.
   */
  public static fromStage(stage: Stage): PlatformDiagram {
    return PlatformDiagram.fromAssembly(stage.synth());
  }

  /**
   * Draws a synthesized cloud assembly.
   */
  public static fromAssembly(assembly: cxapi.CloudAssembly): PlatformDiagram {
    const stacks = assembly.stacksRecursively;
    const appStacks = new Map<string, AppStackInfo>();
    for (const s of stacks) appStacks.set(path.resolve(s.templateFullPath), { stackName: s.stackName });
    // The model is built from the assembly alone (an empty construct tree), so that a diagram of
    // a cdk.out directory and of the app that wrote it are the same.
    const model = DeploymentModel.build(new Construct(undefined as unknown as Construct, ''), stacks.map((s) => ({
      templatePath: path.resolve(s.templateFullPath),
      accountId: s.environment.account === cxapi.UNKNOWN_ACCOUNT ? undefined : s.environment.account,
      region: s.environment.region === cxapi.UNKNOWN_REGION ? undefined : s.environment.region,
    })));
    return new PlatformDiagram(buildPlatformGraph(model, appStacks));
  }

  /**
   * Draws the cloud assembly in a directory, such as the `cdk.out` that `cdk synth` writes.
   */
  public static fromDirectory(directory: string): PlatformDiagram {
    if (!fs.existsSync(path.join(directory, 'manifest.json'))) {
      throw new Error(`PlatformDiagram: ${directory} holds no cloud assembly (no manifest.json); run 'cdk synth' first or pass the directory it writes (cdk.out)`);
    }
    return PlatformDiagram.fromAssembly(new cxapi.CloudAssembly(directory));
  }

  private readonly graph: PlatformGraph;

  private constructor(graph: PlatformGraph) {
    this.graph = graph;
  }

  /** The accounts the app deploys to, sorted (an environment-agnostic app has none). */
  public get accounts(): string[] {
    return this.graph.accounts.map((a) => a.id.replace(/^acct_/, '')).filter((a) => /^\d{12}$/.test(a));
  }

  /** The diagram as Mermaid flowchart text. */
  public mermaid(): string {
    return renderMermaid(this.graph);
  }

  /** The diagram as a fenced Markdown code block that GitHub renders. */
  public markdown(): string {
    return `\`\`\`mermaid\n${this.mermaid()}\`\`\`\n`;
  }

  /**
   * A Markdown text with the diagram put between its `START_MARKER` and `END_MARKER` lines
   * (whatever was there before is replaced).
   */
  public updateMarkdown(text: string): string {
    const start = text.indexOf(PlatformDiagram.START_MARKER);
    const end = text.indexOf(PlatformDiagram.END_MARKER);
    if (start < 0 || end < start) {
      throw new Error(`PlatformDiagram: the text has no '${PlatformDiagram.START_MARKER}' line followed by a '${PlatformDiagram.END_MARKER}' line; add both where the diagram goes`);
    }
    return `${text.slice(0, start + PlatformDiagram.START_MARKER.length)}\n${this.markdown()}${text.slice(end)}`;
  }
}
