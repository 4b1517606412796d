// The Account view's checks before anything is sent, in Node (no browser, no stack).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { passwordProblem, deletionProblem, MIN_PASSWORD_LENGTH } from '../../frontend-static/js/account-rules.js';

test('a password change is checked for what a person can fix, naming the field to fix', () => {
  const ok = 'Another-Password-9';
  assert.equal(passwordProblem('Old-Password-123', ok, ok), null);
  assert.equal(passwordProblem('', ok, ok).field, 'password-current');
  assert.equal(passwordProblem('Old-Password-123', '', '').field, 'password-new');
  const short = 'Sh0rt-pass';
  assert.ok(short.length < MIN_PASSWORD_LENGTH);
  assert.match(passwordProblem('Old-Password-123', short, short).message, /at least 12 characters/);
  assert.match(passwordProblem(ok, ok, ok).message, /same as the current/);
  const mismatch = passwordProblem('Old-Password-123', ok, `${ok} `);
  assert.equal(mismatch.field, 'password-confirm');
  assert.match(mismatch.message, /not the same/);
});

test('deleting needs the exact username typed (spaces around it forgiven)', () => {
  assert.equal(deletionProblem('zoe', 'zoe'), null);
  assert.equal(deletionProblem('  zoe ', 'zoe'), null);
  assert.match(deletionProblem('', 'zoe'), /Type your username/);
  assert.match(deletionProblem('Zoe', 'zoe'), /not your username/, 'case matters: Cognito usernames are exact');
  assert.match(deletionProblem('zo', 'zoe'), /Type zoe exactly/);
});
