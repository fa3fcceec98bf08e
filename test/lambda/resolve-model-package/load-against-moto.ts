import { MotoServer } from '../../harness/moto-server';

/**
 * Loads the resolve handler with its SageMaker and SSM clients pointed at a moto_server, as its
 * construct configures it (the module reads its environment at load). Require it in the test
 * file's own module registry, so a CodePipeline mock of that file applies to the handler's client.
 * Returns a function that undoes the endpoint overrides.
 */
export function loadResolveHandler(moto: MotoServer, group: string, parameterName: string): { handler: (event: unknown) => Promise<void>; restore: () => void } {
  process.env.AWS_ENDPOINT_URL_SAGEMAKER = moto.endpoint;
  process.env.AWS_ENDPOINT_URL_SSM = moto.endpoint;
  process.env.AWS_REGION = moto.clientConfig.region;
  process.env.MODEL_PACKAGE_GROUP_NAME = group;
  process.env.APPROVED_MODEL_PARAMETER_NAME = parameterName;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const handler = require('../../../lambda/resolve-model-package').handler;
  return {
    handler,
    restore: () => {
      delete process.env.AWS_ENDPOINT_URL_SAGEMAKER;
      delete process.env.AWS_ENDPOINT_URL_SSM;
    },
  };
}
