import { createHash } from 'crypto';
import { CfnResource, DefaultTokenResolver, Fn, IAspect, IPostProcessor, IResolvable, IResolveContext, Reference, Stack, StringConcat, Token, Tokenization } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * How a resource type of a deployment template is named: the property, and the longest name the
 * service accepts.
 */
interface NameProperty {
  readonly property: string;
  readonly maxLength: number;
  /** The name is a path (`/a/b/`), as IAM paths are, rather than a name. */
  readonly path?: boolean;
}

/**
 * The resource types whose physical name a deployment template gives explicitly. CloudFormation
 * otherwise generates `<stack name>-<logical id>-<random>` and shortens the parts it likes when
 * the result is too long ("CloudFormation resource custom naming",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-name.html),
 * so a permission cannot be scoped to such a name. IAM roles and policies get a path instead
 * (their ARN is `role/<path><name>`), so the execution role can be scoped to the path while
 * CloudFormation still generates the name and can replace them.
 */
export const NAMED_TYPES: { [type: string]: NameProperty } = {
  'AWS::IAM::Role': { property: 'Path', maxLength: 512, path: true },
  'AWS::IAM::ManagedPolicy': { property: 'Path', maxLength: 512, path: true },
  'AWS::CloudWatch::Alarm': { property: 'AlarmName', maxLength: 255 },
  'AWS::Events::Rule': { property: 'Name', maxLength: 64 },
  'AWS::SQS::Queue': { property: 'QueueName', maxLength: 80 },
  'AWS::SNS::Topic': { property: 'TopicName', maxLength: 256 },
  'AWS::Lambda::Function': { property: 'FunctionName', maxLength: 64 },
  'AWS::Logs::LogGroup': { property: 'LogGroupName', maxLength: 512 },
  'AWS::Scheduler::Schedule': { property: 'Name', maxLength: 64 },
};

/** The IAM path of the roles and policies of a deployment stack: `/<stack name>/`. */
export const IAM_PATH_TEMPLATE = '/${AWS::StackName}/';

/**
 * The name a resource of a deployment template gets: the stack name it is deployed as, a readable
 * part of its construct path and a hash of the whole path (stable across synths, distinct within
 * the template). Names hold `${AWS::StackName}`: one template deployed as several stacks (staging
 * and production in one account, production in several regions) names each stack's resources
 * apart.
 */
export function deploymentResourceName(resource: CfnResource, maxLength: number): string {
  const stack = Stack.of(resource);
  const path = resource.node.path.slice(stack.node.path.length + 1);
  const hash = createHash('sha256').update(path).digest('hex').slice(0, 8);
  const readable = resource.node.scopes.slice(stack.node.scopes.length)
    .map((c) => c.node.id)
    .filter((id) => id !== 'Resource' && id !== 'Default')
    .slice(-2)
    .join('-')
    .replace(/[^A-Za-z0-9-]/g, '');
  // The stack name takes what is left: stack names of deployment targets are at most 64 characters
  // here (validated by the promotion pipeline), so a 64-character limit keeps only the hash.
  const room = maxLength - MAX_DEPLOYMENT_STACK_NAME - 1 - hash.length - 1;
  const middle = room > 0 ? readable.slice(0, room).replace(/-+$/, '') : '';
  return middle ? `\${AWS::StackName}-${middle}-${hash}` : `\${AWS::StackName}-${hash}`;
}

/** The longest stack name a deployment target may have, so that every name fits. */
export const MAX_DEPLOYMENT_STACK_NAME = 55;

/**
 * Gives every resource of a deployment template that CloudFormation would otherwise name an
 * explicit name (`NAMED_TYPES`), unless it has one. Idempotent: the promotion pipeline registers
 * it as an aspect, and the derivation of the execution role's permissions applies it first.
 */
export function nameDeploymentResources(template: Stack): void {
  for (const c of template.node.findAll()) {
    if (!CfnResource.isCfnResource(c) || Stack.of(c) !== template) continue;
    const naming = NAMED_TYPES[c.cfnResourceType];
    if (!naming) continue;
    // aws-cdk-lib's ManagedPolicy always writes the root path "/": that is no choice of the user's.
    if (isSet(c, naming.property) && !(naming.path && Stack.of(c).resolve(propertyOf(c, naming.property)) === '/')) continue;
    if (naming.path) {
      // A role or policy with an explicit name needs no path to be scoped.
      if (isSet(c, c.cfnResourceType === 'AWS::IAM::Role' ? 'RoleName' : 'ManagedPolicyName')) continue;
      c.addPropertyOverride(naming.property, Fn.sub(IAM_PATH_TEMPLATE));
    } else {
      c.addPropertyOverride(naming.property, Fn.sub(deploymentResourceName(c, naming.maxLength)));
    }
  }
}

