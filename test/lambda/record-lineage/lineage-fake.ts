import { randomBytes } from 'node:crypto';
import {
  AddAssociationCommand,
  CreateActionCommand,
  CreateArtifactCommand,
  CreateContextCommand,
  DescribeActionCommand,
  DescribeArtifactCommand,
  DescribeContextCommand,
  DescribeTrialComponentCommand,
  ListActionsCommand,
  ListArtifactsCommand,
  ListAssociationsCommand,
  ListContextsCommand,
  QueryLineageCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';

/*
 * SageMaker lineage in memory, for the tests: moto 5.2 implements none of the lineage APIs.
 *
 * It does what the API reference and the developer guide say and nothing more: entity names are
 * unique per account and region and creating one twice is an error ("An error occurs if you try
 * to create an entity that already exists", Manually Create Tracking Entities); action and
 * context ARNs end in their name, artifact ARNs in an id SageMaker makes; associations join
 * existing entities only (ResourceNotFound otherwise) and exist once; QueryLineage walks the
 * associations up (Ascendants) or down (Descendants) and filters by lineage type and entity type.
 * What the real service does beyond this is not modelled, and a test against this fake proves
 * that our code calls the API as documented, not that AWS behaves so.
 */

type LineageType = 'Action' | 'Artifact' | 'Context' | 'TrialComponent';

interface Entity {
  readonly arn: string;
  readonly name?: string;
  readonly lineageType: LineageType;
  readonly type: string;
  readonly sourceUri?: string;
  readonly sourceArn?: string;
  readonly properties: Record<string, string>;
  readonly status?: string;
  readonly description?: string;
  readonly source?: Record<string, unknown>;
  readonly creationTime: Date;
}

interface Association {
  readonly sourceArn: string;
  readonly destinationArn: string;
  readonly type?: string;
  readonly creationTime: Date;
}

function serviceError(name: string, message: string, fault: 'client' | 'server' = 'client', status = 400): Error {
  return Object.assign(new Error(message), { name, $fault: fault, $metadata: { httpStatusCode: status } });
}

const LINEAGE_COMMANDS = new Set<unknown>([
  AddAssociationCommand, CreateActionCommand, CreateArtifactCommand, CreateContextCommand, DescribeActionCommand,
  DescribeArtifactCommand, DescribeContextCommand, DescribeTrialComponentCommand, ListActionsCommand, ListArtifactsCommand,
  ListAssociationsCommand, ListContextsCommand, QueryLineageCommand,
]);

export class LineageFake {
  public readonly entities = new Map<string, Entity>();
  public readonly associations: Association[] = [];
  /** Every lineage call, by command name, in order. */
  public readonly calls: Array<{ command: string; input: Record<string, unknown> }> = [];
  private readonly faults = new Map<string, Error[]>();

  constructor(private readonly account = '111111111111', private readonly region = 'us-east-1') {}

  /** The next `times` calls of `command` fail with `error`. */
  public failNext(command: string, error: Error, times = 1): void {
    this.faults.set(command, [...(this.faults.get(command) ?? []), ...Array.from({ length: times }, () => error)]);
  }

  public static throttling(): Error {
    return serviceError('ThrottlingException', 'Rate exceeded', 'client', 400);
  }

  public static limitExceeded(): Error {
    return serviceError('ResourceLimitExceeded', 'The account-level service limit for manually created actions has been exceeded');
  }

  public reset(): void {
    this.entities.clear();
    this.associations.length = 0;
    this.calls.length = 0;
    this.faults.clear();
  }

  /** What SageMaker creates by itself: an artifact (a model package, a model, a data set). */
  public seedArtifact(sourceUri: string, type: string): string {
    const arn = this.arn('artifact', randomBytes(16).toString('hex'));
    this.entities.set(arn, { arn, lineageType: 'Artifact', type, sourceUri, properties: {}, creationTime: new Date() });
    return arn;
  }

  /** What SageMaker creates by itself for a job: a trial component whose source is the job. */
  public seedTrialComponent(name: string, sourceArn: string, type = 'SageMakerTrainingJob'): string {
    const arn = this.arn('experiment-trial-component', name);
    this.entities.set(arn, { arn, name, lineageType: 'TrialComponent', type, sourceArn, properties: {}, creationTime: new Date() });
    return arn;
  }

  public seedAssociation(sourceArn: string, destinationArn: string, type: string): void {
    this.associations.push({ sourceArn, destinationArn, type, creationTime: new Date() });
  }

  public byType(lineageType: LineageType, type?: string): Entity[] {
    return [...this.entities.values()].filter((e) => e.lineageType === lineageType && (type === undefined || e.type === type));
  }

  public handles(command: unknown): boolean {
    return LINEAGE_COMMANDS.has((command as { constructor: unknown }).constructor);
  }

  public async send(command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<unknown> {
    const name = command.constructor.name.replace(/Command$/, '');
    const input = command.input;
    this.calls.push({ command: name, input });
    const fault = this.faults.get(name)?.shift();
    if (fault) throw fault;
    switch (name) {
      case 'CreateAction': return this.create('action', 'Action', input.ActionName as string, input.ActionType as string, input);
      case 'CreateContext': return this.create('context', 'Context', input.ContextName as string, input.ContextType as string, input);
      case 'CreateArtifact': return this.createArtifact(input);
      case 'DescribeAction': return this.describe('action', input.ActionName as string);
      case 'DescribeContext': return this.describe('context', input.ContextName as string);
      case 'DescribeArtifact': return this.describe('artifact', input.ArtifactArn as string);
      case 'DescribeTrialComponent': return this.describe('experiment-trial-component', input.TrialComponentName as string);
      case 'ListActions': return { ActionSummaries: this.list('Action', input.SourceUri, input.ActionType).map((e) => ({ ActionArn: e.arn, ActionName: e.name, ActionType: e.type, Source: e.source })) };
      case 'ListContexts': return { ContextSummaries: this.list('Context', input.SourceUri, input.ContextType).map((e) => ({ ContextArn: e.arn, ContextName: e.name, ContextType: e.type, Source: e.source })) };
      case 'ListArtifacts': return { ArtifactSummaries: this.list('Artifact', input.SourceUri, input.ArtifactType).map((e) => ({ ArtifactArn: e.arn, ArtifactName: e.name, ArtifactType: e.type, Source: { SourceUri: e.sourceUri } })) };
      case 'AddAssociation': return this.addAssociation(input);
      case 'ListAssociations': return { AssociationSummaries: this.listAssociations(input) };
      case 'QueryLineage': return this.query(input);
      default: throw new Error(`LineageFake does not implement ${name}`);
    }
  }

  private arn(kind: string, id: string): string {
    return `arn:aws:sagemaker:${this.region}:${this.account}:${kind}/${id}`;
  }

  private create(kind: string, lineageType: LineageType, name: string, type: string, input: Record<string, unknown>): Record<string, string> {
    const arn = this.arn(kind, name.toLowerCase());
    if (this.entities.has(arn)) {
      throw serviceError('ValidationException', `${lineageType} ${name} already exists`);
    }
    const source = input.Source as Record<string, unknown>;
    this.entities.set(arn, {
      arn, name, lineageType, type, source,
      sourceUri: source.SourceUri as string,
      properties: { ...(input.Properties as Record<string, string> ?? {}) },
      status: input.Status as string | undefined,
      description: input.Description as string | undefined,
      creationTime: new Date(),
    });
    return lineageType === 'Action' ? { ActionArn: arn } : { ContextArn: arn };
  }

  private createArtifact(input: Record<string, unknown>): Record<string, string> {
    const source = input.Source as Record<string, unknown>;
    if (this.list('Artifact', source.SourceUri).length > 0) {
      throw serviceError('ValidationException', `Artifact with source uri ${String(source.SourceUri)} already exists`);
    }
    const arn = this.arn('artifact', randomBytes(16).toString('hex'));
    this.entities.set(arn, {
      arn, name: input.ArtifactName as string | undefined, lineageType: 'Artifact', type: input.ArtifactType as string,
      sourceUri: source.SourceUri as string, properties: { ...(input.Properties as Record<string, string> ?? {}) }, creationTime: new Date(),
    });
    return { ArtifactArn: arn };
  }

  private find(kind: string, nameOrArn: string): Entity | undefined {
    const arn = nameOrArn.startsWith('arn:') ? nameOrArn : this.arn(kind, nameOrArn.toLowerCase());
    return this.entities.get(arn);
  }

  private describe(kind: string, nameOrArn: string): Record<string, unknown> {
    const e = this.find(kind, nameOrArn);
    if (!e) throw serviceError('ResourceNotFound', `${kind} ${nameOrArn} does not exist`);
    switch (e.lineageType) {
      case 'Action': return { ActionArn: e.arn, ActionName: e.name, ActionType: e.type, Source: e.source, Status: e.status, Description: e.description, Properties: e.properties, CreationTime: e.creationTime };
      case 'Context': return { ContextArn: e.arn, ContextName: e.name, ContextType: e.type, Source: e.source, Description: e.description, Properties: e.properties, CreationTime: e.creationTime };
      case 'Artifact': return { ArtifactArn: e.arn, ArtifactName: e.name, ArtifactType: e.type, Source: { SourceUri: e.sourceUri }, Properties: e.properties, CreationTime: e.creationTime };
      default: return { TrialComponentArn: e.arn, TrialComponentName: e.name, Source: { SourceArn: e.sourceArn, SourceType: e.type }, CreationTime: e.creationTime };
    }
  }

  private list(lineageType: LineageType, sourceUri?: unknown, type?: unknown): Entity[] {
    return this.byType(lineageType).filter((e) => (sourceUri === undefined || e.sourceUri === sourceUri) && (type === undefined || e.type === type));
  }

  private addAssociation(input: Record<string, unknown>): Record<string, string> {
    const sourceArn = input.SourceArn as string;
    const destinationArn = input.DestinationArn as string;
    for (const arn of [sourceArn, destinationArn]) {
      if (!this.entities.has(arn)) throw serviceError('ResourceNotFound', `${arn} does not exist`);
    }
    if (this.associations.some((a) => a.sourceArn === sourceArn && a.destinationArn === destinationArn)) {
      throw serviceError('ValidationException', `association between ${sourceArn} and ${destinationArn} already exists`);
    }
    this.associations.push({ sourceArn, destinationArn, type: input.AssociationType as string | undefined, creationTime: new Date() });
    return { SourceArn: sourceArn, DestinationArn: destinationArn };
  }

  private listAssociations(input: Record<string, unknown>): Record<string, unknown>[] {
    return this.associations
      .filter((a) => input.SourceArn === undefined || a.sourceArn === input.SourceArn)
      .filter((a) => input.DestinationArn === undefined || a.destinationArn === input.DestinationArn)
      .filter((a) => input.AssociationType === undefined || a.type === input.AssociationType)
      .filter((a) => input.SourceType === undefined || this.entities.get(a.sourceArn)?.type === input.SourceType)
      .filter((a) => input.DestinationType === undefined || this.entities.get(a.destinationArn)?.type === input.DestinationType)
      .map((a) => ({
        SourceArn: a.sourceArn,
        DestinationArn: a.destinationArn,
        SourceType: this.entities.get(a.sourceArn)?.type,
        DestinationType: this.entities.get(a.destinationArn)?.type,
        AssociationType: a.type,
        SourceName: this.entities.get(a.sourceArn)?.name,
        DestinationName: this.entities.get(a.destinationArn)?.name,
        CreationTime: a.creationTime,
      }));
  }

  private query(input: Record<string, unknown>): Record<string, unknown> {
    const direction = (input.Direction as string | undefined) ?? 'Both';
    const maxDepth = (input.MaxDepth as number | undefined) ?? 10;
    const filters = (input.Filters ?? {}) as { LineageTypes?: string[]; Types?: string[] };
    const seen = new Set<string>(input.StartArns as string[]);
    let frontier = [...seen];
    for (let depth = 0; depth < maxDepth && frontier.length > 0; depth++) {
      const next: string[] = [];
      for (const arn of frontier) {
        for (const a of this.associations) {
          const up = (direction === 'Ascendants' || direction === 'Both') && a.destinationArn === arn ? a.sourceArn : undefined;
          const down = (direction === 'Descendants' || direction === 'Both') && a.sourceArn === arn ? a.destinationArn : undefined;
          for (const found of [up, down]) {
            if (found && !seen.has(found)) { seen.add(found); next.push(found); }
          }
        }
      }
      frontier = next;
    }
    const vertices = [...seen]
      .filter((arn) => !(input.StartArns as string[]).includes(arn))
      .map((arn) => this.entities.get(arn)!)
      .filter((e) => e && (!filters.LineageTypes || filters.LineageTypes.includes(e.lineageType)) && (!filters.Types || filters.Types.includes(e.type)))
      .map((e) => ({ Arn: e.arn, Type: e.type, LineageType: e.lineageType }));
    return { Vertices: vertices, Edges: [] };
  }
}

/**
 * Sends the lineage commands of `client` to `fake` and every other command to the client's own
 * endpoint (a moto_server, say). aws-sdk-client-mock hands a fake only the command's input, not
 * the command, so the client's `send` is wrapped here instead.
 */
export function routeLineage(client: SageMakerClient, fake: LineageFake): void {
  const passThrough = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  (client as unknown as { send: (command: unknown) => Promise<unknown> }).send = (command: unknown) =>
    (fake.handles(command) ? fake.send(command as never) : passThrough(command));
}
