/**
 * The name prefixes of the lineage entities the recorder creates. They must equal those of the
 * handler (`lambda/record-lineage/lineage-names.ts`, which cannot be imported into the jsii
 * assembly); a test holds the two together.
 */
export function deploymentActionPrefix(projectName: string): string {
  return `mlops-${projectName}-deploy-`;
}

export function endpointContextPrefix(projectName: string): string {
  return `mlops-${projectName}-endpoint-`;
}

/** The metric dimension the recorder adds to its failure count, so each project has its own. */
export const PROJECT_DIMENSION = 'project';
