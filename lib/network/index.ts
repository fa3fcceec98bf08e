export * from './service-endpoint';
export * from './service-usage';
export * from './workload-network';
export * from './platform-network';
export * from './deploy-time-network';
