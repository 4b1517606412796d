// The model catalog (api.md, Model): which models do which kind of job, which one is
// preselected, and what a run will cost. No model id is written in this page: all comes from
// GET /api/models.

/** The kinds this page can start, in the order of the composer's modes. */
export const MODES = [
  { kind: 'image', label: 'Generate', action: 'Generate', title: 'Create an image' },
  { kind: 'edit', label: 'Edit', action: 'Edit', title: 'Edit an image' },
  { kind: 'restore', label: 'Restore', action: 'Restore', title: 'Restore a photo' },
  { kind: 'video', label: 'Video', action: 'Generate video', title: 'Make a video' },
];

/** The kinds a model offers (older catalogs had one `kind`). */
export function kindsOf(model) {
  if (Array.isArray(model?.kinds)) return model.kinds;
  return model?.kind ? [model.kind] : [];
}

export function modelsFor(models, kind) {
  return models.filter((m) => kindsOf(m).includes(kind));
}

/** The catalog's preselected model for a kind (`default_for`), else the first. */
export function defaultModel(list, kind) {
  return (
    list.find((m) => (m.default_for || []).includes(kind)) ||
    list.find((m) => m.default === true && kindsOf(m).includes(kind)) ||
    list[0] ||
    null
  );
}

/** Source images a model needs for a kind: [min, max]. Text → image needs none. */
export function sourceRange(model, kind) {
  if (kind === 'image' || kind === 'video') return [0, 0];
  const min = Number.isInteger(model?.min_source_images) ? model.min_source_images : 1;
  const max = Number.isInteger(model?.max_source_images) ? model.max_source_images : Math.max(1, min);
  return [Math.max(1, min), Math.max(1, min, max)];
}

/** Whether the model takes a prompt for this kind (restoration models do not). */
export function takesPrompt(kind) {
  return kind !== 'restore';
}

/** Price of one unit with these options: `by_option` replaces the base price when it matches. */
export function unitPrice(model, options = {}) {
  const price = model?.price;
  if (!price || typeof price.usd !== 'number') return null;
  for (const [name, table] of Object.entries(price.by_option || {})) {
    const value = options[name] ?? model.options?.[name]?.default;
    if (value !== undefined && Object.hasOwn(table, String(value))) return Number(table[String(value)]);
  }
  return price.usd;
}

/** How many units a run bills: outputs for per-image, seconds for per-second prices. */
export function units(model, options = {}) {
  const pick = (...names) => {
    for (const n of names) {
      const v = options[n] ?? model.options?.[n]?.default;
      if (Number.isFinite(Number(v)) && Number(v) > 0) return Number(v);
    }
    return 1;
  };
  if (model?.price?.per === 'second') return pick('duration', 'seconds');
  if (model?.price?.per === 'image') return pick('num_outputs', 'number_of_images', 'num_images');
  return 1;
}

/** The estimate shown before a run: unit price × outputs (or seconds). */
export function estimate(model, options = {}) {
  const unit = unitPrice(model, options);
  if (unit === null) return null;
  // Micro-dollars avoid 0.039 * 3 = 0.11699999999999999.
  return Math.round(unit * 1e6 * units(model, options)) / 1e6;
}

/**
 * A video model's frame inputs (api.md Model.frames): {start_frame?, end_frame?, references?},
 * each {min, max, requires, excludes, excludes_options, options}. Models without frames take none.
 */
export function frameInputs(model) {
  return model?.frames && typeof model.frames === 'object' ? model.frames : {};
}

/**
 * What the frame inputs in use (`roles`: e.g. ['references'] or ['start_frame', 'end_frame'])
 * do to the options: the values they pin (reference mode: 16:9 and 8 s; an end frame: 8 s),
 * and `null` for the options they refuse (reference mode: no negative prompt).
 */
export function pinnedOptions(model, roles) {
  const inputs = frameInputs(model);
  const out = {};
  for (const role of roles || []) {
    for (const name of inputs[role]?.excludes_options || []) out[name] = null;
    Object.assign(out, inputs[role]?.options || {});
  }
  return out;
}

/** A story's exact estimate: `frames` images at the model's unit price (its options' price). */
export function storyEstimate(model, frames, options = {}) {
  const unit = unitPrice(model, options);
  if (unit === null) return null;
  return (Math.round(unit * 1e6) * frames) / 1e6;
}
