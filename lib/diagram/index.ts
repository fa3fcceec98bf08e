export * from './platform-diagram';
