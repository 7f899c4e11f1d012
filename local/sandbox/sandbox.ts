import type { AddressInfo } from 'node:net';
import { setAwsClientHook } from '../../functions/aws/clients.js';
import { SandboxClock } from './clock.js';
import { FaultInjector } from './faults.js';
import { UnmodelledCommandError } from './service-error.js';

/** A command handler of a service model: plain input in, plain output out (no `$metadata`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CommandHandler = (input: any) => unknown;

export interface ServiceModel {
  /** The SDK's `serviceId` (`client.config.serviceId`), e.g. `Secrets Manager`. */
  readonly serviceId: string;
  readonly commands: Record<string, CommandHandler>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyClient = { config: any; middlewareStack: any };

/**
 * The embedded AWS sandbox: one SDK middleware routes every command of every client to an
 * in-memory model by service id + command name. DynamoDB is the exception: it goes over HTTP to
 * an in-memory dynalite, so expressions and conditional writes are DynamoDB's own.
 */
export class Sandbox {
  readonly clock: SandboxClock;
  readonly faults = new FaultInjector();
  private readonly models = new Map<string, ServiceModel>();
  private dynalite: { close(cb?: () => void): void; address(): AddressInfo | string | null } | undefined;
  private dynamoEndpoint: string | undefined;
  readonly region: string;
  readonly accountId = '000000000000';

  constructor(options: { clock?: SandboxClock; region?: string } = {}) {
    this.clock = options.clock ?? new SandboxClock();
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

  /** Routes every client created through `createAwsClient` from now on to this sandbox. */
  install(): this {
    setAwsClientHook((client) => this.attach(client));
    return this;
  }

  async close(): Promise<void> {
    setAwsClientHook(undefined);
    const server = this.dynalite;
    this.dynalite = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Adds the routing middleware to one client (also usable on clients built elsewhere). */
  attach(client: AnyClient): void {
    const serviceId: string = client.config.serviceId;
    // Sandbox calls never leave the machine: fixed region and dummy credentials stop the SDK
    // from looking for real ones.
    client.config.region = async () => this.region;
    client.config.credentials = async () => ({ accessKeyId: 'sandbox', secretAccessKey: 'sandbox' });
    if (serviceId === 'DynamoDB') {
      if (!this.dynamoEndpoint) throw new Error('sandbox: call startDynamoDb() before creating a DynamoDB client');
      const url = new URL(this.dynamoEndpoint);
      // Point the already-built HTTP request at dynalite: the endpoint config is fixed at construction.
      client.middlewareStack.add(
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        (next: (args: any) => Promise<any>) => async (args: any) => {
          Object.assign(args.request, { protocol: url.protocol, hostname: url.hostname, port: Number(url.port) });
          args.request.headers.host = url.host;
          return next(args);
        },
        { step: 'build', name: 'cachegateSandboxDynamoDb' },
      );
    }
    client.middlewareStack.add(
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      (next: (args: any) => Promise<any>, context: { commandName: string }) =>
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        async (args: any) => {
          const command = context.commandName.replace(/Command$/, '');
          await this.faults.before(serviceId, command);
          if (serviceId === 'DynamoDB') return next(args);
          return { output: await this.dispatch(serviceId, command, args.input), response: {} };
        },
      { step: 'initialize', name: 'cachegateSandbox', priority: 'high' },
    );
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
