import { SSMClient, PutParameterCommand, GetParameterCommand } from '@aws-sdk/client-ssm';
import { MotoServer, startMotoServer } from './moto-server';

describe('moto_server harness', () => {
  let moto: MotoServer;

  beforeAll(async () => {
    moto = await startMotoServer();
  });

  afterAll(async () => {
    await moto.stop();
  });

  test('serves real SDK calls on 127.0.0.1 and resets between tests', async () => {
    // GIVEN
    const ssm = new SSMClient(moto.clientConfig);
    expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // WHEN
    await ssm.send(new PutParameterCommand({ Name: '/harness/check', Value: 'v', Type: 'String' }));
    // THEN
    const got = await ssm.send(new GetParameterCommand({ Name: '/harness/check' }));
    expect(got.Parameter?.Value).toBe('v');
    await moto.reset();
    await expect(ssm.send(new GetParameterCommand({ Name: '/harness/check' }))).rejects.toThrow(/ParameterNotFound|not found/i);
  });

  test('stop kills the server process', async () => {
    const other = await startMotoServer();
    await other.stop();
    const ssm = new SSMClient(other.clientConfig);
    await expect(ssm.send(new GetParameterCommand({ Name: '/x' }))).rejects.toThrow();
    await other.stop();
  });
});
