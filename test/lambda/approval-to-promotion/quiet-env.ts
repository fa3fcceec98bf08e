// Imported first by the handler tests: the shared logger and metrics read these at module load.
// Logs stay silent (10,000 generated events would flood the output); metrics are spied on, not printed.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_METRICS_NAMESPACE = 'SageMakerMlopsTest';
process.env.POWERTOOLS_SERVICE_NAME = 'approval-to-promotion';
process.env.AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING = '1';

export {};
