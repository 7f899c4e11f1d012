import type { AddressInfo } from 'node:net';
import { type AnyAwsClient, setAwsClientHook } from '../../functions/aws/clients.js';
import { setServiceClock } from '../../functions/aws/service-clock.js';
import { SandboxClock } from './clock.js';
import { FaultInjector } from './faults.js';
import { ThrottlingModel } from './throttling.js';
import { UnmodelledCommandError, genericFault } from './service-error.js';

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
        if (serviceId === 'DynamoDB') {
          sandbox.throttling.take(serviceId, command);
          return next(args);
        }
        const where = await sandbox.whereCalled(client);
        sandbox.throttling.take(serviceId, command, where);
        return { output: await sandbox.dispatch(serviceId, command, args.input, where), response: {} };
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
  /** Models of other regions and accounts, by `serviceId region accountId` (registerIn). */
  private readonly regional = new Map<string, ServiceModel>();
  /** Regions whose endpoints answer every call with 503 ServiceUnavailable (setRegionDown). */
  private readonly regionsDown = new Set<string>();

  constructor(options: { clock?: SandboxClock; region?: string } = {}) {
    this.clock = options.clock ?? new SandboxClock();
    this.throttling = new ThrottlingModel(this.clock);
    this.region = options.region ?? 'us-east-1';
  }

  register(model: ServiceModel): this {
    this.models.set(model.serviceId, model);
    return this;
  }

  /**
   * Registers a model for one region and account other than the sandbox's own (e.g. the Client VPN
   * endpoints of another region): calls from a client configured for that region, with
   * credentials of that account (STS AssumeRole), go to it; every other call keeps going to the
   * sandbox's own model of the service.
   */
  registerIn(where: { region: string; accountId?: string }, model: ServiceModel): this {
    this.regional.set(regionalKey(model.serviceId, where.region, where.accountId ?? this.accountId), model);
    return this;
  }

  /** The model a call from `where` reaches (the regional one, else the sandbox's own). */
  modelIn<M extends ServiceModel>(serviceId: string, where: { region: string; accountId?: string }): M {
    const model = this.regional.get(regionalKey(serviceId, where.region, where.accountId ?? this.accountId));
    return (model as M | undefined) ?? this.model<M>(serviceId);
  }

  /**
   * A regional outage: every call to a service endpoint in `region` fails with
   * `ServiceUnavailable` (503, a server error the SDK and the workflows retry) until it is back.
   */
  setRegionDown(region: string, down = true): void {
    if (down) this.regionsDown.add(region);
    else this.regionsDown.delete(region);
  }

  /** The region a client calls and the account its credentials belong to (STS sessions included). */
  async whereCalled(client: AnyAwsClient): Promise<{ region: string; accountId: string }> {
    const region = String(await client.config.region());
    if (this.regionsDown.has(region)) {
      throw genericFault(
        'ServiceUnavailable',
        `sandbox: ${region} is down (the request has failed due to a temporary failure of the server)`,
        503,
      );
    }
    const { accessKeyId } = (await client.config.credentials()) as { accessKeyId: string };
    const sts = this.models.get('STS') as { accountOf?: (key: string) => string | undefined } | undefined;
    return { region, accountId: sts?.accountOf?.(accessKeyId) ?? this.accountId };
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
        // Only DynamoDB goes over HTTP (to dynalite); hundreds of workflow children at once
        // (an emergency rotation) would queue behind the default 50 sockets.
        requestHandler: { httpAgent: { maxSockets: 1000 } },
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
  async dispatch(
    serviceId: string,
    command: string,
    input: unknown,
    where?: { region: string; accountId: string },
  ): Promise<unknown> {
    const model = where
      ? this.regional.get(regionalKey(serviceId, where.region, where.accountId))
      : undefined;
    const handler = (model ?? this.models.get(serviceId))?.commands[command];
    if (!handler) throw new UnmodelledCommandError(serviceId, command);
    // Models see and return plain copies: nothing the caller mutates later leaks into the model.
    const output = await handler(structuredClone(input ?? {}));
    return { ...(structuredClone(output) as object), $metadata: { httpStatusCode: 200 } };
  }
}

function regionalKey(serviceId: string, region: string, accountId: string): string {
  return `${serviceId} ${region} ${accountId}`;
}
