export * from './platform-event-bus';
export * from './event-forwarding';
