export * from './platform-event-bus';
export * from './event-forwarding';
export * from './drift-retraining';
export * from './model-monitor';
export * from './monitor-schedule';
export * from './monitoring-baseline';
export * from './monitoring-inputs';
