import { randomUUID } from 'node:crypto';

interface ServiceExceptionClass<T extends Error> {
  new (opts: { message: string; $metadata: { httpStatusCode?: number; requestId?: string } }): T;
}

/**
 * Builds the service's own modeled exception (the SDK's class), with the HTTP status AWS
 * documents for it, so `instanceof`, `name` and `$fault` checks behave as on AWS.
 */
export function serviceFault<T extends Error>(
  ExceptionClass: ServiceExceptionClass<T>,
  message: string,
  httpStatusCode = 400,
): T {
  return new ExceptionClass({ message, $metadata: { httpStatusCode, requestId: randomUUID() } });
}

/**
 * A fault the SDK has no modeled class for (e.g. EC2's string error codes): same shape as the
 * SDK's ServiceException (`name`, `$fault`, `$metadata.httpStatusCode`).
 */
export function genericFault(name: string, message: string, httpStatusCode = 400): Error {
  const error = new Error(message) as Error & {
    $fault: 'client' | 'server';
    $metadata: { httpStatusCode: number; requestId: string };
    Code: string;
  };
  error.name = name;
  error.Code = name;
  error.$fault = httpStatusCode >= 500 ? 'server' : 'client';
  error.$metadata = { httpStatusCode, requestId: randomUUID() };
  return error;
}

/** Raised for any command the sandbox has no model for: loud, and naming the command. */
export class UnmodelledCommandError extends Error {
  override readonly name: string = 'UnmodelledCommandError';
  constructor(serviceId: string, command: string) {
    super(
      `sandbox: ${serviceId}.${command} is not modelled; add it to local/sandbox/models or call the real AWS API`,
    );
  }
}
