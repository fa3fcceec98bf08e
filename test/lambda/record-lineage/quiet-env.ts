// Imported first by the recorder's tests: the shared logger and metrics read these at module load.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_METRICS_NAMESPACE = 'SageMakerMlopsTest';
process.env.POWERTOOLS_SERVICE_NAME = 'record-lineage';

export {};
