import { createServer, IncomingMessage, request, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => resolve(body));
  });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function jsonError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-ErrorType': type });
  res.end(JSON.stringify({ __type: type, message }));
}

/** What the CodePipeline stand-in was asked. */
export interface StartedExecution {
  readonly pipelineName: string;
  readonly variables: Array<{ name: string; value: string }>;
  readonly clientRequestToken?: string;
  readonly pipelineExecutionId: string;
}

export interface JobAnswerRecord {
  readonly jobId: string;
  readonly kind: 'success' | 'failure';
  readonly outputVariables?: Record<string, string>;
  readonly message?: string;
}

/**
 * A local stand-in for the three CodePipeline calls our handlers make, over CodePipeline's own wire
 * protocol (JSON 1.1, `X-Amz-Target: CodePipeline_20150709.<Operation>`; botocore codepipeline
 * 2015-07-09), because moto has no CodePipeline. It records what it is asked and answers as the API
 * does; it starts a new execution for every StartPipelineExecution, token or not (CodePipeline
 * documents no guarantee for a repeated client request token, so nothing here relies on one), and
 * refuses a second answer to one job with InvalidJobStateException.
 */
export class CodePipelineStandIn {
  public static async start(): Promise<CodePipelineStandIn> {
    const standIn = new CodePipelineStandIn();
    standIn.endpoint = await listen(standIn.server);
    return standIn;
  }

  public endpoint = '';
  public readonly executions: StartedExecution[] = [];
  public readonly answers: JobAnswerRecord[] = [];
  private readonly server: Server;

  private constructor() {
    this.server = createServer((req, res) => {
      void this.serve(req, res);
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = JSON.parse((await readBody(req)) || '{}');
    const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop();
    const ok = (answer: unknown) => {
      res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(answer));
    };
    if (operation === 'StartPipelineExecution') {
      const pipelineExecutionId = `exec-${this.executions.length + 1}`;
      this.executions.push({ pipelineName: body.name, variables: body.variables ?? [], clientRequestToken: body.clientRequestToken, pipelineExecutionId });
      ok({ pipelineExecutionId });
      return;
    }
    if (operation === 'PutJobSuccessResult' || operation === 'PutJobFailureResult') {
      if (this.answers.some((a) => a.jobId === body.jobId)) {
        jsonError(res, 400, 'InvalidJobStateException', `job ${body.jobId} was answered already`);
        return;
      }
      this.answers.push(operation === 'PutJobSuccessResult'
        ? { jobId: body.jobId, kind: 'success', outputVariables: body.outputVariables }
        : { jobId: body.jobId, kind: 'failure', message: body.failureDetails?.message });
      ok({});
      return;
    }
    jsonError(res, 400, 'UnknownOperationException', `the stand-in does not serve ${operation}`);
  }

  public stop(): Promise<void> {
    return close(this.server);
  }
}

/**
 * A proxy in front of moto_server that answers the next `count` requests for an operation
 * (`X-Amz-Target`, such as `SageMaker.ListModelPackages`) with a throttling error, as the service
 * would under load, and forwards everything else unchanged.
 */
export class FaultProxy {
  public static async start(target: string): Promise<FaultProxy> {
    const proxy = new FaultProxy(new URL(target));
    proxy.endpoint = await listen(proxy.server);
    return proxy;
  }

  public endpoint = '';
  /** Requests seen per operation, faults included. */
  public readonly seen = new Map<string, number>();
  private readonly faults = new Map<string, number>();
  private readonly server: Server;

  private constructor(private readonly target: URL) {
    this.server = createServer((req, res) => {
      void this.serve(req, res);
    });
  }

  /** Throttles the next `count` calls of `operation`. */
  public throttle(operation: string, count: number): void {
    this.faults.set(operation, count);
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const operation = String(req.headers['x-amz-target'] ?? '');
    this.seen.set(operation, (this.seen.get(operation) ?? 0) + 1);
    const left = this.faults.get(operation) ?? 0;
    if (left > 0) {
      this.faults.set(operation, left - 1);
      jsonError(res, 400, 'ThrottlingException', 'Rate exceeded');
      return;
    }
    const forwarded = request({
      host: this.target.hostname, port: this.target.port, path: req.url, method: req.method,
      headers: { ...req.headers, host: this.target.host },
    }, (upstream) => {
      res.writeHead(upstream.statusCode ?? 500, upstream.headers);
      upstream.pipe(res);
    });
    forwarded.on('error', (e) => jsonError(res, 500, 'InternalFailure', e.message));
    forwarded.end(body);
  }

  public stop(): Promise<void> {
    return close(this.server);
  }
}

/**
 * Passes requests to `target` one at a time. moto_server answers each request in a thread of its
 * own (werkzeug `threaded=True`), and its DynamoDB checks a condition and writes the item without a
 * lock, so two concurrent conditional `PutItem`s can both succeed there. DynamoDB itself does not
 * allow that: a conditional write succeeds only if its condition holds, and "to prevent a new item
 * from replacing an existing item" `attribute_not_exists` on the key makes the second writer fail
 * with ConditionalCheckFailedException (botocore dynamodb 2012-08-10, PutItem ConditionExpression).
 * Serializing the requests gives the handlers under test the atomicity the real service documents,
 * while their invocations still run concurrently.
 */
export class SerialProxy {
  public static async start(target: string): Promise<SerialProxy> {
    const proxy = new SerialProxy(new URL(target));
    proxy.endpoint = await listen(proxy.server);
    return proxy;
  }

  public endpoint = '';
  /** The largest number of requests that waited at once: above 1 when callers were concurrent. */
  public maxWaiting = 0;
  private queue: Promise<void> = Promise.resolve();
  private waiting = 0;
  private readonly server: Server;

  private constructor(private readonly target: URL) {
    this.server = createServer((req, res) => {
      void this.serve(req, res);
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    this.waiting++;
    this.maxWaiting = Math.max(this.maxWaiting, this.waiting);
    const turn = this.queue.then(() => new Promise<void>((done) => {
      const forwarded = request({
        host: this.target.hostname, port: this.target.port, path: req.url, method: req.method,
        headers: { ...req.headers, host: this.target.host },
      }, (upstream) => {
        res.writeHead(upstream.statusCode ?? 500, upstream.headers);
        upstream.pipe(res);
        upstream.on('end', done);
        upstream.on('error', () => done());
      });
      forwarded.on('error', (e) => { jsonError(res, 500, 'InternalFailure', e.message); done(); });
      forwarded.end(body);
    }));
    this.queue = turn;
    await turn;
    this.waiting--;
  }

  public stop(): Promise<void> {
    return close(this.server);
  }
}
