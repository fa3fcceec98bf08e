import { ChildProcess, fork } from 'child_process';
import { existsSync, readdirSync, statSync } from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

/** The newest modification time of the files under a directory. */
function newestUnder(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    const s = statSync(full);
    newest = Math.max(newest, s.isDirectory() ? newestUnder(full) : s.mtimeMs);
  }
  return newest;
}

/**
 * The bundle of a handler as the package ships it, `assets/lambda/<name>/index.mjs`. Fails, saying
 * how to rebuild it, when it is missing or older than its sources: a stale bundle would rehearse
 * code that no longer deploys.
 */
export function shippedBundle(name: string): string {
  const bundle = path.join(ROOT, 'assets', 'lambda', name, 'index.mjs');
  if (!existsSync(bundle)) {
    throw new Error(`handler bundle ${bundle} is missing: run 'npm run bundle' (node scripts/bundle-handlers.mjs)`);
  }
  const sources = Math.max(newestUnder(path.join(ROOT, 'lambda', name)), newestUnder(path.join(ROOT, 'lambda', 'shared')));
  if (statSync(bundle).mtimeMs < sources) {
    throw new Error(`handler bundle ${bundle} is older than lambda/${name} or lambda/shared: run 'npm run bundle' (node scripts/bundle-handlers.mjs)`);
  }
  return bundle;
}

export interface InvocationResult {
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: { readonly name: string; readonly message: string };
}

/**
 * One execution environment of a bundled handler: a Node process that loaded the bundle with the
 * given environment (and nothing of the test's), invoked like Lambda invokes it. Start several for
 * concurrent invocations: each has its own module state, as separate environments do.
 */
export class BundledHandler {
  public static async start(name: string, environment: Record<string, string>): Promise<BundledHandler> {
    const bundle = shippedBundle(name);
    const child = fork(path.join(__dirname, 'bundle-driver.mjs'), [bundle], {
      // Only what Lambda would set, plus the endpoints and credentials of the local stand-ins.
      env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: '', ...environment },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [],
    });
    const handler = new BundledHandler(child);
    await handler.ready;
    return handler;
  }

  /** Everything the handler logged (one JSON line per entry). */
  public readonly logs: string[] = [];
  private readonly ready: Promise<void>;
  private readonly pending = new Map<number, (r: InvocationResult) => void>();
  private next = 0;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk) => this.logs.push(...String(chunk).split('\n').filter((l) => l.trim() !== '')));
    child.stderr?.on('data', (chunk) => this.logs.push(...String(chunk).split('\n').filter((l) => l.trim() !== '')));
    this.ready = new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`bundled handler exited with code ${code} before it was ready: ${this.logs.slice(-5).join(' | ')}`));
      child.once('exit', onExit);
      child.on('message', (message: { ready?: boolean; id?: number } & InvocationResult) => {
        if (message.ready) {
          child.removeListener('exit', onExit);
          resolve();
          return;
        }
        const done = this.pending.get(message.id!);
        this.pending.delete(message.id!);
        done?.({ ok: message.ok, result: message.result, error: message.error });
      });
    });
  }

  /** Invokes the handler with `event`, giving it `timeoutMs` like the function's timeout. */
  public invoke(event: unknown, timeoutMs = 30_000): Promise<InvocationResult> {
    const id = ++this.next;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child.send({ id, event, timeoutMs, requestId: `req-${id}` });
    });
  }

  /** Stops the process (by its own id). */
  public async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}
