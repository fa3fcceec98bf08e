/**
 * In-memory stand-ins for what the approval handler talks to, for the unit and property tests:
 * a model registry (DescribeModelPackage, ListModelPackages), SSM (Get/PutParameter), CodePipeline
 * (StartPipelineExecution: every call is a new execution, as nothing documents otherwise), and the
 * ledger with the conditional semantics of the DynamoDB one. Each call may yield to the event loop,
 * so concurrent invocations interleave between any two calls.
 */
import { CodePipelineClient, StartPipelineExecutionCommand } from '@aws-sdk/client-codepipeline';
import { DescribeModelPackageCommand, ListModelPackagesCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ApprovalClaim, ApprovalLedger } from '../../../lambda/approval-to-promotion/approval-ledger';
import type { PromotedPackage } from '../../../lambda/approval-to-promotion/promotion-decision';

import { GROUP, packageArn as arnOf } from './approval-events';

export { arnOf };

export type Status = 'Approved' | 'Rejected' | 'PendingManualApproval';

interface Package {
  group: string;
  version: number;
  status: Status;
  created: number;
  modified?: number;
}

/** A yield point: resolves on a later turn of the event loop, so other invocations run in between. */
export type Yield = () => Promise<void>;
export const noYield: Yield = () => Promise.resolve();

/** Errors the world can inject: the next call of `operation` fails with `error`. */
export interface Fault {
  readonly operation: string;
  readonly error: Error;
}

export class FakeWorld {
  public readonly packages = new Map<string, Package>();
  public readonly starts: Array<{ arn: string; token: string; at: number }> = [];
  public readonly parameters = new Map<string, string>();
  public clock = Date.parse('2026-11-23T10:00:00.000Z');
  public faults: Fault[] = [];
  private readonly claims = new Map<string, ApprovalClaim>();
  private readonly promoted = new Map<string, PromotedPackage>();
  private readonly locks = new Map<string, { holder: string; until: number }>();

  constructor(private readonly yieldPoint: Yield = noYield) {}

  /** Registers a new version, PendingManualApproval, and returns its ARN. */
  public register(group = GROUP): string {
    const version = [...this.packages.values()].filter((p) => p.group === group).length + 1;
    this.tick();
    this.packages.set(arnOf(version, group), { group, version, status: 'PendingManualApproval', created: this.clock });
    return arnOf(version, group);
  }

  /** Changes a package's status (or edits it, keeping the status): LastModifiedTime moves. */
  public update(arn: string, status?: Status): void {
    const p = this.packages.get(arn)!;
    this.tick();
    p.modified = this.clock;
    if (status) p.status = status;
  }

  public tick(ms = 7): void {
    this.clock += ms;
  }

  public now = (): number => this.clock;

  public newestApprovedVersion(group = GROUP): number | undefined {
    const approved = [...this.packages.values()].filter((p) => p.group === group && p.status === 'Approved').map((p) => p.version);
    return approved.length > 0 ? Math.max(...approved) : undefined;
  }

  private async enter(operation: string): Promise<void> {
    await this.yieldPoint();
    const i = this.faults.findIndex((f) => f.operation === operation);
    if (i >= 0) {
      const [fault] = this.faults.splice(i, 1);
      throw fault.error;
    }
  }

  public sagemaker(): SageMakerClient {
    return {
      send: async (command: unknown) => {
        if (command instanceof DescribeModelPackageCommand) {
          await this.enter('DescribeModelPackage');
          const p = this.packages.get(command.input.ModelPackageName!);
          if (!p) throw Object.assign(new Error(`Model package ${command.input.ModelPackageName} not found`), { name: 'ValidationException' });
          return {
            ModelPackageArn: arnOf(p.version, p.group), ModelPackageGroupName: p.group, ModelPackageVersion: p.version,
            ModelApprovalStatus: p.status, CreationTime: new Date(p.created), LastModifiedTime: p.modified === undefined ? undefined : new Date(p.modified),
          };
        }
        if (command instanceof ListModelPackagesCommand) {
          await this.enter('ListModelPackages');
          const list = [...this.packages.values()]
            .filter((p) => p.group === command.input.ModelPackageGroupName && (!command.input.ModelApprovalStatus || p.status === command.input.ModelApprovalStatus))
            .sort((a, b) => b.created - a.created)
            .slice(0, command.input.MaxResults ?? 100);
          return { ModelPackageSummaryList: list.map((p) => ({ ModelPackageArn: arnOf(p.version, p.group), ModelPackageVersion: p.version, ModelApprovalStatus: p.status, CreationTime: new Date(p.created) })) };
        }
        throw new Error(`unexpected SageMaker command ${(command as object).constructor.name}`);
      },
    } as unknown as SageMakerClient;
  }

  public ssm(): SSMClient {
    return {
      send: async (command: unknown) => {
        if (command instanceof GetParameterCommand) {
          await this.enter('GetParameter');
          const value = this.parameters.get(command.input.Name!);
          if (value === undefined) throw Object.assign(new Error('not found'), { name: 'ParameterNotFound' });
          return { Parameter: { Value: value } };
        }
        if (command instanceof PutParameterCommand) {
          await this.enter('PutParameter');
          this.parameters.set(command.input.Name!, command.input.Value!);
          return {};
        }
        throw new Error(`unexpected SSM command ${(command as object).constructor.name}`);
      },
    } as unknown as SSMClient;
  }

  public codepipeline(): CodePipelineClient {
    return {
      send: async (command: unknown) => {
        if (command instanceof StartPipelineExecutionCommand) {
          await this.enter('StartPipelineExecution');
          this.tick(1);
          this.starts.push({ arn: command.input.variables![0].value!, token: command.input.clientRequestToken!, at: this.clock });
          return { pipelineExecutionId: `exec-${this.starts.length}` };
        }
        throw new Error(`unexpected CodePipeline command ${(command as object).constructor.name}`);
      },
    } as unknown as CodePipelineClient;
  }

  public ledger(): ApprovalLedger {
    return {
      getClaim: async (key) => {
        await this.enter('GetItem');
        return this.claims.get(key);
      },
      putClaim: async (claim) => {
        await this.enter('PutItem');
        if (this.claims.has(claim.key)) return false;
        this.claims.set(claim.key, claim);
        return true;
      },
      getPackage: async (arn) => {
        await this.enter('GetItem');
        return this.promoted.get(arn);
      },
      setPromoted: async (arn, approvalTime) => {
        await this.enter('UpdateItem');
        const known = this.promoted.get(arn);
        if (!known || known.promotedApprovalTime < approvalTime) this.promoted.set(arn, { promotedApprovalTime: approvalTime, revokedSince: false });
      },
      markRevoked: async (arn) => {
        await this.enter('UpdateItem');
        const known = this.promoted.get(arn);
        if (known) this.promoted.set(arn, { ...known, revokedSince: true });
      },
      acquireLock: async (group, holder, now, until) => {
        await this.enter('UpdateItem');
        const held = this.locks.get(group);
        if (held && held.until >= now) return false;
        this.locks.set(group, { holder, until });
        return true;
      },
      releaseLock: async (group, holder) => {
        await this.enter('UpdateItem');
        if (this.locks.get(group)?.holder === holder) this.locks.delete(group);
      },
    };
  }
}

