/**
 * Record lineage: a CodePipeline Lambda-invoke action the promotion pipeline runs after each
 * deployment. Records, in SageMaker lineage of the tooling account, a deployment action linking
 * the model package to the endpoint it now serves, with the pipeline execution, the time and who
 * approved it. The story is in `record-handler.ts`, the writes in `lineage-recorder.ts`.
 */
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { createLineageRecorder } from './lineage-recorder';
import { createRecordHandler, readRecordHandlerConfig, RecordOutcome } from './record-handler';

const config = readRecordHandlerConfig();
const codepipeline = new CodePipelineClient({});

const handle = createRecordHandler({
  config,
  codepipeline,
  record: createLineageRecorder({ config, sagemaker: new SageMakerClient({}), codepipeline }),
});

export async function handler(event: unknown): Promise<RecordOutcome> {
  return handle(event);
}
