// The Account view's checks before anything is sent (pure, tested in Node:
// tests/browser/page-logic.test.mjs). Cognito checks the password policy itself; this only
// catches what a person can fix before a round trip.

/** The pool's minimum length (infra/auth.tf, local/src/cognito.rs). */
export const MIN_PASSWORD_LENGTH = 12;

/**
 * What is wrong with a change-password form, or null: `{field, message}`, `field` the input to
 * put the focus on.
 */
export function passwordProblem(current, next, again) {
  if (!current) return { field: 'password-current', message: 'Enter your current password.' };
  if (!next) return { field: 'password-new', message: 'Enter a new password.' };
  if (next.length < MIN_PASSWORD_LENGTH) {
    return { field: 'password-new', message: `The new password needs at least ${MIN_PASSWORD_LENGTH} characters.` };
  }
  if (next === current) return { field: 'password-new', message: 'The new password is the same as the current one.' };
  if (next !== again) return { field: 'password-confirm', message: 'The two new passwords are not the same.' };
  return null;
}

/** Why the typed confirmation does not allow the deletion, or null. */
export function deletionProblem(typed, username) {
  const t = (typed || '').trim();
  if (!t) return 'Type your username to confirm.';
  if (t !== username) return `That is not your username. Type ${username} exactly to confirm.`;
  return null;
}
