import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { repoRoot } from '../../../workflows/repo-root.js';

/**
 * events/schemas/audit-event.v1.json as a zod schema, built from the JSON file itself (the
 * action enum is read from it), so a test fails when code and schema drift apart.
 */
const schemaFile = JSON.parse(
  readFileSync(join(repoRoot(), 'events', 'schemas', 'audit-event.v1.json'), 'utf8'),
) as { required: string[]; properties: { action: { enum: [string, ...string[]] } } };

export const auditEventV1 = z.strictObject({
  schemaVersion: z.literal('1'),
  action: z.enum(schemaFile.properties.action.enum),
  actor: z.string().min(1),
  at: z.iso.datetime(),
  requestId: z.string().optional(),
  subject: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});

export const requiredFields = schemaFile.required;
