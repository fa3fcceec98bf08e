export * from './model-build-pipeline';
export * from './sagemaker-pipeline-target';
export * from './definition';
export * from './classic-model-build';
export * from './sagemaker-job-role';
export { JobNetworkPolicy } from './execution-permissions';
export type { JobNetworkPolicyProps } from './execution-permissions';
