/**
 * Every adapter creates its SDK client here, once. In AWS this is a plain constructor call;
 * locally the embedded sandbox registers a hook that adds its routing middleware to each new
 * client, so handler code runs unchanged against the in-memory service models.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyClient = { config: any; middlewareStack: any };
type ClientHook = (client: AnyClient) => void;

const HOOK_KEY = Symbol.for('cachegate.awsClientHook');
const globalHooks = globalThis as unknown as { [HOOK_KEY]?: ClientHook };

export function setAwsClientHook(hook: ClientHook | undefined): void {
  globalHooks[HOOK_KEY] = hook;
}

export function createAwsClient<C extends AnyClient, Config>(
  ClientClass: new (config: Config) => C,
  config: Config = {} as Config,
): C {
  const client = new ClientClass(config);
  globalHooks[HOOK_KEY]?.(client);
  return client;
}
