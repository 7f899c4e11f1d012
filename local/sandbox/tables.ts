import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { createAwsClient } from '../../functions/aws/clients.js';
import { ALL_TABLES, tableName } from '../../functions/aws/table-definitions.js';

/** Creates every cachegate table in dynalite, with the keys the CDK stack gives them. */
export async function createTables(): Promise<void> {
  const dynamodb = createAwsClient(DynamoDBClient, {});
  for (const table of ALL_TABLES) {
    try {
      await dynamodb.send(
        new CreateTableCommand({
          TableName: tableName(table),
          KeySchema: [{ AttributeName: table.partitionKey, KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: table.partitionKey, AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
}
