/**
 * Every adapter creates its SDK client here, once. In AWS this is a plain constructor call;
 * locally the embedded sandbox registers a hook that supplies defaults (region, dummy
 * credentials) and adds its routing middleware to each new client, so handler code runs
 * unchanged against the in-memory service models.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAwsClient = { config: any; middlewareStack: any };

export interface AwsClientHook {
  defaults: Record<string, unknown>;
  attach(client: AnyAwsClient): void;
}

const HOOK_KEY = Symbol.for('cachegate.awsClientHook');
const globalHooks = globalThis as unknown as { [HOOK_KEY]?: AwsClientHook };

export function setAwsClientHook(hook: AwsClientHook | undefined): void {
  globalHooks[HOOK_KEY] = hook;
}

export function createAwsClient<C extends AnyAwsClient, Config extends object>(
  ClientClass: new (config: Config) => C,
  config: Config = {} as Config,
): C {
  const hook = globalHooks[HOOK_KEY];
  const client = new ClientClass({ ...hook?.defaults, ...config } as Config);
  hook?.attach(client);
  return client;
}
