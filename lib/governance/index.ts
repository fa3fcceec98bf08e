export * from './mlflow-tracking-server';
export * from './model-card-status-sync';
export * from './promotion-lineage-recorder';
export * from './project-dashboard';
