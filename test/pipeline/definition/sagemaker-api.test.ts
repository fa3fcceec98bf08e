import * as fs from 'fs';
import * as path from 'path';
import {
  CreatePipelineCommand, DescribePipelineCommand, DescribePipelineExecutionCommand, ListPipelineParametersForExecutionCommand,
  SageMakerClient, StartPipelineExecutionCommand,
} from '@aws-sdk/client-sagemaker';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ClassicModelBuild, PipelineDefinition } from '../../../lib/pipeline';
import { MotoServer, startMotoServer } from '../../harness/moto-server';

// The SageMaker API (moto_server) takes the definitions as CreatePipeline's PipelineDefinition and
// hands them back unchanged; executions start with the definition's parameters.
describe('definitions through the SageMaker API', () => {
  let moto: MotoServer;
  let sagemaker: SageMakerClient;

  beforeAll(async () => {
    moto = await startMotoServer();
    sagemaker = new SageMakerClient(moto.clientConfig);
  });

  afterAll(async () => {
    await moto.stop();
  });

  test('a DSL definition is created, read back unchanged, and started with parameters', async () => {
    // GIVEN
    const stack = new Stack(new App());
    const build = new ClassicModelBuild({
      jobRole: iam.Role.fromRoleArn(stack, 'Jobs', 'arn:aws:iam::123456789012:role/jobs', { mutable: false }),
      modelPackageGroupName: 'churn',
      processingImageUri: 'sklearn:1',
      trainingImageUri: 'xgboost:1',
      dataBucketName: 'ml-data',
      inputDataUri: 's3://ml-data/raw/',
      preprocessScriptUri: 's3://ml-data/code/preprocess.py',
      evaluateScriptUri: 's3://ml-data/code/evaluate.py',
    });
    const json = build.definition.toJson();

    // WHEN
    await sagemaker.send(new CreatePipelineCommand({
      PipelineName: 'classic', PipelineDefinition: JSON.stringify(json), RoleArn: 'arn:aws:iam::123456789012:role/pipeline',
    }));
    const started = await sagemaker.send(new StartPipelineExecutionCommand({
      PipelineName: 'classic', PipelineParameters: [{ Name: 'MetricThreshold', Value: '4.5' }],
    }));

    // THEN
    const described = await sagemaker.send(new DescribePipelineCommand({ PipelineName: 'classic' }));
    expect(PipelineDefinition.fromJson(described.PipelineDefinition!).toJson()).toEqual(json);
    const execution = await sagemaker.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: started.PipelineExecutionArn }));
    expect(execution.PipelineArn).toMatch(/:pipeline\/classic$/);
    const parameters = await sagemaker.send(new ListPipelineParametersForExecutionCommand({ PipelineExecutionArn: started.PipelineExecutionArn }));
    expect(parameters.PipelineParameters).toEqual(expect.arrayContaining([{ Name: 'MetricThreshold', Value: '4.5' }]));
  });

  test('an SDK-emitted definition goes through unchanged', async () => {
    const text = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'abalone-preprocess-skrishnakumar027.pipeline_definition.json'), 'utf8');
    const definition = PipelineDefinition.fromJson(text);
    await sagemaker.send(new CreatePipelineCommand({
      PipelineName: 'abalone', PipelineDefinition: JSON.stringify(definition.toJson()), RoleArn: 'arn:aws:iam::123456789012:role/pipeline',
    }));
    const described = await sagemaker.send(new DescribePipelineCommand({ PipelineName: 'abalone' }));
    expect(JSON.parse(described.PipelineDefinition!)).toEqual(JSON.parse(text));
  });
});
