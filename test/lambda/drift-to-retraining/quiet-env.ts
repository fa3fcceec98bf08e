// Imported first by the handler tests: the logger and metrics read these when their module loads.
// Thousands of generated events would otherwise flood the test output.
process.env.POWERTOOLS_LOG_LEVEL = process.env.DRIFT_TEST_LOG_LEVEL ?? 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_METRICS_NAMESPACE = 'SageMakerMlops';
process.env.POWERTOOLS_SERVICE_NAME = 'drift-to-retraining';
export {};
