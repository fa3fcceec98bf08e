import { partitionOf } from '../values';
import { Rule, RuleContext, some } from '../rule';

/** Calls `visit` for every `Fn::FindInMap` of a value, with its path. */
function findInMaps(value: unknown, at: string, visit: (args: unknown[], at: string) => void): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => findInMaps(v, `${at}/${i}`, visit));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k === 'Fn::FindInMap' && Array.isArray(v)) visit(v, `${at}/Fn::FindInMap`);
      findInMaps(v, `${at}/${k}`, visit);
    }
  }
}

/**
 * A `Fn::FindInMap` whose top-level key is `AWS::Region` fails the deployment in a region the
 * mapping lacks (CloudFormation template reference, Fn::FindInMap: the keys must exist in the
 * mapping). The mapping must hold every region the template is deployed to: the stack's region,
 * each promotion target's region, the portfolio's region for a product. Deployments whose
 * region is not known at synth are not judged.
 */
export const regionalMappings: Rule = {
  id: 'Deployability-RegionalMappings',
  summary: 'a region-keyed mapping holds every region the template is deployed to',
  documentationUrl: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-findinmap.html',
  check(ctx: RuleContext) {
    for (const t of ctx.model.templates) {
      const regions = [...new Set(t.deployments.map((d) => d.env.region).filter((r): r is string => r !== undefined))];
      for (const [id, r] of Object.entries(t.resources)) {
        findInMaps(r, '', (args, at) => {
          const [mapName, key] = args;
          if (typeof mapName !== 'string' || !key || typeof key !== 'object' || (key as Record<string, unknown>).Ref !== 'AWS::Region') return;
          ctx.coverage.see(t, id);
          const mapping = t.template.Mappings?.[mapName];
          const missing = regions.filter((region) => !mapping || !(region in mapping));
          if (missing.length === 0) return;
          ctx.report({
            template: t,
            logicalId: id,
            location: at.replace(/^\//, ''),
            message: `${id} (${r.Type}) of ${t.describe()} looks up mapping ${mapName} by AWS::Region, but the mapping has no ${some(missing)}, where the template is deployed: CloudFormation fails the deployment there (Fn::FindInMap finds no key)`,
            fix: `add ${some(missing)} to mapping ${mapName}, or refuse those regions at synth naming the ones the mapping supports`,
          });
        });
      }
    }
  },
};

/** Calls `visit` for each string of a value that holds a literal partition, with its path. */
function literalPartitions(value: unknown, at: string, visit: (s: string, at: string) => void): void {
  if (typeof value === 'string') {
    if (/(^|[^A-Za-z0-9-])arn:aws(-[a-z]+)*:/.test(value)) visit(value, at);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => literalPartitions(v, `${at}/${i}`, visit));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) literalPartitions(v, `${at}/${k}`, visit);
  }
}

/**
 * An ARN with a literal partition (`arn:aws:`) breaks in the other partitions (aws-cn,
 * aws-us-gov): ARNs start with `arn:<partition>:` (IAM User Guide, "IAM identifiers" / ARN
 * format) and CloudFormation's `AWS::Partition` pseudo parameter gives the partition of the
 * deployment. Every string of a resource's properties is read, JSON inside strings (policy
 * documents, pipeline definitions) included.
 *
 * A literal partition is wrong where the template can be deployed into another partition: when a
 * deployment's region is not known at synth (the template may go anywhere), or is a region of
 * another partition. In a stack bound to a region of the literal's own partition, the literal is
 * what `AWS::Partition` would give (an ARN a user wrote for their own account, say). To prove a
 * library writes no literal partition, synthesize its app in a region of another partition.
 */
export const noLiteralPartition: Rule = {
  id: 'Deployability-NoLiteralPartition',
  summary: 'no ARN with a literal partition (arn:aws:) instead of ${AWS::Partition}',
  documentationUrl: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html',
  check(ctx: RuleContext) {
    for (const t of ctx.model.templates) {
      for (const [id, r] of Object.entries(t.resources)) {
        if (r.Type === 'AWS::CDK::Metadata') continue;
        ctx.coverage.see(t, id);
        const hits: Array<{ s: string; at: string }> = [];
        literalPartitions(r.Properties, 'Properties', (s, at) => hits.push({ s, at }));
        if (hits.length === 0) continue;
        const partitions = t.deployments.map((d) => (d.env.region ? partitionOf(d.env.region) : undefined));
        const wrong = hits.filter((h) => {
          const literal = /(?<![A-Za-z0-9-])arn:(aws(?:-[a-z]+)*):/.exec(h.s)?.[1];
          return partitions.length === 0 || partitions.some((p) => p === undefined || p !== literal);
        });
        hits.splice(0, hits.length, ...wrong);
        if (hits.length === 0) continue;
        const samples = hits.map((h) => (/(?<![A-Za-z0-9-])arn:aws[^"\s,]*/.exec(h.s)?.[0] ?? h.s).slice(0, 120));
        ctx.report({
          template: t,
          logicalId: id,
          location: hits[0].at,
          message: `${id} (${r.Type}) of ${t.describe()} holds ${hits.length > 1 ? `${hits.length} ARNs` : 'an ARN'} with a literal partition (${some(samples, 2)}), but is deployed ${partitions.some((p) => p === undefined) ? 'to regions not known at synth' : `into partition ${[...new Set(partitions)].join(', ')}`}: ${hits.length > 1 ? 'they do' : 'it does'} not exist in the other partitions`,
          fix: 'build the ARN with ${AWS::Partition} (Stack.of(this).partition, or Arn.format()) instead of arn:aws:',
        });
      }
    }
  },
};
