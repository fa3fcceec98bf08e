export * from './deployment-template-synthesizer';
export * from './promotion-names';
export * from './model-promotion-pipeline';
export * from './promotion-deploy-target';
