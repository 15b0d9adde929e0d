import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserStore } from '../src/node/users.js';
import { nodeSuite } from '../src/runtime/node-crypto.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('detente-users-');

describe('users', () => {
  it('a token names its user, another token nobody; a user added by another process counts at once', () => {
    const path = join(tmp(), 'users.sqlite');
    const node = UserStore.open(path, nodeSuite);
    const cli = UserStore.open(path, nodeSuite);
    const olga = cli.add('olga', 'us', ['declarant']);
    expect(node.authenticate(olga.token)).toEqual({ name: 'olga', party: 'us', roles: ['declarant'] });
    // Remembered for a while: the same answer, which nobody can change.
    const again = node.authenticate(olga.token)!;
    expect(again).toEqual(olga.user);
    expect(Object.isFrozen(again) && Object.isFrozen(again.roles)).toBe(true);
    for (const wrong of [
      '',
      `${olga.token}x`,
      olga.token.slice(0, -1),
      'x'.repeat(201),
      undefined as unknown as string,
    ]) {
      expect(node.authenticate(wrong)).toBeUndefined();
    }
    // Unknown tokens are not remembered: a user added meanwhile is known at the next request.
    const ivan = cli.add('ivan', 'us', ['inspector']);
    expect(node.authenticate(ivan.token)?.name).toBe('ivan');
    expect(() => cli.add('olga', 'us', ['declarant'])).toThrow(/already exists/);
    expect(() => cli.add('bad name', 'us', ['declarant'])).toThrow(/user name/);
    expect(() => cli.add('nobody', 'us', ['log'])).toThrow(/role "log"/);
    node.close();
    cli.close();
  });
});
