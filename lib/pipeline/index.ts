export * from './model-build-pipeline';
