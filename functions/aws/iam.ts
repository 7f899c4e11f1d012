import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  EntityAlreadyExistsException,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  IAMClient,
  ListEntitiesForPolicyCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { ConflictError } from '../core/errors.js';
import { IAM_POLICY_PATH, parseIamPrincipal } from '../core/rbac/iam-auth.js';
import { createAwsClient } from './clients.js';

let client: IAMClient | undefined;
const iam = () => (client ??= createAwsClient(IAMClient, {}));

/**
 * Creates the managed policy (under cachegate's path) and attaches it to the principal. A retry
 * finds the policy: the same document counts as created, another one is a ConflictError (never
 * overwritten: it may be someone else's). Attaching an attached policy is a no-op in IAM.
 */
export async function grantManagedPolicy(spec: {
  principalArn: string;
  policyName: string;
  policyArn: string;
  document: string;
  description: string;
}): Promise<{ policyArn: string; created: boolean }> {
  let created = true;
  try {
    await iam().send(
      new CreatePolicyCommand({
        PolicyName: spec.policyName,
        Path: IAM_POLICY_PATH,
        PolicyDocument: spec.document,
        Description: spec.description,
      }),
    );
  } catch (error) {
    if (!(error instanceof EntityAlreadyExistsException)) throw error;
    created = false;
    const existing = await policyDocument(spec.policyArn);
    if (existing === undefined || !sameJson(existing, spec.document)) {
      throw new ConflictError(`IAM policy ${spec.policyArn} already exists with another document`);
    }
  }
  const principal = parseIamPrincipal(spec.principalArn);
  if (principal.kind === 'role') {
    await iam().send(new AttachRolePolicyCommand({ RoleName: principal.name, PolicyArn: spec.policyArn }));
  } else {
    await iam().send(new AttachUserPolicyCommand({ UserName: principal.name, PolicyArn: spec.policyArn }));
  }
  return { policyArn: spec.policyArn, created };
}

/** Detaches the policy from every role and user holding it, then deletes it; false when already gone. */
export async function removeManagedPolicy(policyArn: string): Promise<boolean> {
  try {
    const { PolicyRoles = [], PolicyUsers = [] } = await iam().send(
      new ListEntitiesForPolicyCommand({ PolicyArn: policyArn }),
    );
    for (const { RoleName } of PolicyRoles) {
      await ignoreMissing(iam().send(new DetachRolePolicyCommand({ RoleName, PolicyArn: policyArn })));
    }
    for (const { UserName } of PolicyUsers) {
      await ignoreMissing(iam().send(new DetachUserPolicyCommand({ UserName, PolicyArn: policyArn })));
    }
    await iam().send(new DeletePolicyCommand({ PolicyArn: policyArn }));
    return true;
  } catch (error) {
    if (error instanceof NoSuchEntityException) return false;
    throw error;
  }
}

/** The default version's document, decoded (IAM returns it URL-encoded); undefined when absent. */
async function policyDocument(policyArn: string): Promise<string | undefined> {
  try {
    const { Policy } = await iam().send(new GetPolicyCommand({ PolicyArn: policyArn }));
    const { PolicyVersion } = await iam().send(
      new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: Policy?.DefaultVersionId }),
    );
    return PolicyVersion?.Document === undefined ? undefined : decodeURIComponent(PolicyVersion.Document);
  } catch (error) {
    if (error instanceof NoSuchEntityException) return undefined;
    throw error;
  }
}

async function ignoreMissing(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof NoSuchEntityException)) throw error;
  }
}

function sameJson(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}
