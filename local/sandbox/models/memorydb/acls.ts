import {
  ACLAlreadyExistsFault,
  ACLQuotaExceededFault,
  InvalidACLStateFault,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  UserNotFoundFault,
} from '@aws-sdk/client-memorydb';
import { serviceFault } from '../../service-error.js';
import { checkQuota, membersAfterChange, oneOrAll } from '../cache-rbac-model-helpers.js';
import { OPEN_ACCESS_ACL, FAULTS, checkName, paginate, type MemoryDbState, type Acl } from './state.js';

/** CreateACL, DescribeACLs, UpdateACL, DeleteACL. */
export function aclCommands(s: MemoryDbState) {
  return {
    CreateACL: (input: { ACLName?: string; UserNames?: string[]; Tags?: unknown[] }) =>
      s.settled(() => {
        const name = checkName('ACLName', input.ACLName);
        if (s.acls.has(name)) throw serviceFault(ACLAlreadyExistsFault, `ACL ${name} already exists.`);
        checkQuota(s.acls.size, s.quotas.aclsPerAccount, 'ACLs per account', ACLQuotaExceededFault);
        const userNames = [...new Set((input.UserNames ?? []).map((n) => n.toLowerCase()))];
        checkMembers(s, userNames, userNames);
        const acl: Acl = { name, userNames: new Set(userNames), status: 'creating' };
        s.acls.set(name, acl);
        acl.pending = {
          readyAt: s.clock.nowMs() + s.delays.aclCreate,
          apply: () => {
            acl.status = 'active';
          },
        };
        return { ACL: s.aclView(acl) };
      }),

    DescribeACLs: (input: { ACLName?: string; MaxResults?: number; NextToken?: string }) =>
      s.settled(() => {
        const acls = oneOrAll(input.ACLName, (name) => s.findAcl(name), s.acls);
        const { page, nextToken } = paginate(acls, input, InvalidParameterCombinationException);
        return { ACLs: page.map((a) => s.aclView(a)), NextToken: nextToken };
      }),

    UpdateACL: (input: { ACLName?: string; UserNamesToAdd?: string[]; UserNamesToRemove?: string[] }) =>
      s.settled(() => {
        const acl = s.findAcl(input.ACLName);
        if (acl.name === OPEN_ACCESS_ACL) {
          throw serviceFault(InvalidParameterValueException, 'The open-access ACL cannot be modified.');
        }
        if (acl.status !== 'active') {
          throw serviceFault(InvalidACLStateFault, `ACL ${acl.name} is ${acl.status}, not active.`);
        }
        const add = [...new Set((input.UserNamesToAdd ?? []).map((n) => n.toLowerCase()))];
        const remove = [...new Set((input.UserNamesToRemove ?? []).map((n) => n.toLowerCase()))];
        if (add.length === 0 && remove.length === 0) {
          throw serviceFault(
            InvalidParameterCombinationException,
            'Give UserNamesToAdd or UserNamesToRemove.',
          );
        }
        const after = membersAfterChange(acl.userNames, { add, remove }, `ACL ${acl.name}`, FAULTS);
        checkMembers(s, after, add);
        acl.status = 'modifying';
        acl.pendingChanges = { add, remove };
        acl.pending = {
          readyAt: s.clock.nowMs() + s.delays.aclModify,
          apply: () => {
            for (const n of remove) acl.userNames.delete(n);
            for (const n of add) if (s.users.has(n)) acl.userNames.add(n);
            delete acl.pendingChanges;
            acl.status = 'active';
          },
        };
        return { ACL: s.aclView(acl) };
      }),

    DeleteACL: (input: { ACLName?: string }) =>
      s.settled(() => {
        const acl = s.findAcl(input.ACLName);
        if (acl.name === OPEN_ACCESS_ACL) {
          throw serviceFault(InvalidParameterValueException, 'The open-access ACL cannot be deleted.');
        }
        if (acl.status !== 'active') {
          throw serviceFault(InvalidACLStateFault, `ACL ${acl.name} is ${acl.status}, not active.`);
        }
        const clusters = s.clustersOf(acl.name);
        if (clusters.length > 0) {
          throw serviceFault(
            InvalidACLStateFault,
            `ACL ${acl.name} is associated with cluster(s) ${clusters.join(', ')}.`,
          );
        }
        acl.status = 'deleting';
        acl.pending = {
          readyAt: s.clock.nowMs() + s.delays.aclDelete,
          apply: () => {
            s.acls.delete(acl.name);
          },
        };
        return { ACL: s.aclView(acl) };
      }),
  };
}

/** Test and demo set-up: an `active` ACL, checked like CreateACL. */
export function seedAcl(s: MemoryDbState, spec: { name: string; userNames: string[] }): void {
  s.applyDueChanges();
  const name = checkName('ACLName', spec.name);
  if (s.acls.has(name)) throw serviceFault(ACLAlreadyExistsFault, `ACL ${name} already exists.`);
  const userNames = spec.userNames.map((n) => n.toLowerCase());
  checkMembers(s, userNames, userNames);
  s.acls.set(name, { name, userNames: new Set(userNames), status: 'active' });
}

/** Members must exist and be active; the ACL stays within the per-ACL quota. */
function checkMembers(s: MemoryDbState, userNames: string[], added: string[]): void {
  for (const n of added) {
    const user = s.users.get(n);
    if (!user) throw serviceFault(UserNotFoundFault, `User ${n} not found.`);
    if (user.status !== 'active') {
      throw serviceFault(
        InvalidParameterValueException,
        `User ${n} is ${user.status}; only active users can join an ACL.`,
      );
    }
  }
  if (userNames.length > s.quotas.usersPerAcl) {
    throw serviceFault(
      InvalidParameterValueException,
      `An ACL can contain at most ${s.quotas.usersPerAcl} users; this change would make ${userNames.length}.`,
    );
  }
}
