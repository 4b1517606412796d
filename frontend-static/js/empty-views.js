// Empty views say what to do next: the studio before the first job, an empty gallery and the
// boards list without a board each offer the next step and a few example prompts. An example
// opens the studio with its text in the prompt box (nothing starts until Generate: it costs).

import { h, byId } from './dom.js';

export const EXAMPLE_PROMPTS = [
  'A lighthouse on a cliff at dawn, volumetric fog, 35 mm photo',
  'A cozy reading nook with a sleeping cat, warm afternoon light, watercolor',
  'A tiny robot gardener tending bonsai trees, isometric 3D render',
];

let toStudio = async (_focus) => {};

/** The block of next steps for `where` (studio, gallery, boards). */
export function nextSteps(where) {
  const examples = h(
    'ul',
    { class: 'empty-next__examples', 'aria-label': 'Example prompts' },
    EXAMPLE_PROMPTS.map((text) =>
      h('li', {}, h('button', { type: 'button', class: 'btn btn--ghost btn--small empty-next__example', onclick: () => useExample(text) }, h('span', { class: 'visually-hidden' }, 'Put in the prompt: '), text)),
    ),
  );
  const lead = {
    studio: 'Or start from an example:',
    gallery: 'Your pictures gather here. Make one in the studio, or start from an example:',
    boards: 'Name a board above and press Create board, then add pictures from your gallery or an upload. Nothing to add yet? Start from an example:',
  }[where];
  return h(
    'div',
    { class: 'empty-next', dataset: { emptyNext: where } },
    h('p', { class: 'empty-next__lead' }, lead),
    examples,
    where === 'gallery' ? h('button', { type: 'button', class: 'btn btn--primary btn--small', onclick: () => toStudio(true) }, 'Open the studio') : null,
  );
}

async function useExample(text) {
  await toStudio(false);
  const box = byId('prompt');
  box.value = text;
  box.dispatchEvent(new Event('input', { bubbles: true }));
  box.focus();
}

/** Wires the examples to the studio and puts the blocks after the studio's and gallery's empty notes. */
export function emptyViews(hooks) {
  toStudio = hooks.toStudio;
  // Shown only while the note before it is (daily.css: `[hidden] + .empty-next`).
  for (const [id, where] of [['jobs-empty', 'studio'], ['gallery-empty', 'gallery']]) byId(id).after(nextSteps(where));
}
