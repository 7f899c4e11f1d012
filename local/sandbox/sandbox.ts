import type { AddressInfo } from 'node:net';
import { type AnyAwsClient, setAwsClientHook } from '../../functions/aws/clients.js';
import { setServiceClock } from '../../functions/aws/service-clock.js';
import { SandboxClock } from './clock.js';
import { FaultInjector } from './faults.js';
import { ThrottlingModel } from './throttling.js';
import { UnmodelledCommandError } from './service-error.js';

let currentSandbox: Sandbox | undefined;

function installedSandbox(): Sandbox {
  if (!currentSandbox) throw new Error('sandbox: no sandbox is installed (it was closed, or never created)');
  return currentSandbox;
}

/**
 * The routing middleware: every command goes to the installed sandbox's model for the client's
 * service, after fault injection. DynamoDB requests go over HTTP to its dynalite instead.
 */
export function attachSandboxRouting(client: AnyAwsClient): void {
  const serviceId: string = client.config.serviceId;
  client.middlewareStack.add(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (next: (args: any) => Promise<any>, context: { commandName: string }) =>
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      async (args: any) => {
        const sandbox = installedSandbox();
        const command = context.commandName.replace(/Command$/, '');
        await sandbox.faults.before(serviceId, command, args.input);
        sandbox.throttling.take(serviceId, command);
        if (serviceId === 'DynamoDB') return next(args);
        return { output: await sandbox.dispatch(serviceId, command, args.input), response: {} };
      },
    { step: 'initialize', name: 'cachegateSandbox', priority: 'high' },
  );
  if (serviceId === 'DynamoDB') {
    // The endpoint config is fixed at construction: point each built HTTP request at dynalite.
    client.middlewareStack.add(
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      (next: (args: any) => Promise<any>) => async (args: any) => {
        const url = new URL(installedSandbox().dynamoDbEndpoint);
        Object.assign(args.request, {
          protocol: url.protocol,
          hostname: url.hostname,
          port: Number(url.port),
        });
        args.request.headers.host = url.host;
        return next(args);
      },
      { step: 'build', name: 'cachegateSandboxDynamoDb' },
    );
  }
}

/** A command handler of a service model: plain input in, plain output out (no `$metadata`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CommandHandler = (input: any) => unknown;

export interface ServiceModel {
  /** The SDK's `serviceId` (`client.config.serviceId`), e.g. `Secrets Manager`. */
  readonly serviceId: string;
  readonly commands: Record<string, CommandHandler>;
}

/**
 * The embedded AWS sandbox: one SDK middleware routes every command of every client to an
 * in-memory model by service id + command name. DynamoDB is the exception: it goes over HTTP to
 * an in-memory dynalite, so expressions and conditional writes are DynamoDB's own.
 */
export class Sandbox {
  readonly clock: SandboxClock;
  readonly faults = new FaultInjector();
  /** Control-plane rate limits; off unless enabled (benches, throttling tests). */
  readonly throttling: ThrottlingModel;
  private readonly models = new Map<string, ServiceModel>();
  private dynalite: { close(cb?: () => void): void; address(): AddressInfo | string | null } | undefined;
  private dynamoEndpoint: string | undefined;
  readonly region: string;
  readonly accountId = '000000000000';

  constructor(options: { clock?: SandboxClock; region?: string } = {}) {
    this.clock = options.clock ?? new SandboxClock();
    this.throttling = new ThrottlingModel(this.clock);
    this.region = options.region ?? 'us-east-1';
  }

  register(model: ServiceModel): this {
    this.models.set(model.serviceId, model);
    return this;
  }

  model<M extends ServiceModel>(serviceId: string): M {
    const model = this.models.get(serviceId);
    if (!model) throw new Error(`sandbox: no model registered for ${serviceId}`);
    return model as M;
  }

  /** Starts dynalite (in memory) so DynamoDB clients have a real endpoint. */
  async startDynamoDb(): Promise<void> {
    if (this.dynalite) return;
    const { default: dynalite } = await import('dynalite');
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address() as AddressInfo;
    this.dynalite = server;
    this.dynamoEndpoint = `http://127.0.0.1:${address.port}`;
  }

  /**
   * Makes this the sandbox every client created through `createAwsClient` talks to. Clients
   * route each call to whichever sandbox is installed *at call time*, so module-level cached
   * clients follow a test that installs a fresh sandbox.
   */
  install(): this {
    // One sandbox is live per process: the routing middleware looks it up at call time.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    currentSandbox = this;
    setAwsClientHook({
      defaults: {
        region: this.region,
        credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
      },
      attach: attachSandboxRouting,
    });
    setServiceClock(() => this.clock.now());
    return this;
  }

  async close(): Promise<void> {
    if (currentSandbox === this) {
      currentSandbox = undefined;
      setAwsClientHook(undefined);
      setServiceClock(undefined);
    }
    const server = this.dynalite;
    this.dynalite = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** dynalite's URL, for the DynamoDB route. */
  get dynamoDbEndpoint(): string {
    if (!this.dynamoEndpoint)
      throw new Error('sandbox: DynamoDB is not started (createSandbox({ dynamoDb: true }))');
    return this.dynamoEndpoint;
  }

  /** Runs one command against its model; the result carries `$metadata` as the SDK's does. */
  async dispatch(serviceId: string, command: string, input: unknown): Promise<unknown> {
    const handler = this.models.get(serviceId)?.commands[command];
    if (!handler) throw new UnmodelledCommandError(serviceId, command);
    // Models see and return plain copies: nothing the caller mutates later leaks into the model.
    const output = await handler(structuredClone(input ?? {}));
    return { ...(structuredClone(output) as object), $metadata: { httpStatusCode: 200 } };
  }
}
