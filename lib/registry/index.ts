export * from './model-package-group';
export * from './model-approval-trigger';
export * from './model-package-group-sharing';
