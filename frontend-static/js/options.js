// Model options: one input per catalog option spec, and reading them back with the checks the
// server would make (so a wrong value is caught before sending).

import { h } from './dom.js';
import { humanize, formatEnumValue } from './format.js';

/** How an option is entered: an integer with a fixed set of values (a duration) is a choice. */
function inputType(spec) {
  return spec.type === 'integer' && Array.isArray(spec.values) ? 'enum' : spec.type;
}

/** One option input from its catalog spec. */
export function optionField(name, spec, savedValue, onInput) {
  const id = `opt-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const value = savedValue !== undefined ? savedValue : spec.default;
  const errorId = `${id}-error`;
  const common = { id, name, 'data-option': name, 'aria-describedby': errorId };
  let input;
  let hint = null;
  switch (inputType(spec)) {
    case 'enum': {
      input = h('select', common, (spec.values || []).map((v) => h('option', { value: String(v) }, name === 'duration' ? `${v} s` : formatEnumValue(v))));
      if (value !== undefined) input.value = String(value);
      break;
    }
    case 'integer':
    case 'number': {
      input = h('input', {
        ...common,
        type: 'number',
        inputmode: spec.type === 'integer' ? 'numeric' : 'decimal',
        step: spec.type === 'integer' ? '1' : 'any',
        min: spec.min,
        max: spec.max,
        placeholder: spec.default === undefined ? 'default' : null,
      });
      if (value !== undefined && value !== null) input.value = String(value);
      if (spec.min !== undefined || spec.max !== undefined) hint = `${spec.min ?? ''}–${spec.max ?? ''}`;
      break;
    }
    case 'boolean': {
      input = h('input', { ...common, type: 'checkbox' });
      input.checked = Boolean(value);
      input.addEventListener('change', onInput);
      return h(
        'div',
        { class: 'option option--check' },
        input,
        h('label', { for: id }, humanize(name)),
        h('p', { id: errorId, class: 'field__error', hidden: true }),
      );
    }
    default:
      input = h('input', { ...common, type: 'text', autocomplete: 'off' });
      if (value !== undefined && value !== null) input.value = String(value);
  }
  input.addEventListener('input', onInput);
  input.addEventListener('change', onInput);
  return h(
    'div',
    { class: 'option' },
    h('label', { for: id }, humanize(name), hint ? h('span', { class: 'option__range' }, ` (${hint})`) : null),
    input,
    h('p', { id: errorId, class: 'field__error', hidden: true }),
  );
}

/** Read the option inputs of `model` inside `container`: {values, errors: [{field, message, input}]}. */
export function readOptions(model, container) {
  const values = {};
  const errors = [];
  if (!model) return { values, errors };
  for (const [name, spec] of Object.entries(model.options || {})) {
    const input = container.querySelector(`[data-option="${CSS.escape(name)}"]`);
    if (!input) continue;
    const field = `options.${name}`;
    switch (inputType(spec)) {
      case 'boolean':
        values[name] = input.checked;
        break;
      case 'integer':
      case 'number': {
        if (input.value.trim() === '') {
          if (input.validity.badInput) errors.push({ field, message: 'Enter a number.', input });
          break; // empty → the server's default
        }
        const n = Number(input.value);
        if (!Number.isFinite(n) || (spec.type === 'integer' && !Number.isInteger(n))) {
          errors.push({ field, message: spec.type === 'integer' ? 'Enter a whole number.' : 'Enter a number.', input });
        } else if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
          errors.push({ field, message: `Enter a value from ${spec.min ?? '−∞'} to ${spec.max ?? '∞'}.`, input });
        } else values[name] = n;
        break;
      }
      case 'enum': {
        // Keep the catalog's value type (a number enum stays a number).
        const match = (spec.values || []).find((v) => String(v) === input.value);
        values[name] = match === undefined ? input.value : match;
        break;
      }
      default:
        if (input.value !== '') values[name] = input.value;
    }
  }
  return { values, errors };
}
