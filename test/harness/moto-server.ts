import { ChildProcess, spawn } from 'child_process';
import { createServer, request } from 'http';
import { requireTool } from './required-tool';

/** A moto_server on 127.0.0.1, private to one test file. */
export interface MotoServer {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** SDK client configuration pointing at this server with dummy credentials. */
  readonly clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    maxAttempts: number;
  };
  /** Clears every resource moto holds, between tests. */
  reset(): Promise<void>;
  /** Stops the server (kills its process by id). Safe to call twice. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function httpPost(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function httpGet(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
      resolve();
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

/** Options of a moto server. */
export interface MotoServerOptions {
  /**
   * moto finishes every SageMaker pipeline execution at once (status Succeeded). With this, new
   * executions stay Executing, as real ones do for minutes: the server is moto's own, with that
   * one model patched at start-up.
   */
  readonly pipelineExecutionsStayExecuting?: boolean;

  /**
   * The status moto gives every new SageMaker pipeline execution, such as `Failed` (moto's own is
   * `Succeeded`). Takes precedence over `pipelineExecutionsStayExecuting`.
   */
  readonly pipelineExecutionStatus?: 'Executing' | 'Succeeded' | 'Failed' | 'Stopped';

  /**
   * The account of callers whose credentials are not from STS (`MOTO_ACCOUNT_ID`), so that ARNs
   * moto returns carry the account a template names.
   *
   * @default moto's 123456789012
   */
  readonly accountId?: string;
}

/** moto's server with SageMaker pipeline executions given one status. */
function pipelineStatusServer(status: string): string {
  return [
    'import sys',
    'import moto.sagemaker.models as models',
    'original = models.FakePipelineExecution.__init__',
    'def with_status(self, *args, **kwargs):',
    '    original(self, *args, **kwargs)',
    `    self.pipeline_execution_status = "${status}"`,
    'models.FakePipelineExecution.__init__ = with_status',
    'from moto.server import main',
    'main(sys.argv[1:])',
  ].join('\n');
}

/**
 * Starts `moto_server` on 127.0.0.1 on a free port and waits (bounded) until it answers.
 * Call `stop()` in `afterAll`; the process is also killed if the test process exits.
 */
export async function startMotoServer(options: MotoServerOptions = {}): Promise<MotoServer> {
  requireTool('moto_server', ['--help']);
  const port = await freePort();
  const status = options.pipelineExecutionStatus ?? (options.pipelineExecutionsStayExecuting ? 'Executing' : undefined);
  const [command, args] = status
    ? ['python3', ['-c', pipelineStatusServer(status), '-H', '127.0.0.1', '-p', String(port)]]
    : ['moto_server', ['-H', '127.0.0.1', '-p', String(port)]];
  const child = spawn(command, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true', ...(options.accountId ? { MOTO_ACCOUNT_ID: options.accountId } : {}) },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr = (stderr + String(chunk)).slice(-4_000);
  });
  const onExit = () => {
    try {
      if (child.pid) process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', onExit);

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`moto_server exited with code ${child.exitCode} before answering: ${stderr}`);
    }
    try {
      const status = await httpGet(port, '/moto-api/');
      if (status > 0) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await kill(child);
      throw new Error(`moto_server did not answer on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    clientConfig: {
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
    },
    reset: async () => {
      const status = await httpPost(port, '/moto-api/reset');
      if (status !== 200) throw new Error(`moto reset answered ${status}`);
    },
    stop: async () => {
      process.removeListener('exit', onExit);
      await kill(child);
    },
  };
}
