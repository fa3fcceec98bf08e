export * from './expression';
export * from './parameter';
export * from './condition';
export * from './step';
export * from './job-arguments';
export * from './job-steps';
export * from './control-steps';
export * from './pipeline-definition';
