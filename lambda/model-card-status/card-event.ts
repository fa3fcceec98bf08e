/**
 * What the model card handler accepts: an EventBridge "SageMaker Model Package State Change" of a
 * versioned package of one group, whatever the package's status.
 *
 * The event only says which package to look at. The card's status is decided from the registry
 * as it is when we read it: events arrive late, out of order and more than once, and the package
 * may have changed again since the event was sent.
 */
import * as v from 'valibot';

export const MODEL_PACKAGE_STATE_CHANGE = 'SageMaker Model Package State Change';

/** `arn:<partition>:sagemaker:<region>:<account>:model-package/<group>/<version>` */
const VERSIONED_PACKAGE_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/([a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62})\/(\d{1,9})$/;

const nonEmpty = v.pipe(v.string(), v.regex(/\S/, 'is empty'));

const envelopeSchema = v.looseObject({
  'id': v.pipe(nonEmpty, v.maxLength(256)),
  'source': nonEmpty,
  'detail-type': nonEmpty,
  'detail': v.looseObject({}),
});

const detailSchema = v.looseObject({
  ModelPackageGroupName: nonEmpty,
  ModelPackageArn: v.pipe(nonEmpty, v.regex(VERSIONED_PACKAGE_ARN, 'is not a versioned model package ARN')),
});

export type ClassifiedCardEvent =
  | { readonly kind: 'malformed'; readonly eventId?: string; readonly problems: string[] }
  | { readonly kind: 'ignored'; readonly eventId: string; readonly reason: string }
  | { readonly kind: 'change'; readonly eventId: string; readonly modelPackageArn: string };

/**
 * Sorts an event into malformed, not ours, or a change of a package of `groupName`. Pure.
 */
export function classifyCardEvent(event: unknown, groupName: string): ClassifiedCardEvent {
  const envelope = v.safeParse(envelopeSchema, event);
  if (!envelope.success) {
    return { kind: 'malformed', eventId: idOf(event), problems: describe(envelope.issues) };
  }
  const { id: eventId, source, 'detail-type': detailType, detail } = envelope.output;
  if (source !== 'aws.sagemaker' || detailType !== MODEL_PACKAGE_STATE_CHANGE) {
    return { kind: 'ignored', eventId, reason: `event '${detailType}' from '${source}' is not a model package state change` };
  }
  const group = (detail as { ModelPackageGroupName?: unknown }).ModelPackageGroupName;
  if (typeof group === 'string' && group !== groupName) {
    return { kind: 'ignored', eventId, reason: `model package group '${group}' is not '${groupName}'` };
  }
  const parsed = v.safeParse(detailSchema, detail);
  if (!parsed.success) {
    return { kind: 'malformed', eventId, problems: describe(parsed.issues, 'detail') };
  }
  const arn = parsed.output.ModelPackageArn;
  const arnGroup = VERSIONED_PACKAGE_ARN.exec(arn)![1];
  if (arnGroup !== groupName) {
    return { kind: 'malformed', eventId, problems: [`detail.ModelPackageArn names group '${arnGroup}', but detail.ModelPackageGroupName is '${groupName}'`] };
  }
  return { kind: 'change', eventId, modelPackageArn: arn };
}

function describe(issues: readonly v.BaseIssue<unknown>[], prefix?: string): string[] {
  return issues.map((issue) => {
    const where = [prefix, v.getDotPath(issue)].filter(Boolean).join('.') || 'event';
    return `${where}: ${issue.message}`;
  });
}

function idOf(event: unknown): string | undefined {
  if (typeof event === 'object' && event !== null && typeof (event as { id?: unknown }).id === 'string') {
    return ((event as { id: string }).id).slice(0, 256);
  }
  return undefined;
}
