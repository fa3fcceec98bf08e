export * from './studio-domain';
