import { describe, expect, it } from '@jest/globals';
import { ESLint } from 'eslint';
import { repoRoot } from '../../../workflows/repo-root.js';

/**
 * The layer rules in eslint.config.js fire: each wrong-way import below, linted as if it were in
 * the named file, is an error; the allowed import beside it is not.
 */
const eslint = new ESLint({ cwd: repoRoot() });

async function restrictedImports(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport {};\n`, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer rules', () => {
  it.each([
    ['functions/core/rbac/x.ts', "import { ElastiCacheClient } from '@aws-sdk/client-elasticache';"],
    ['functions/core/rbac/x.ts', "import { readFileSync } from 'node:fs';"],
    ['functions/core/rbac/x.ts', "import { createUser } from '../../aws/elasticache.js';"],
    ['functions/core/x.ts', "import { logger } from '../commons/powertools.js';"],
    ['functions/core/x.ts', "import { Sandbox } from '../../local/sandbox/sandbox.js';"],
    ['functions/create-cache-user/handler.ts', "import { Sandbox } from '../../local/sandbox/sandbox.js';"],
    ['functions/aws/x.ts', "import { CachegateStack } from '../../infra/cachegate-stack.js';"],
    ['functions/aws/x.ts', "import { handler } from '../create-cache-user/handler.js';"],
    ['functions/aws/x.ts', "import { beginRotation } from '../use-cases/rotation-steps.js';"],
    ['functions/core/x.ts', "import { decideApproval } from '../use-cases/decide-approval.js';"],
    ['functions/use-cases/x.ts', "import { SFNClient } from '@aws-sdk/client-sfn';"],
    ['functions/check-fulfilment/handler.ts', "import { ExecutionDoesNotExist } from '@aws-sdk/client-sfn';"],
    ['infra/constructs/x.ts', "import { registerWorkflows } from '../../local/workflows.js';"],
    ['workflows/x.ts', "import { registerWorkflows } from '../local/workflows.js';"],
    ['local/sandbox/x.ts', "import { main } from '../../bin/cli/main.js';"],
    ['local/x.ts', "import { CachegateStack } from '../infra/cachegate-stack.js';"],
    ['local/demo/x.ts', "import { run } from '../../bin/cli/main.js';"],
    ['local/demo/x.ts', "import { registerVpnCommands } from '../../bin/cli/vpn/vpn-commands.js';"],
    ['bin/cli/vpn/x.ts', "import { EC2Client } from '@aws-sdk/client-ec2';"],
    ['bin/cli/approval/x.ts', "import { SignatureV4 } from '@smithy/signature-v4';"],
    ['bin/cli/x.ts', "import { CachegateStack } from '../../infra/cachegate-stack.js';"],
  ])('%s may not: %s', async (file, source) => {
    expect(await restrictedImports(file, source)).toHaveLength(1);
  });

  it.each([
    ['functions/core/pki/x.ts', "import { createHash } from 'node:crypto';"],
    ['functions/aws/x.ts', "import { ElastiCacheClient } from '@aws-sdk/client-elasticache';"],
    ['functions/use-cases/x.ts', "import { createUser } from '../aws/elasticache.js';"],
    [
      'functions/slack-interaction/handler.ts',
      "import { decideApproval } from '../use-cases/decide-approval.js';",
    ],
    ['infra/constructs/x.ts', "import { placeholdersOf } from '../../workflows/placeholders.js';"],
    ['local/runner/x.ts', "import { createUser } from '../../functions/aws/elasticache.js';"],
    ['local/demo/x.ts', "import { writeVpnProfile } from '../../bin/cli/vpn/vpn-actions.js';"],
    ['bin/cli/vpn/x.ts', "import { describeEndpoint } from '../../../functions/aws/ec2-client-vpn.js';"],
    ['bin/cli/x.ts', "import { Sandbox } from '../../local/sandbox/sandbox.js';"],
  ])('%s may: %s', async (file, source) => {
    expect(await restrictedImports(file, source)).toEqual([]);
  });
});

describe('hangs in tests', () => {
  const restrictedSyntax = async (filePath: string, source: string) => {
    const [result] = await eslint.lintText(`${source}\n`, { filePath });
    return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
  };

  it('a promise that can never settle is refused in a test handler, pointing at hangForever()', async () => {
    const messages = await restrictedSyntax(
      'test/workflows/x.test.ts',
      'export const handler = async () => new Promise(() => undefined);',
    );
    expect(messages).toEqual([expect.stringContaining('hangForever()')]);
    expect(
      await restrictedSyntax(
        'test/workflows/x.test.ts',
        'export const hang = () => new Promise<never>(function () {});',
      ),
    ).toHaveLength(1);
  });

  it('a promise that can settle is not', async () => {
    expect(
      await restrictedSyntax(
        'test/workflows/x.test.ts',
        'export const wait = () => new Promise((resolve) => setTimeout(resolve, 1));',
      ),
    ).toEqual([]);
  });
});
