export * from './platform-event-bus';
export * from './event-forwarding';
export * from './drift-retraining';
