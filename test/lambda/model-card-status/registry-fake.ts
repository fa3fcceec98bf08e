import { DescribeModelPackageCommand, SageMakerClient, UpdateModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';

/*
 * The model registry's side of the card, in memory: moto 5.2 stores no `ModelCard` on a model
 * package (its CreateModelPackage and UpdateModelPackage take none), so the card handler is tested
 * against this instead. It keeps what botocore's model says a package has (approval status,
 * `ModelCard { ModelCardStatus, ModelCardContent }`, `LastModifiedBy`, customer metadata) and
 * refuses what the API reference says SageMaker refuses: content changes of an archived card
 * ("Model Card is in Archived state"). Every update records the caller as `LastModifiedBy`.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const GROUP = 'churn';
export const HANDLER_ROLE = 'mlops-churn-model-card-status';
export const REVIEWER = `arn:aws:sts::${ACCOUNT}:assumed-role/ml-reviewer/alice`;

export function packageArn(version: number, group = GROUP): string {
  return `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/${group}/${version}`;
}

interface StoredPackage {
  arn: string;
  group: string;
  version: number;
  approval: string;
  card?: { ModelCardStatus: string; ModelCardContent?: string };
  lastModifiedBy: string;
  lastModifiedTime: Date;
  metadata?: Record<string, string>;
}

export class RegistryFake {
  public readonly packages = new Map<string, StoredPackage>();
  public readonly sagemaker = new SageMakerClient({ region: REGION });
  public readonly mock = mockClient(this.sagemaker);
  private clock = Date.parse('2026-11-23T10:00:00Z');

  constructor() {
    this.wire();
  }

  public reset(): void {
    this.packages.clear();
    this.mock.reset();
    this.wire();
  }

  /** A package as the build registers it: pending, with a card in Draft (or none). */
  public register(version: number, card: string | null = 'Draft'): string {
    const arn = packageArn(version);
    this.packages.set(arn, {
      arn, group: GROUP, version, approval: 'PendingManualApproval',
      card: card ? { ModelCardStatus: card, ModelCardContent: JSON.stringify({ intended_uses: { risk_rating: 'Low' } }) } : undefined,
      lastModifiedBy: `arn:aws:sts::${ACCOUNT}:assumed-role/mlops-churn-build/pipeline`,
      lastModifiedTime: this.tick(),
    });
    return arn;
  }

  /** A person changes the package's approval status in the registry. */
  public decide(arn: string, approval: 'Approved' | 'Rejected' | 'PendingManualApproval', by = REVIEWER): void {
    const p = this.packages.get(arn)!;
    p.approval = approval;
    p.lastModifiedBy = by;
    p.lastModifiedTime = this.tick();
  }

  public card(arn: string): string | undefined {
    return this.packages.get(arn)?.card?.ModelCardStatus;
  }

  public metadata(arn: string): Record<string, string> | undefined {
    return this.packages.get(arn)?.metadata;
  }

  public updates(): Array<Record<string, unknown>> {
    return this.mock.commandCalls(UpdateModelPackageCommand).map((c) => c.args[0].input as unknown as Record<string, unknown>);
  }

  private tick(): Date {
    this.clock += 60_000;
    return new Date(this.clock);
  }

  private wire(): void {
    this.mock.on(DescribeModelPackageCommand).callsFake((input: { ModelPackageName: string }) => {
      const p = this.packages.get(input.ModelPackageName);
      if (!p) {
        throw Object.assign(new Error(`Model Package ${input.ModelPackageName} does not exist.`), { name: 'ValidationException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
      }
      return {
        ModelPackageArn: p.arn,
        ModelPackageGroupName: p.group,
        ModelPackageVersion: p.version,
        ModelApprovalStatus: p.approval,
        ModelCard: p.card ? { ...p.card } : undefined,
        LastModifiedBy: { IamIdentity: { Arn: p.lastModifiedBy } },
        LastModifiedTime: p.lastModifiedTime,
        CustomerMetadataProperties: p.metadata ? { ...p.metadata } : undefined,
      };
    });
    this.mock.on(UpdateModelPackageCommand).callsFake((input: { ModelPackageArn: string; ModelCard?: { ModelCardStatus?: string; ModelCardContent?: string }; CustomerMetadataProperties?: Record<string, string> }) => {
      const p = this.packages.get(input.ModelPackageArn)!;
      if (input.ModelCard) {
        if (p.card?.ModelCardStatus === 'Archived' && input.ModelCard.ModelCardContent !== undefined) {
          throw Object.assign(new Error('Model Card is in Archived state'), { name: 'ValidationException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
        }
        p.card = { ...p.card!, ...input.ModelCard } as StoredPackage['card'];
      }
      if (input.CustomerMetadataProperties) p.metadata = { ...input.CustomerMetadataProperties };
      p.lastModifiedBy = `arn:aws:sts::${ACCOUNT}:assumed-role/${HANDLER_ROLE}/handler`;
      p.lastModifiedTime = this.tick();
      return { ModelPackageArn: p.arn };
    });
  }
}

/** A "SageMaker Model Package State Change" as SageMaker sends it. */
export function stateChange(arn: string, status: string, id: string, group = GROUP): Record<string, unknown> {
  return {
    'version': '0',
    id,
    'detail-type': 'SageMaker Model Package State Change',
    'source': 'aws.sagemaker',
    'account': ACCOUNT,
    'time': '2026-11-23T10:00:00Z',
    'region': REGION,
    'resources': [arn],
    'detail': { ModelPackageGroupName: group, ModelPackageArn: arn, ModelApprovalStatus: status, ModelPackageStatus: 'Completed' },
  };
}
