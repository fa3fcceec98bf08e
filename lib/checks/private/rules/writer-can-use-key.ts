import { globsIntersect, hasHole } from '../glob';
import { actionMatches, identityAllows, rolePermissions } from '../identities';
import { Deployment, DeploymentModel, ModelTemplate } from '../model';
import { accountPrincipal, attachedLogicalId, conditionValues, policySources, principalValues, Statement } from '../policies';
import { describeResource, Rule, RuleContext, some } from '../rule';
import { asArray, directReference } from '../values';

type DestinationKind = 'queue' | 'topic' | 'bucket' | 'log group';

interface Destination {
  readonly logicalId: string;
  readonly kind: DestinationKind;
  /** The template's KMS key that encrypts it. */
  readonly keyId: string;
}

/** Who writes, and where the finding goes. */
interface Requirement {
  readonly writer: string;
  readonly attributeTo: string;
  readonly location: string;
  readonly destination: Destination;
  readonly principal: { readonly service: string } | { readonly roleId: string };
  readonly actions: string[];
  /** Where AWS documents what this writer needs. */
  readonly source: string;
}

const PRODUCER_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'];

/** The template's KMS key a `KmsMasterKeyId`/`KMSMasterKeyID`/`KmsKeyId` value names, if it is one of the template. */
function localKey(t: ModelTemplate, value: unknown): string | undefined {
  const ref = directReference(value);
  return ref && t.resources[ref.logicalId]?.Type === 'AWS::KMS::Key' ? ref.logicalId : undefined;
}

function destinationsOf(t: ModelTemplate): Map<string, Destination> {
  const out = new Map<string, Destination>();
  for (const [id, r] of Object.entries(t.resources)) {
    const p = r.Properties ?? {};
    let key: string | undefined;
    let kind: DestinationKind | undefined;
    if (r.Type === 'AWS::SQS::Queue') [key, kind] = [localKey(t, p.KmsMasterKeyId), 'queue'];
    if (r.Type === 'AWS::SNS::Topic') [key, kind] = [localKey(t, p.KmsMasterKeyId), 'topic'];
    if (r.Type === 'AWS::Logs::LogGroup') [key, kind] = [localKey(t, p.KmsKeyId), 'log group'];
    if (r.Type === 'AWS::S3::Bucket') {
      for (const rule of asArray(p.BucketEncryption?.ServerSideEncryptionConfiguration) as any[]) {
        const byDefault = rule?.ServerSideEncryptionByDefault;
        if (typeof byDefault?.SSEAlgorithm === 'string' && byDefault.SSEAlgorithm.startsWith('aws:kms')) key = localKey(t, byDefault.KMSMasterKeyID);
      }
      kind = 'bucket';
    }
    if (key && kind) out.set(id, { logicalId: id, kind, keyId: key });
  }
  return out;
}

/** The destination a value names: a Ref/GetAtt of it, or (S3 objects) a Join that starts with its ARN. */
function destinationOf(value: unknown, destinations: Map<string, Destination>): Destination | undefined {
  const ref = directReference(value);
  if (ref) return destinations.get(ref.logicalId);
  const join = (value as Record<string, unknown> | undefined)?.['Fn::Join'];
  if (Array.isArray(join) && Array.isArray(join[1]) && join[1].length > 0) {
    const first = directReference(join[1][0]);
    const d = first ? destinations.get(first.logicalId) : undefined;
    return d?.kind === 'bucket' ? d : undefined;
  }
  return undefined;
}

function roleOfFunction(t: ModelTemplate, functionId: string): string | undefined {
  const ref = directReference(t.resources[functionId]?.Properties?.Role);
  return ref && t.resources[ref.logicalId]?.Type === 'AWS::IAM::Role' ? ref.logicalId : undefined;
}

