import { DeploymentModel, ModelTemplate } from './model';

/** A finding of a rule before it is matched to a construct and acknowledgements. */
export interface RawFinding {
  /** The template holding the resource to fix. */
  readonly template: ModelTemplate;
  readonly logicalId?: string;
  /** Path of the offending value in the resource, e.g. `Properties/KeyPolicy/Statement/4/Principal/AWS/0`. */
  readonly location?: string;
  readonly message: string;
  readonly fix: string;
}

/** What a rule examined: templates and resources (`<template>#<logical id>`). */
export class Coverage {
  public readonly templates = new Set<ModelTemplate>();
  public readonly resources = new Set<string>();

  public see(t: ModelTemplate, logicalId?: string): void {
    this.templates.add(t);
    if (logicalId) this.resources.add(`${t.templatePath}#${logicalId}`);
  }
}

export interface RuleContext {
  readonly model: DeploymentModel;
  readonly coverage: Coverage;
  report(finding: RawFinding): void;
}

/** One rule of the deployability check. */
export interface Rule {
  /** `Deployability-<Rule>`. */
  readonly id: string;
  /** What the rule checks, in one line. */
  readonly summary: string;
  /** The AWS documentation the rule comes from. */
  readonly documentationUrl: string;
  check(ctx: RuleContext): void;
}

/** `Key961B73FD (AWS::KMS::Key) of stack HousePrices/Tooling`. */
export function describeResource(t: ModelTemplate, logicalId: string): string {
  const type = t.resources[logicalId]?.Type ?? 'resource';
  return `${logicalId} (${type}) of ${t.describe()}`;
}

/** The first few items of a list, for messages. */
export function some(items: string[], max = 4): string {
  const unique = [...new Set(items)];
  return unique.length <= max ? unique.join(', ') : `${unique.slice(0, max).join(', ')} and ${unique.length - max} more`;
}
