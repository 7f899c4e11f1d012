import * as z from 'zod/mini';
import { rbacIdentifier } from '../rbac/identifier.js';
import type { UserSnapshot } from '../rbac/snapshots.js';

/** Which users rotate-all rotates: every user, the users whose cachegate secret has a tag, or a group's members. */
export const rotationSelectorSchema = z.union([
  z.strictObject({ all: z.literal(true) }),
  z.strictObject({
    tag: z.object({
      key: z.string().check(z.minLength(1), z.maxLength(128)),
      value: z.string().check(z.maxLength(256)),
    }),
  }),
  z.strictObject({ userGroupId: rbacIdentifier }),
]);
export type RotationSelector = z.infer<typeof rotationSelectorSchema>;

/** Parses the CLI's `--selector`: `all`, `tag:<key>=<value>` or `group:<user-group-id>`. */
export function parseSelectorText(text: string): unknown {
  if (text === 'all') return { all: true };
  const tag = /^tag:([^=]+)=(.*)$/.exec(text);
  if (tag) return { tag: { key: tag[1], value: tag[2] } };
  const group = /^group:(.+)$/.exec(text);
  if (group) return { userGroupId: group[1] };
  return { unknown: text };
}

export interface SelectionInput {
  users: (UserSnapshot & { userGroupIds: string[] })[];
  /** Each cachegate user secret: the user it belongs to and its tags. */
  secrets: { userId: string; tags: Record<string, string> }[];
  /** Members of the selected group (and pending additions), when the selector is a group. */
  groupUserIds?: string[];
}

export type RotationStatus = 'rotated' | 'failed' | 'skipped';
export interface UserRotationResult {
  userId: string;
  status: RotationStatus;
  reason?: string;
}

/**
 * Splits the selected users into those to rotate and those skipped, each skip with its reason:
 * no user is left out silently (a selected user without a secret, or without passwords, is
 * reported, not dropped).
 */
export function selectRotationUsers(
  selector: RotationSelector,
  input: SelectionInput,
): { rotate: string[]; skipped: UserRotationResult[] } {
  const usersById = new Map(input.users.map((u) => [u.userId, u]));
  const secretOf = new Map(input.secrets.map((s) => [s.userId, s]));
  let selected: string[];
  if ('all' in selector) {
    selected = [...new Set([...input.users.map((u) => u.userId), ...input.secrets.map((s) => s.userId)])];
  } else if ('tag' in selector) {
    selected = input.secrets
      .filter((s) => s.tags[selector.tag.key] === selector.tag.value)
      .map((s) => s.userId);
  } else {
    selected = [...new Set(input.groupUserIds ?? [])];
  }
  const rotate: string[] = [];
  const skipped: UserRotationResult[] = [];
  for (const userId of [...selected].sort()) {
    const user = usersById.get(userId);
    const reason = !user
      ? 'the user does not exist (its secret is left alone)'
      : user.authenticationType === 'iam'
        ? 'the user authenticates with IAM (15-minute tokens): it has no password to rotate'
        : user.authenticationType !== 'password'
          ? `the user does not authenticate with passwords (${user.authenticationType})`
          : !secretOf.has(userId)
            ? 'the user has no cachegate secret'
            : undefined;
    if (reason) skipped.push({ userId, status: 'skipped', reason });
    else rotate.push(userId);
  }
  return { rotate, skipped };
}

/**
 * How many users rotate-all rotates at once (each in a child execution of its Distributed Map).
 * Routine runs stay at 10 (a gentle load on the control plane). An emergency ("rotate everything
 * now") keeps enough users in flight for the control plane's rate to be the only limit. By
 * Little's law the users past their ModifyUser number rate × time to settle (5 calls/s, the
 * assumed rate of docs/aws-facts.md "Throttling", × ~35 s of modification and the steps after
 * it ≈ 175); about as many again wait, retrying throttled calls, so that no token goes unused.
 * 400 keeps both; more would only add throttled calls on the account's shared bucket.
 */
export const ROTATION_CONCURRENCY = { routine: 10, emergency: 400 } as const;

export function rotationConcurrency(emergency: boolean): number {
  return emergency ? ROTATION_CONCURRENCY.emergency : ROTATION_CONCURRENCY.routine;
}

export interface RotationSummary {
  total: number;
  rotated: number;
  failed: number;
  skipped: number;
  users: UserRotationResult[];
}

/** The rotate-all report: one line per selected user, counted by outcome. */
export function summarizeRotation(results: UserRotationResult[]): RotationSummary {
  const users = [...results].sort((a, b) => a.userId.localeCompare(b.userId));
  const count = (status: RotationStatus) => users.filter((r) => r.status === status).length;
  return {
    total: users.length,
    rotated: count('rotated'),
    failed: count('failed'),
    skipped: count('skipped'),
    users,
  };
}