function requirementsOf(t: ModelTemplate, d: Deployment): Requirement[] {
  const destinations = destinationsOf(t);
  if (destinations.size === 0) return [];
  const ev = t.evaluator(d, 'identity');
  const out: Requirement[] = [];
  const lambdaDocs = 'Lambda Developer Guide, "Capturing records of Lambda asynchronous invocations" (the function\'s execution role sends to the dead-letter queue and destinations); SQS/SNS key management (a producer needs kms:GenerateDataKey and kms:Decrypt)';
  for (const [id, r] of Object.entries(t.resources)) {
    const p = r.Properties ?? {};
    switch (r.Type) {
      case 'AWS::Lambda::Function': {
        const dest = destinationOf(p.DeadLetterConfig?.TargetArn, destinations);
        const role = roleOfFunction(t, id);
        if (dest && role) {
          out.push({ writer: `function ${id} (its execution role ${role}) sends events it could not process to its dead-letter ${dest.kind}`, attributeTo: id, location: 'Properties/DeadLetterConfig/TargetArn', destination: dest, principal: { roleId: role }, actions: PRODUCER_ACTIONS, source: lambdaDocs });
        }
        break;
      }
      case 'AWS::Lambda::EventInvokeConfig': {
        const fn = directReference(p.FunctionName);
        const role = fn ? roleOfFunction(t, fn.logicalId) : undefined;
        for (const outcome of ['OnFailure', 'OnSuccess']) {
          const dest = destinationOf(p.DestinationConfig?.[outcome]?.Destination, destinations);
          if (dest && role && dest.kind !== 'log group') {
            out.push({ writer: `function ${fn!.logicalId} (its execution role ${role}) sends ${outcome === 'OnFailure' ? 'failed' : 'successful'} invocation records to ${dest.kind}`, attributeTo: id, location: `Properties/DestinationConfig/${outcome}/Destination`, destination: dest, principal: { roleId: role }, actions: dest.kind === 'bucket' ? ['kms:GenerateDataKey'] : PRODUCER_ACTIONS, source: lambdaDocs });
          }
        }
        break;
      }
      case 'AWS::Events::Rule':
        asArray(p.Targets).forEach((target: any, i: number) => {
          const docs = 'EventBridge User Guide, "Using dead-letter queues to process undelivered events" and "Authorizing EventBridge to use a customer managed key" (events.amazonaws.com needs kms:GenerateDataKey and kms:Decrypt in the key policy)';
          const dlq = destinationOf(target?.DeadLetterConfig?.Arn, destinations);
          if (dlq) out.push({ writer: `EventBridge sends the events rule ${id} could not deliver to its dead-letter ${dlq.kind}`, attributeTo: id, location: `Properties/Targets/${i}/DeadLetterConfig/Arn`, destination: dlq, principal: { service: 'events.amazonaws.com' }, actions: PRODUCER_ACTIONS, source: docs });
          const dest = destinationOf(target?.Arn, destinations);
          if (dest && (dest.kind === 'queue' || dest.kind === 'topic')) out.push({ writer: `EventBridge delivers the events of rule ${id} to ${dest.kind}`, attributeTo: id, location: `Properties/Targets/${i}/Arn`, destination: dest, principal: { service: 'events.amazonaws.com' }, actions: PRODUCER_ACTIONS, source: docs });
        });
        break;
      case 'AWS::CloudWatch::Alarm':
        for (const prop of ['AlarmActions', 'OKActions', 'InsufficientDataActions']) {
          asArray(p[prop]).forEach((action: unknown, i: number) => {
            const dest = destinationOf(action, destinations);
            if (dest?.kind === 'topic') out.push({ writer: `CloudWatch publishes the state changes of alarm ${id} to topic`, attributeTo: id, location: `Properties/${prop}/${i}`, destination: dest, principal: { service: 'cloudwatch.amazonaws.com' }, actions: PRODUCER_ACTIONS, source: 'SNS Developer Guide, "Key management": compatibility between event sources from AWS services and encrypted topics (cloudwatch.amazonaws.com)' });
          });
        }
        break;
      case 'AWS::CodeStarNotifications::NotificationRule':
        asArray(p.Targets).forEach((target: any, i: number) => {
          const dest = destinationOf(target?.TargetAddress, destinations);
          if (dest?.kind === 'topic') out.push({ writer: `AWS CodeStar Notifications publishes the notifications of rule ${id} to topic`, attributeTo: id, location: `Properties/Targets/${i}/TargetAddress`, destination: dest, principal: { service: 'codestar-notifications.amazonaws.com' }, actions: PRODUCER_ACTIONS, source: 'Developer Tools console User Guide, "Configure Amazon SNS topics for notifications" (an encrypted topic\'s key policy must allow codestar-notifications.amazonaws.com; the same grant the SNS "Key management" page describes for AWS service publishers)' });
        });
        break;
      case 'AWS::S3::Bucket':
      case 'Custom::S3BucketNotifications': {
        const config = p.NotificationConfiguration ?? {};
        const docs = 'S3 User Guide, "Granting permissions to publish event notification messages to a destination" (an encrypted destination\'s key policy must allow s3.amazonaws.com)';
        asArray(config.QueueConfigurations).forEach((c: any, i: number) => {
          const dest = destinationOf(c?.Queue ?? c?.QueueArn, destinations);
          if (dest) out.push({ writer: `S3 sends the event notifications of ${id} to queue`, attributeTo: id, location: `Properties/NotificationConfiguration/QueueConfigurations/${i}`, destination: dest, principal: { service: 's3.amazonaws.com' }, actions: PRODUCER_ACTIONS, source: docs });
        });
        asArray(config.TopicConfigurations).forEach((c: any, i: number) => {
          const dest = destinationOf(c?.Topic ?? c?.TopicArn, destinations);
          if (dest) out.push({ writer: `S3 sends the event notifications of ${id} to topic`, attributeTo: id, location: `Properties/NotificationConfiguration/TopicConfigurations/${i}`, destination: dest, principal: { service: 's3.amazonaws.com' }, actions: PRODUCER_ACTIONS, source: docs });
        });
        break;
      }
      case 'AWS::Logs::LogGroup': {
        const dest = destinations.get(id);
        if (dest) {
          const service = ev.evaluate({ 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] });
          out.push({ writer: 'CloudWatch Logs encrypts the events of log group', attributeTo: id, location: 'Properties/KmsKeyId', destination: dest, principal: { service }, actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'], source: 'CloudWatch Logs User Guide, "Encrypt log data in CloudWatch Logs using AWS KMS" (the key policy must allow logs.<region>.amazonaws.com)' });
        }
        break;
      }
      default:
        break;
    }
  }
  // roles granted sqs:SendMessage, sns:Publish or s3:PutObject on an encrypted destination of the template
  const seen = new Set(out.map((q) => ('roleId' in q.principal ? `${q.principal.roleId}|${q.destination.logicalId}` : '')));
  const writeActions: Record<DestinationKind, string | undefined> = { 'queue': 'sqs:SendMessage', 'topic': 'sns:Publish', 'bucket': 's3:PutObject', 'log group': undefined };
  for (const source of policySources(t)) {
    if (source.kind !== 'identity') continue;
    const roles = source.attachedTo.roles.map(attachedLogicalId).filter((x): x is string => !!x && t.resources[x]?.Type === 'AWS::IAM::Role');
    if (roles.length === 0) continue;
    for (const statement of source.statements) {
      if (statement.effect !== 'Allow') continue;
      for (const value of statement.resources) {
        const dest = destinationOf(value, destinations);
        const write = dest ? writeActions[dest.kind] : undefined;
        if (!dest || !write || !statement.actions.some((a) => actionMatches(ev.evaluate(a), write))) continue;
        for (const role of roles) {
          const key = `${role}|${dest.logicalId}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push({ writer: `role ${role} is allowed ${write} on ${dest.kind}`, attributeTo: source.logicalId, location: statement.location, destination: dest, principal: { roleId: role }, actions: dest.kind === 'bucket' ? ['kms:GenerateDataKey'] : PRODUCER_ACTIONS, source: 'SQS/SNS/S3 key management: a producer needs kms:GenerateDataKey (and kms:Decrypt for SQS and SNS) on the key' });
        }
      }
    }
  }
  return out;
}

function keyStatements(t: ModelTemplate, keyId: string): Statement[] {
  return policySources(t).filter((s) => s.logicalId === keyId && s.kind === 'resource').flatMap((s) => s.statements);
}

/** The actions of `needed` a key policy does not allow to a service principal. */
function missingForService(t: ModelTemplate, d: Deployment, keyId: string, service: string, needed: string[]): string[] {
  const ev = t.evaluator(d, 'identity');
  const statements = keyStatements(t, keyId).filter((s) => s.effect === 'Allow' && s.notActions.length === 0);
  return needed.filter((action) => !statements.some((s) =>
    s.actions.some((a) => actionMatches(ev.evaluate(a), action))
    && (principalValues(s, 'Service').some((v) => ev.evaluate(v) === service) || principalValues(s, 'AWS').some((v) => ev.evaluate(v) === '*'))));
}

/**
 * The actions of `needed` a role cannot use a key for: neither the key policy allows them to the
 * role (by ARN, or to its account with an aws:PrincipalArn condition matching it), nor does the
 * key policy delegate to the account while the role's identity policies allow them on the key.
 * Undefined when the role holds policies the check cannot read.
 */
function missingForRole(model: DeploymentModel, t: ModelTemplate, d: Deployment, keyId: string, roleId: string, needed: string[]): string[] | undefined {
  const ev = t.evaluator(d, 'identity');
  const patterns = t.evaluator(d, 'pattern');
  const roleArn = ev.arnOf(roleId);
  const account = ev.evaluate({ Ref: 'AWS::AccountId' });
  const statements = keyStatements(t, keyId).filter((s) => s.effect === 'Allow' && s.notActions.length === 0);
  let permissions: ReturnType<typeof rolePermissions> | undefined;
  const missing: string[] = [];
  for (const action of needed) {
    let direct = false;
    let delegated = false;
    for (const s of statements) {
      if (!s.actions.some((a) => actionMatches(ev.evaluate(a), action))) continue;
      for (const v of principalValues(s, 'AWS')) {
        if (directReference(v)?.logicalId === roleId) direct = true;
        const value = ev.evaluate(v);
        if (value === '*') direct = true;
        else if (!hasHole(roleArn) && value === roleArn) direct = true;
        else if (accountPrincipal(value) === account) {
          const principalArn = conditionValues(s, 'aws:PrincipalArn');
          if (principalArn.length === 0) delegated = true;
          else if (principalArn.some((c) => c.values.some((x) => globsIntersect(patterns.evaluate(x), patterns.arnOf(roleId))))) direct = true;
        }
      }
    }
    if (direct) continue;
    if (delegated) {
      permissions ??= rolePermissions(model, t, d, roleId);
      if (permissions.opaque) return undefined;
      if (identityAllows(permissions.statements, (v) => patterns.evaluate(v), action, patterns.arnOf(keyId), [keyId])) continue;
    }
    missing.push(action);
  }
  return missing;
}

/**
 * Whoever writes to an encrypted destination must be able to use its KMS key: a Lambda function's
 * dead-letter queue or topic and its destinations (the function's execution role), EventBridge
 * rule targets and their dead-letter queues (events.amazonaws.com), CloudWatch alarm actions
 * (cloudwatch.amazonaws.com), CodeStar notification rule targets
 * (codestar-notifications.amazonaws.com), S3 bucket notifications (s3.amazonaws.com), log groups
 * (logs.<region>.amazonaws.com), and roles granted sqs:SendMessage, sns:Publish or s3:PutObject on
 * an encrypted resource of the template. A principal can use a key when its key policy allows it,
 * or when the key policy delegates to the account (the account principal without condition) and
 * the principal's identity policies allow the key actions on the key. Only destinations and keys
 * of the same template are judged; conditions are taken as met; a role holding policies the check
 * cannot read (AWS managed, imported) is not judged.
 */
export const writerCanUseKey: Rule = {
  id: 'Deployability-WriterCanUseKey',
  summary: 'whoever writes to an encrypted queue, topic, bucket or log group can use its KMS key',
  documentationUrl: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html',
  check(ctx: RuleContext) {
    for (const t of ctx.model.templates) {
      const reported = new Set<string>();
      for (const d of t.deployments) {
        for (const req of requirementsOf(t, d)) {
          ctx.coverage.see(t, req.attributeTo);
          const missing = 'service' in req.principal
            ? missingForService(t, d, req.destination.keyId, req.principal.service, req.actions)
            : missingForRole(ctx.model, t, d, req.destination.keyId, req.principal.roleId, req.actions);
          if (!missing || missing.length === 0) continue;
          const who = 'service' in req.principal ? req.principal.service.replace(/\uE001[^\uE001]*\uE001/g, '<region>') : `role ${req.principal.roleId}`;
          const key = `${req.attributeTo}|${req.location}|${who}`;
          if (reported.has(key)) continue;
          reported.add(key);
          ctx.report({
            template: t,
            logicalId: req.attributeTo,
            location: req.location,
            message: `${req.writer} ${req.destination.logicalId}, which is encrypted with key ${req.destination.keyId}, but ${who} may not ${some(missing)} with that key (${describeResource(t, req.attributeTo)}): what it writes is lost (${req.source})`,
            fix: 'service' in req.principal
              ? `allow ${who} ${some(req.actions)} in the key policy of ${req.destination.keyId} (key.grant(new ServicePrincipal('${who}'), ...))`
              : `allow role ${req.principal.roleId} ${some(req.actions)} on key ${req.destination.keyId} (key.grant(role, ${req.actions.map((a) => `'${a}'`).join(', ')}))`,
          });
        }
      }
    }
  },
};
