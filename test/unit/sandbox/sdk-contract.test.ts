/**
 * The sandbox against the AWS SDK's own definitions: for every operation a model implements,
 * every error it can throw is one the SDK declares for that operation, and every field it returns
 * exists in the SDK's output shape (test/unit/sandbox/sdk-contract.ts reads both from the
 * sources). A fixture model with a planted fault of each kind proves the check can fail.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { checkModels, type OperationContract } from './sdk-contract.js';
import { SANDBOX_MODELS } from './sdk-contract-models.js';

/**
 * Errors any operation may return besides its own (AWS "Common Errors" of each API reference):
 * the request-validation layer's `ValidationException` (JSON protocols, KMS's "1 validation error
 * detected: …") or `ValidationError` (query protocols: IAM, STS), and a denied call. STS answers
 * a caller that may not assume a role with the code `AccessDenied` ("An error occurred
 * (AccessDenied) when calling the AssumeRole operation"), the query-protocol spelling of
 * `AccessDeniedException`.
 */
const COMMON_ERRORS = new Set([
  'ValidationException',
  'ValidationError',
  'AccessDeniedException',
  'AccessDenied',
]);

/**
 * EC2 declares no per-operation errors in the SDK (every command `@throws` only
 * EC2ServiceException): its codes are strings, listed on the EC2 API reference page "Error codes
 * for the Amazon EC2 API". These are the ones that page lists as common client errors or as
 * Client VPN errors; the sandbox may use no other.
 */
const EC2_DOCUMENTED_CODES = new Set([
  // Common client error codes.
  'IdempotentParameterMismatch',
  'InvalidPaginationToken',
  'InvalidParameter',
  'InvalidParameterCombination',
  'InvalidParameterValue',
  'MissingParameter',
  'UnknownParameter',
  'UnsupportedOperation',
  // Client error codes for specific actions (Client VPN).
  'ClientVpnAuthorizationRuleLimitExceeded',
  'ClientVpnCertificateRevocationListLimitExceeded',
  'ClientVpnEndpointAssociationExists',
  'ClientVpnEndpointLimitExceeded',
  'ClientVpnRouteLimitExceeded',
  'ClientVpnTerminateConnectionsLimitExceeded',
  'InvalidClientVpnActiveAssociationNotFound',
  'InvalidClientVpnAssociationIdNotFound',
  'InvalidClientVpnConnection.IdNotFound',
  'InvalidClientVpnConnection.UserNotFound',
  'InvalidClientVpnDuplicateAssociationException',
  'InvalidClientVpnDuplicateAuthorizationRule',
  'InvalidClientVpnDuplicateRoute',
  'InvalidClientVpnEndpointAuthorizationRuleNotFound',
  'InvalidClientVpnEndpointId.NotFound',
  'InvalidClientVpnRouteNotFound',
  'InvalidClientVpnSubnetId.DifferentAccount',
  'InvalidClientVpnSubnetId.DuplicateAz',
  'InvalidClientVpnSubnetId.NotFound',
  'InvalidClientVpnSubnetId.OverlappingCidr',
  'InvalidFilter',
]);

/** What is wrong with one operation, empty when it keeps the contract. */
function violations(model: string, op: OperationContract): string[] {
  const problems: string[] = [];
  if (op.declared === undefined) problems.push(`${model}.${op.operation}: the SDK has no such command`);
  const undeclared =
    op.declared?.length === 0 || (op.declared?.length === 1 && op.declared[0]?.endsWith('ServiceException'))
      ? op.thrown.filter((name) => !EC2_DOCUMENTED_CODES.has(name) && !COMMON_ERRORS.has(name))
      : op.undeclaredErrors.filter((name) => !COMMON_ERRORS.has(name));
  for (const name of undeclared) problems.push(`${model}.${op.operation} throws undeclared ${name}`);
  for (const field of op.unknownOutputFields) {
    problems.push(`${model}.${op.operation} returns ${field}, not in ${op.operation}CommandOutput`);
  }
  return problems;
}

const FIXTURE = {
  file: path.resolve(import.meta.dirname, 'fixtures/contract-breaking-model.ts'),
  className: 'ContractBreakingModel',
  sdkPackage: '@aws-sdk/client-elasticache',
};

describe('sandbox models keep the SDK contract', () => {
  let results: Map<string, OperationContract[]>;
  beforeAll(() => {
    results = checkModels([...SANDBOX_MODELS, FIXTURE]);
  }, 180_000);

  it('covers every model createSandbox registers, and every command of each', () => {
    const registered = [
      ...readFileSync(path.resolve(import.meta.dirname, '../../../local/sandbox/index.ts'), 'utf8').matchAll(
        /new (\w+Model)\(/g,
      ),
    ].map((m) => m[1]);
    expect(SANDBOX_MODELS.map((m) => m.className).sort()).toEqual([...new Set(registered)].sort());
    expect([...results.keys()]).toEqual(expect.arrayContaining(SANDBOX_MODELS.map((m) => m.className)));
    const operations = SANDBOX_MODELS.flatMap((m) => results.get(m.className) ?? []);
    expect(operations.length).toBeGreaterThan(60);
    // The analysis finds errors at all (a broken call graph would find none and pass).
    const withErrors = operations.filter((op) => op.thrown.length > 0);
    expect(withErrors.length).toBeGreaterThan(50);
  });

  it('every error is declared for its operation and every output field exists', () => {
    const problems = SANDBOX_MODELS.flatMap((m) =>
      (results.get(m.className) ?? []).flatMap((op) => violations(m.className, op)),
    );
    expect(problems).toEqual([]);
  });

  it('catches a planted undeclared error, a field the output lacks, and one nested in a list', () => {
    const fixture = results.get(FIXTURE.className) ?? [];
    const problems = fixture.flatMap((op) => violations(FIXTURE.className, op));
    expect(problems).toEqual(
      expect.arrayContaining([
        'ContractBreakingModel.DescribeUsers throws undeclared InvalidParameterValueException',
        'ContractBreakingModel.DescribeUsers returns Users[].Bogus, not in DescribeUsersCommandOutput',
        'ContractBreakingModel.DeleteUser returns Extra, not in DeleteUserCommandOutput',
      ]),
    );
    // The error reached through a helper is found too (the call graph, not only the handler).
    expect(fixture.find((op) => op.operation === 'DeleteUser')?.thrown).toContain('UserNotFoundFault');
  });
});
