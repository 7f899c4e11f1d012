import { describe, expect, it } from '@jest/globals';
import { notRotated } from '../../bin/cli/rotate/rotate-commands.js';
import { isUserBusyReason, userBusyReason } from '../../functions/core/rbac/user-claim.js';

/** `cachegate rotate` exits 1 for the users it should have rotated and did not (docs/rotation.md, CLI). */
describe('rotate: the users that make the CLI exit 1', () => {
  it('rotate-all: failed users and users skipped because another workflow held them, not users with no password', () => {
    const output = {
      users: [
        { userId: 'a', status: 'rotated' },
        { userId: 'b', status: 'failed', reason: 'RotatePassword.Failed: …' },
        { userId: 'c', status: 'skipped', reason: userBusyReason('c', 'native-rotation:1234') },
        { userId: 'd', status: 'skipped', reason: 'the user authenticates with IAM (15-minute tokens)' },
      ],
    };
    expect(notRotated(output, isUserBusyReason)).toEqual(['b', 'c']);
  });

  it('rotate-password: a run skipped because the user was busy', () => {
    const skipped = { status: 'skipped', userId: 'e', reason: userBusyReason('e', 'exec-1') };
    expect(notRotated(skipped, isUserBusyReason)).toEqual(['e']);
    expect(notRotated({ status: 'rotated', userId: 'e' }, isUserBusyReason)).toEqual([]);
  });
});
