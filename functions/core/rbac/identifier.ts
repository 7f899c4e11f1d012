import * as z from 'zod/mini';

/**
 * A user ID, user-group (ACL) ID or replication-group (cluster) ID as cachegate accepts it:
 * ElastiCache's identifier rules, in lower case. ElastiCache stores these IDs as lowercase
 * strings (CreateUser / CreateUserGroup / CreateReplicationGroup reference), so a mixed-case ID
 * would be created as another spelling and never match what DescribeUsers returns: it is refused
 * with the spelling AWS would store, before any change.
 */
export const rbacIdentifier = z.string().check(
  z.regex(/^[A-Za-z][A-Za-z0-9-]{0,39}$/, 'must be 1-40 letters, digits or hyphens, starting with a letter'),
  z.refine((id) => !id.includes('--') && !id.endsWith('-'), 'must not contain "--" or end with "-"'),
  z.superRefine((id, ctx) => {
    if (id !== id.toLowerCase()) {
      ctx.addIssue({
        code: 'custom',
        message: `must be lower case (AWS stores these IDs in lower case): use ${id.toLowerCase()}`,
      });
    }
  }),
);
