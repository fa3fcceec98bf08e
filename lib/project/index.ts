export * from './mlops-platform';
export * from './mlops-project';
