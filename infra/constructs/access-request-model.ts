import { JsonSchemaType, type JsonSchema } from 'aws-cdk-lib/aws-apigateway';
import { PEM_CSR } from '../../functions/core/access-request.js';
import { COMMON_NAME } from '../../functions/core/pki/ca-operations.js';
import { HIDDEN_CHARACTERS } from '../../functions/core/visible-text.js';

/**
 * The POST /access-requests body as API Gateway checks it before the Lambda runs, aligned with
 * the handler's zod schemas (functions/core/access-request.ts) so that the edge refuses what the
 * handler would refuse for its shape: lengths, the characters each field may hold, identifier
 * syntax, unknown keys. Only what needs code stays with the handler alone: the access string's
 * grammar and the CSR's parse and key check. test/infra/access-request-model.test.ts runs both
 * on the same hostile and valid values and requires the same verdict.
 *
 * Patterns use only character classes, `\uXXXX` escapes, groups and counted repetition (no
 * look-around, no `\s`/`\S`, whose meaning differs between regex engines), because API
 * Gateway's validator is not documented to be ECMAScript's.
 */
const hidden = HIDDEN_CHARACTERS.source.slice(1, -1);
// The white space that JavaScript's `\s` matches and `trim()` removes (cacheUserNameSchema's
// /^\S+$/, zod's .trim()), less the characters already in `hidden`.
const spaces = ' \\u00a0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000';

const text = (minLength: number, maxLength: number, pattern: string): JsonSchema => ({
  type: JsonSchemaType.STRING,
  minLength,
  maxLength,
  pattern,
});

/** ElastiCache user and user-group IDs as cachegate takes them (rbacIdentifier): lower case. */
const cacheIdentifier = text(1, 40, '^[a-z](?:-?[a-z0-9])*$');

export const ACCESS_REQUEST_MODEL_SCHEMA: JsonSchema = {
  type: JsonSchemaType.OBJECT,
  additionalProperties: false,
  required: ['kind', 'justification'],
  properties: {
    // 10-1000 characters once trimmed of surrounding spaces; the maximum counts them too.
    justification: text(
      10,
      1000,
      `^[${spaces}]*[^${spaces}${hidden}][^${hidden}]{8,}[^${spaces}${hidden}][${spaces}]*$`,
    ),
    kind: {
      type: JsonSchemaType.OBJECT,
      required: ['type'],
      oneOf: [
        {
          type: JsonSchemaType.OBJECT,
          additionalProperties: false,
          required: ['type', 'userId', 'userName', 'accessString', 'userGroupIds'],
          properties: {
            type: { type: JsonSchemaType.STRING, enum: ['cache-user'] },
            userId: cacheIdentifier,
            userName: text(1, 120, `^[^${spaces}${hidden}]+$`),
            accessString: text(1, 2048, `^[^${hidden}]+$`),
            userGroupIds: {
              type: JsonSchemaType.ARRAY,
              minItems: 1,
              maxItems: 100,
              uniqueItems: true,
              items: cacheIdentifier,
            },
          },
        },
        {
          type: JsonSchemaType.OBJECT,
          additionalProperties: false,
          required: ['type', 'commonName'],
          properties: {
            type: { type: JsonSchemaType.STRING, enum: ['vpn-certificate'] },
            commonName: text(1, 64, COMMON_NAME.source),
            csrPem: {
              type: JsonSchemaType.STRING,
              maxLength: 16_384,
              pattern: PEM_CSR.source,
            },
          },
        },
      ],
    },
  },
};
