// Runs one bundled handler (assets/lambda/<name>/index.mjs) in its own Node process, as a Lambda
// execution environment would: the module is loaded once with the process environment, and each
// message from the parent is one invocation. Answers { id, ok, result } or { id, ok: false, error }.
import { pathToFileURL } from 'node:url';

const bundle = process.argv[2];
const mod = await import(pathToFileURL(bundle).href);

process.on('message', async ({ id, event, timeoutMs, requestId }) => {
  const deadline = Date.now() + timeoutMs;
  const context = {
    awsRequestId: requestId,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'rehearsal',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await mod.handler(event, context);
    process.send({ id, ok: true, result: result === undefined ? null : result });
  } catch (error) {
    process.send({ id, ok: false, error: { name: error?.name ?? 'Error', message: error?.message ?? String(error) } });
  }
});
process.send({ ready: true });
