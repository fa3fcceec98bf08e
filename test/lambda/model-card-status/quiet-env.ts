// Imported first by the card handler's tests: the shared logger and metrics read these at module load.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_METRICS_NAMESPACE = 'SageMakerMlopsTest';
process.env.POWERTOOLS_SERVICE_NAME = 'model-card-status';

export {};