/**
 * A CloudFormation property of an L1 resource, as its typed attribute (`alarmName` for
 * `AlarmName`) or a property override, whichever is set.
 */
export function propertyOf(resource: CfnResource, property: string): unknown {
  const overrides = (resource as unknown as { rawOverrides?: { Properties?: Record<string, unknown> } }).rawOverrides;
  if (overrides?.Properties?.[property] !== undefined) return overrides.Properties[property];
  return (resource as unknown as Record<string, unknown>)[property.charAt(0).toLowerCase() + property.slice(1)];
}

/**
 * Whether a property has a value: L2 constructs fill name properties with tokens (a physical
 * name generated only when another environment references the resource) that resolve to nothing.
 */
export function isSet(resource: CfnResource, property: string): boolean {
  const value = propertyOf(resource, property);
  return value !== undefined && Stack.of(resource).resolve(value) !== undefined;
}

/**
 * The aspect the promotion pipeline puts on each deployment template.
 */
export class DeploymentTemplateNaming implements IAspect {
  private done = false;
  constructor(private readonly template: Stack) {}

  public visit(_node: IConstruct): void {
    if (this.done) return;
    this.done = true;
    assertNoForeignReferences(this.template);
    nameDeploymentResources(this.template);
  }
}

/** Records the references a resolution meets instead of resolving them. */
class ReferenceCollector extends DefaultTokenResolver {
  public readonly references: Reference[] = [];
  constructor() {
    super(new StringConcat());
  }

  public resolveToken(t: IResolvable, context: IResolveContext, postProcessor: IPostProcessor): any {
    if (Reference.isReference(t)) {
      this.references.push(t);
      // An intrinsic, as the default resolver gives: property validation accepts it in place of a list.
      return { Ref: 'reference' };
    }
    return super.resolveToken(t, context, postProcessor);
  }
}

/**
 * A deployment template is synthesized once and deployed by the pipeline into other accounts and
 * regions, as a bare template: a resource of another stack (the tooling stack's topic, say) does
 * not exist there, and aws-cdk-lib would fail on it with a cross-environment error that names
 * neither the template nor what to do. This fails first, saying both.
 */
export function assertNoForeignReferences(template: Stack): void {
  const problems = new Set<string>();
  for (const c of template.node.findAll()) {
    if (!CfnResource.isCfnResource(c) || Stack.of(c) !== template) continue;
    const collector = new ReferenceCollector();
    Tokenization.resolve((c as unknown as { _toCloudFormation(): unknown })._toCloudFormation(), { scope: c, resolver: collector, preparing: true });
    for (const ref of collector.references) {
      const owner = Stack.of(ref.target);
      if (owner !== template) {
        problems.add(`${c.node.path} refers to ${ref.target.node.path} of stack ${owner.node.path}`);
      }
    }
  }
  if (problems.size > 0) {
    throw new Error(`deployment template ${template.node.path}: ${[...problems].join('; ')}. A deployment template is synthesized once and deployed by the promotion pipeline into the staging and production accounts and regions, where resources of other stacks do not exist: give it what it can resolve where it is deployed (a literal ARN or name, a CloudFormation parameter, an SSM parameter type) instead`);
  }
}

/**
 * The literal value of a name property once the stack name is known: `${AWS::StackName}` and the
 * other pseudo parameters substituted. Undefined when the name depends on anything else (a
 * parameter, another resource).
 */
export function resolveName(stack: Stack, value: unknown, substitutions: { [name: string]: string }): string | undefined {
  const resolved = stack.resolve(value) as unknown;
  if (typeof resolved === 'string') return Token.isUnresolved(resolved) ? undefined : resolved;
  if (resolved && typeof resolved === 'object' && 'Fn::Sub' in resolved) {
    const sub = (resolved as { 'Fn::Sub': unknown })['Fn::Sub'];
    if (typeof sub !== 'string') return undefined;
    let unknownReference = false;
    const text = sub.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
      if (name in substitutions) return substitutions[name];
      unknownReference = true;
      return '';
    });
    return unknownReference ? undefined : text;
  }
  return undefined;
}
