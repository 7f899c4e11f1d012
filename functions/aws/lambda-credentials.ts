import { fromEnv, type FromEnvInit } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (an esbuild alias set
 * in infra/constructs/cachegate-function.ts). Lambda hands every function its execution role's
 * credentials in `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, which is
 * the first link of the SDK's default chain; the other links (SSO, shared ini files, processes,
 * web identity, container and instance metadata) are never reached there, yet bundled they are
 * parsed at every cold start (about a third of a bundled SDK client's import, docs/cold-start.md).
 * Everywhere else (CLI, tests, sandbox) the real default chain is used.
 */
export const defaultProvider = (init: FromEnvInit = {}) => fromEnv(init);
