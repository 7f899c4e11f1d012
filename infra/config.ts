import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Deployment configuration, read once by the app and passed down as typed props: constructs
 * never look at process.env. `infra/config/example.json` enables every capability, so a plain
 * `npx cdk synth` always shows the whole system.
 */
export const cachegateConfigSchema = z.object({
  stackName: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/),
  env: z.object({
    account: z.string().regex(/^\d{12}$/),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
  }),
  logRetentionDays: z.number().int().positive().default(365),
  approvals: z.object({
    approvers: z.array(z.string().min(1)).min(1, 'at least one approver is needed'),
    timeoutSeconds: z.number().int().min(60).max(604_800).default(86_400),
  }),
});

export type CachegateConfig = z.infer<typeof cachegateConfigSchema>;

export function loadConfig(path: string): CachegateConfig {
  const raw: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const result = cachegateConfigSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`${path}: ${issue?.path.join('.') || 'config'}: ${issue?.message}`);
  }
  return result.data;
}
