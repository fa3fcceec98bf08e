export * from './mlops-platform';
export * from './mlops-project';
export * from './project-template';
export * from './model-build-source';
export * from './project-model-build';
