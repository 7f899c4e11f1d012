import { randomBytes } from 'node:crypto';
import {
  DeleteConflictException,
  EntityAlreadyExistsException,
  InvalidInputException,
  MalformedPolicyDocumentException,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import type { ServiceModel } from '../sandbox.js';
import { serviceFault } from '../service-error.js';

interface Policy {
  id: string;
  arn: string;
  name: string;
  path: string;
  document: string;
  createDate: Date;
}

interface Principal {
  arn: string;
  kind: 'role' | 'user';
  name: string;
  attached: Set<string>;
}

/** A customer managed policy's statement, as far as the sandbox evaluates it. */
interface Statement {
  Effect?: string;
  Action?: string | string[];
  Resource?: string | string[];
}

/**
 * AWS IAM as cachegate uses it: customer managed policies (one default version), attached to
 * roles and users, and access keys whose secret the sandbox keeps to check SigV4 signatures
 * (ElastiCache IAM auth tokens). Errors are the SDK's declared ones for each operation. Policy
 * evaluation is the subset cachegate's grants use: `Allow` statements, actions and resources
 * matched exactly or with `*`; no conditions, no `Deny`, no permission boundaries or SCPs.
 */
export class IamModel implements ServiceModel {
  readonly serviceId = 'IAM';
  private readonly policies = new Map<string, Policy>();
  private readonly principals = new Map<string, Principal>();
  private readonly accessKeys = new Map<string, { principalArn: string; secretAccessKey: string }>();

  constructor(private readonly accountId: string) {}

  /** A role or user that exists in the account (the sandbox does not model CreateRole). */
  seedPrincipal(kind: 'role' | 'user', name: string): string {
    const arn = `arn:aws:iam::${this.accountId}:${kind}/${name}`;
    this.principals.set(arn, { arn, kind, name, attached: new Set() });
    return arn;
  }

  /** Credentials of a principal (an access key; for a role, the sandbox's stand-in for AssumeRole). */
  issueAccessKey(principalArn: string): { accessKeyId: string; secretAccessKey: string } {
    if (!this.principals.has(principalArn)) throw new Error(`sandbox IAM: no principal ${principalArn}`);
    const accessKeyId = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const secretAccessKey = randomBytes(30).toString('base64');
    this.accessKeys.set(accessKeyId, { principalArn, secretAccessKey });
    return { accessKeyId, secretAccessKey };
  }

  /** A known access key for a principal (the sandbox's SDK clients all sign as `sandbox`/`sandbox`). */
  seedAccessKey(principalArn: string, accessKeyId: string, secretAccessKey: string): void {
    if (!this.principals.has(principalArn)) throw new Error(`sandbox IAM: no principal ${principalArn}`);
    this.accessKeys.set(accessKeyId, { principalArn, secretAccessKey });
  }

  /** Who an access key belongs to, and its secret (for signature checks); undefined if unknown. */
  accessKey(accessKeyId: string): { principalArn: string; secretAccessKey: string } | undefined {
    return this.accessKeys.get(accessKeyId);
  }

  /** True when a policy attached to the principal allows `action` on every one of `resources`. */
  allows(principalArn: string, action: string, resources: readonly string[]): boolean {
    const principal = this.principals.get(principalArn);
    if (!principal) return false;
    const statements = [...principal.attached].flatMap((arn) => statementsOf(this.policies.get(arn)));
    return resources.every((resource) =>
      statements.some(
        (s) =>
          s.Effect === 'Allow' &&
          asList(s.Action).some((a) => globMatch(a.toLowerCase(), action.toLowerCase())) &&
          asList(s.Resource).some((r) => globMatch(r, resource)),
      ),
    );
  }

  /** The policies attached to a principal (ARNs), for assertions. */
  attachedPolicies(principalArn: string): string[] {
    return [...(this.principals.get(principalArn)?.attached ?? [])];
  }

  policyDocument(policyArn: string): string | undefined {
    return this.policies.get(policyArn)?.document;
  }

  readonly commands = {
    CreatePolicy: (input: {
      PolicyName?: string;
      Path?: string;
      PolicyDocument?: string;
      Description?: string;
    }) => {
      const name = input.PolicyName ?? '';
      if (!/^[\w+=,.@-]{1,128}$/.test(name)) {
        throw serviceFault(InvalidInputException, 'PolicyName must be 1-128 characters of [\\w+=,.@-].');
      }
      const path = input.Path ?? '/';
      if (!/^\/(?:[\x21-\x7e]*\/)?$/.test(path) || path.length > 512) {
        throw serviceFault(InvalidInputException, 'Path must begin and end with "/".');
      }
      const document = input.PolicyDocument ?? '';
      if (statementsOf({ document } as Policy).length === 0) {
        throw serviceFault(
          MalformedPolicyDocumentException,
          'The policy document is not valid JSON with a Statement.',
        );
      }
      const arn = `arn:aws:iam::${this.accountId}:policy${path}${name}`;
      if ([...this.policies.values()].some((p) => p.name === name)) {
        throw serviceFault(EntityAlreadyExistsException, `A policy called ${name} already exists.`, 409);
      }
      const id = `ANPA${randomBytes(8).toString('hex').toUpperCase()}`;
      const policy: Policy = { id, arn, name, path, document, createDate: new Date() };
      this.policies.set(arn, policy);
      return { Policy: this.policyView(policy) };
    },

    GetPolicy: (input: { PolicyArn?: string }) => ({
      Policy: this.policyView(this.findPolicy(input.PolicyArn)),
    }),

    GetPolicyVersion: (input: { PolicyArn?: string; VersionId?: string }) => {
      const policy = this.findPolicy(input.PolicyArn);
      if (input.VersionId !== 'v1') {
        throw serviceFault(
          NoSuchEntityException,
          `Policy version ${String(input.VersionId)} does not exist.`,
          404,
        );
      }
      return {
        // IAM returns the document URL-encoded (RFC 3986), as the API reference says.
        PolicyVersion: {
          Document: encodeURIComponent(policy.document),
          VersionId: 'v1',
          IsDefaultVersion: true,
        },
      };
    },

    DeletePolicy: (input: { PolicyArn?: string }) => {
      const policy = this.findPolicy(input.PolicyArn);
      if ([...this.principals.values()].some((p) => p.attached.has(policy.arn))) {
        throw serviceFault(DeleteConflictException, 'Cannot delete a policy attached to entities.', 409);
      }
      this.policies.delete(policy.arn);
      return {};
    },

    AttachRolePolicy: (input: { RoleName?: string; PolicyArn?: string }) =>
      this.attach('role', input.RoleName, input.PolicyArn, true),
    AttachUserPolicy: (input: { UserName?: string; PolicyArn?: string }) =>
      this.attach('user', input.UserName, input.PolicyArn, true),
    DetachRolePolicy: (input: { RoleName?: string; PolicyArn?: string }) =>
      this.attach('role', input.RoleName, input.PolicyArn, false),
    DetachUserPolicy: (input: { UserName?: string; PolicyArn?: string }) =>
      this.attach('user', input.UserName, input.PolicyArn, false),

    ListEntitiesForPolicy: (input: { PolicyArn?: string }) => {
      const policy = this.findPolicy(input.PolicyArn);
      const holders = [...this.principals.values()].filter((p) => p.attached.has(policy.arn));
      return {
        PolicyRoles: holders.filter((p) => p.kind === 'role').map((p) => ({ RoleName: p.name })),
        PolicyUsers: holders.filter((p) => p.kind === 'user').map((p) => ({ UserName: p.name })),
        PolicyGroups: [],
        IsTruncated: false,
      };
    },
  };

  private attach(
    kind: 'role' | 'user',
    name: string | undefined,
    policyArn: string | undefined,
    on: boolean,
  ): object {
    const principal = [...this.principals.values()].find((p) => p.kind === kind && p.name === name);
    if (!principal) {
      throw serviceFault(
        NoSuchEntityException,
        `The ${kind} with name ${String(name)} cannot be found.`,
        404,
      );
    }
    const policy = this.findPolicy(policyArn);
    if (on) principal.attached.add(policy.arn);
    else if (!principal.attached.delete(policy.arn)) {
      throw serviceFault(
        NoSuchEntityException,
        `Policy ${policy.arn} was not found on ${kind} ${principal.name}.`,
        404,
      );
    }
    return {};
  }

  private findPolicy(arn: string | undefined): Policy {
    const policy = arn === undefined ? undefined : this.policies.get(arn);
    if (!policy) throw serviceFault(NoSuchEntityException, `Policy ${String(arn)} does not exist.`, 404);
    return policy;
  }

  private policyView(policy: Policy) {
    return {
      PolicyName: policy.name,
      PolicyId: policy.id,
      Arn: policy.arn,
      Path: policy.path,
      DefaultVersionId: 'v1',
      AttachmentCount: [...this.principals.values()].filter((p) => p.attached.has(policy.arn)).length,
      IsAttachable: true,
      CreateDate: policy.createDate,
    };
  }
}

function statementsOf(policy: Policy | undefined): Statement[] {
  if (!policy) return [];
  try {
    const parsed = JSON.parse(policy.document) as { Statement?: Statement | Statement[] };
    return parsed.Statement === undefined ? [] : asList(parsed.Statement);
  } catch {
    return [];
  }
}

function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** IAM's ARN and action matching: `*` any run of characters, `?` one character. */
function globMatch(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(value);
}
