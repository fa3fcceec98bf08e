export * from './model-build-pipeline';
export * from './definition';
