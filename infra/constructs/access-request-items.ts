import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';

/**
 * Grants `actions` on the access-requests table's items whose key starts with one of
 * `prefixes` (`ACCESS_REQUEST_ITEMS`), through `dynamodb:LeadingKeys`: an approval item holds a
 * task token, and a function that needs none is not granted its prefix.
 */
export function grantAccessRequestItems(
  fn: IFunction,
  table: ITable,
  actions: string[],
  prefixes: string[],
): void {
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: actions.map((action) => `dynamodb:${action}`),
      resources: [table.tableArn],
      conditions: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((prefix) => `${prefix}*`) },
      },
    }),
  );
}
