export * from './registry';
export * from './pipeline';
export * from './deployment';
export * from './promotion';
export * from './monitoring';
export * from './project';
export * from './network';
export * from './studio';
