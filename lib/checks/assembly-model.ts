/**
 * The deployability check's model of a cloud assembly (every template, promotion and product
 * templates included, with the accounts, regions and stack names each is deployed to), and the
 * readers it is built on, for the other modules of this library (lib/diagram draws it).
 *
 * Internal: lib/checks/index.ts does not re-export this file, so it is not part of the package's
 * API; it exists so that lib/checks/private stays private to lib/checks.
 */
export { DeploymentModel, ModelTemplate } from './private/model';
export type { AssemblyStack, Deployment, PipelineDeployAction, TemplateKind } from './private/model';
export { asArray, directReference, Evaluator, referencedIds } from './private/values';
export type { CfnResource, CfnTemplate } from './private/values';
export { globMatches, globsIntersect, HOLE, hasHole, show } from './private/glob';
export { RESOURCE_TYPES } from './private/resource-types';
export { actionMatches, creations, rolePermissions } from './private/identities';
export { accountPrincipal, parseNamedPrincipal } from './private/policies';
