export * from './deployability-checks';
