// A style preset's options fitted to a model, in the browser with the catalog it already has
// (GET /api/models): the same rule as the server's `shared::catalog::fit_options`, held to the
// same cases (shared/catalog/fixtures/preset-fit.json, tests/browser/preset-fit.test.mjs).
// An option the model has, with a value it accepts, is kept; every other one is dropped with
// why; `null` means the model's default and is left out unnamed.

/** Why `value` is no value of `spec` (a catalog option), or null when it is one. */
function refusal(spec, value) {
  switch (spec.type) {
    case 'enum':
      return typeof value === 'string' && (spec.values || []).includes(value) ? null : `not one of ${(spec.values || []).join(', ')}`;
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value)) return 'not a whole number';
      if (Array.isArray(spec.values) && !spec.values.includes(value)) return `not one of ${spec.values.join(', ')}`;
      return outOfRange(spec, value);
    }
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? outOfRange(spec, value) : 'not a number';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'not on or off';
    case 'string':
      if (typeof value !== 'string') return 'not text';
      return spec.max_len !== undefined && [...value].length > spec.max_len ? `longer than ${spec.max_len} characters` : null;
    default:
      return 'not an option it knows';
  }
}

function outOfRange(spec, n) {
  if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
    return `outside ${spec.min ?? '−∞'}–${spec.max ?? '∞'}`;
  }
  return null;
}

/**
 * `options` (a preset's) as `model` takes them: {kept: {name: value}, dropped: [{name, value,
 * reason: 'not_taken' | 'refused', why}]}, dropped in name order (as the server's).
 */
export function fitOptions(model, options) {
  const kept = {};
  const dropped = [];
  for (const name of Object.keys(options || {}).sort()) {
    const value = options[name];
    if (value === null || value === undefined) continue;
    const spec = model?.options?.[name];
    if (!spec) {
      dropped.push({ name, value, reason: 'not_taken', why: 'not taken' });
      continue;
    }
    const why = refusal(spec, value);
    if (why) dropped.push({ name, value, reason: 'refused', why });
    else kept[name] = value;
  }
  return { kept, dropped };
}

/** The prompt with a preset's suffix at its end (once: a prompt ending with it is left alone). */
export function withSuffix(prompt, suffix) {
  const s = (suffix || '').trim();
  const p = (prompt || '').trimEnd();
  if (!s || p.endsWith(s)) return prompt || '';
  if (!p) return s.replace(/^[,;.\s]+/, '');
  return /^[,;.:!?]/.test(s) ? `${p}${s}` : `${p}, ${s}`;
}
