/**
 * The approval handler's memory, in the DynamoDB table `ModelApprovalTrigger` creates (partition
 * key `pk`, a string). Three kinds of item:
 *
 * - `approval#<package ARN>@<approval time>`: the promotion one approval started (its claim).
 *   Written with `attribute_not_exists(pk)`, so one approval is claimed once, whoever writes.
 * - `package#<package ARN>`: the approval time of the version's last promoted approval, and whether
 *   the version was seen leaving Approved since (an edit of an approved package is not an approval).
 * - `lock#<group>`: a lease serializing the decisions of one group. Under it the handler reads the
 *   registry's newest approved version, starts a promotion and records it, so promotions of a group
 *   start in version order and two invocations never both start one for the same approval.
 *
 * The claim and the lease are conditional writes: "a condition that must be satisfied in order for a
 * conditional PutItem operation to succeed", and "to prevent a new item from replacing an existing
 * item, use a conditional expression that contains the attribute_not_exists function with the name
 * of the attribute being used as the partition key" (botocore dynamodb 2012-08-10, PutItem and its
 * ConditionExpression). A failed condition answers ConditionalCheckFailedException and writes
 * nothing, so of two invocations racing for one approval or one lease exactly one wins.
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { PromotedPackage } from './promotion-decision';

/** The promotion started for one approval. */
export interface ApprovalClaim {
  readonly key: string;
  readonly modelPackageArn: string;
  readonly modelPackageVersion: number;
  readonly approvalTime: number;
  readonly pipelineExecutionId: string;
  readonly eventId: string;
  readonly startedAt: string;
}

/** What the handler remembers, behind an interface so the decisions can be tested without a table. */
export interface ApprovalLedger {
  getClaim(key: string): Promise<ApprovalClaim | undefined>;
  /** Records a claim; false if one already exists for the key. */
  putClaim(claim: ApprovalClaim): Promise<boolean>;
  getPackage(arn: string): Promise<PromotedPackage | undefined>;
  /** Records that this approval of the version was promoted (clears the revocation). */
  setPromoted(arn: string, approvalTime: number): Promise<void>;
  /** Records that the version left Approved after its last promoted approval. */
  markRevoked(arn: string): Promise<void>;
  /** Takes the group's lease until `leaseUntil` if it is free or expired at `now`; false if held. */
  acquireLock(group: string, holder: string, now: number, leaseUntil: number): Promise<boolean>;
  /** Gives the lease back if `holder` still holds it. */
  releaseLock(group: string, holder: string): Promise<void>;
}

export const claimKey = (approvalKey: string): string => `approval#${approvalKey}`;
export const packageKey = (arn: string): string => `package#${arn}`;
export const lockKey = (group: string): string => `lock#${group}`;

/** The ledger in DynamoDB. Reads are strongly consistent: a claim written a moment ago is seen. */
export class DynamoDbApprovalLedger implements ApprovalLedger {
  constructor(private readonly client: DynamoDBClient, private readonly tableName: string) {}

  public async getClaim(key: string): Promise<ApprovalClaim | undefined> {
    const got = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: claimKey(key) } }, ConsistentRead: true }));
    const item = got.Item;
    if (!item) return undefined;
    return {
      key,
      modelPackageArn: item.modelPackageArn?.S ?? '',
      modelPackageVersion: Number(item.modelPackageVersion?.N ?? '0'),
      approvalTime: Number(item.approvalTime?.N ?? '0'),
      pipelineExecutionId: item.pipelineExecutionId?.S ?? '',
      eventId: item.eventId?.S ?? '',
      startedAt: item.startedAt?.S ?? '',
    };
  }

  public async putClaim(claim: ApprovalClaim): Promise<boolean> {
    try {
      await this.client.send(new PutItemCommand({
        TableName: this.tableName,
        Item: {
          pk: { S: claimKey(claim.key) },
          modelPackageArn: { S: claim.modelPackageArn },
          modelPackageVersion: { N: String(claim.modelPackageVersion) },
          approvalTime: { N: String(claim.approvalTime) },
          pipelineExecutionId: { S: claim.pipelineExecutionId || '-' },
          eventId: { S: claim.eventId },
          startedAt: { S: claim.startedAt },
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  public async getPackage(arn: string): Promise<PromotedPackage | undefined> {
    const got = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: packageKey(arn) } }, ConsistentRead: true }));
    const item = got.Item;
    if (!item?.promotedApprovalTime?.N) return undefined;
    return { promotedApprovalTime: Number(item.promotedApprovalTime.N), revokedSince: item.revokedSince?.BOOL === true };
  }

  public async setPromoted(arn: string, approvalTime: number): Promise<void> {
    try {
      await this.client.send(new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: packageKey(arn) } },
        UpdateExpression: 'SET promotedApprovalTime = :t, revokedSince = :f',
        // Never move back to an older approval of the version.
        ConditionExpression: 'attribute_not_exists(promotedApprovalTime) OR promotedApprovalTime < :t',
        ExpressionAttributeValues: { ':t': { N: String(approvalTime) }, ':f': { BOOL: false } },
      }));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  public async markRevoked(arn: string): Promise<void> {
    try {
      await this.client.send(new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: packageKey(arn) } },
        UpdateExpression: 'SET revokedSince = :t',
        ConditionExpression: 'attribute_exists(promotedApprovalTime)',
        ExpressionAttributeValues: { ':t': { BOOL: true } },
      }));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  public async acquireLock(group: string, holder: string, now: number, leaseUntil: number): Promise<boolean> {
    try {
      await this.client.send(new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: lockKey(group) } },
        UpdateExpression: 'SET holder = :me, leaseUntil = :until',
        ConditionExpression: 'attribute_not_exists(holder) OR leaseUntil < :now',
        ExpressionAttributeValues: { ':me': { S: holder }, ':until': { N: String(leaseUntil) }, ':now': { N: String(now) } },
      }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  public async releaseLock(group: string, holder: string): Promise<void> {
    try {
      await this.client.send(new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: lockKey(group) } },
        UpdateExpression: 'REMOVE holder, leaseUntil',
        ConditionExpression: 'holder = :me',
        ExpressionAttributeValues: { ':me': { S: holder } },
      }));
    } catch (error) {
      // Our lease expired and someone else holds it now: theirs to release.
      if (!isConditionFailure(error)) throw error;
    }
  }
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}
