export * from './deployment-strategy';
export * from './endpoint-inference';
export * from './model-endpoint';
export * from './endpoint-hosting';
export * from './model-deployment-stack';
export * from './scheduled-batch-transform';
