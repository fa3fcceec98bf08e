/**
 * Runs the source of an inline custom-resource handler as Lambda runs it: CommonJS, the runtime's
 * SDK (mock it with aws-sdk-client-mock), and its answer PUT to the CloudFormation response URL,
 * captured in `responses`. Timers fire at once.
 */
export function loadInlineHandler(source: string): { handler: (event: unknown) => Promise<unknown>; responses: Array<Record<string, any>> } {
  const responses: Array<Record<string, any>> = [];
  const fakeHttps = {
    request: (_url: string, _opts: unknown, onResponse: (res: { resume(): void; on(e: string, f: () => void): void }) => void) => ({
      on: () => undefined,
      end: (body: string) => {
        responses.push(JSON.parse(body));
        onResponse({ resume: () => undefined, on: (_e, f) => f() });
      },
    }),
  };
  const module = { exports: {} as Record<string, unknown> };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fakeRequire = (name: string) => (name === 'node:https' ? fakeHttps : require(name));
  const quiet = { log: () => undefined, error: () => undefined };
  new Function('require', 'exports', 'module', 'console', 'setTimeout', source)(fakeRequire, module.exports, module, quiet, (f: () => void) => f());
  return { handler: module.exports.handler as (event: unknown) => Promise<unknown>, responses };
}
