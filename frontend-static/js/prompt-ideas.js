// "Vary" and "Enhance" in the composer: a language model proposes rewrites of the prompt, the
// user picks one into the prompt box. The proposals are untrusted text from a model: they are
// shown with textContent only (dom.js `h` never parses markup).

import { byId, h, show, replaceChildren, announce } from './dom.js';
import { formatUsd } from './format.js';

const POLL_MS = 1000;
const POLL_LIMIT = 60;

export class PromptIdeas {
  /**
   * @param {import('./api.js').Api} api
   * @param {{onSpend: () => void}} hooks onSpend: a rewrite was charged (or its reservation
   *   released): the top bar's spend refreshes
   */
  constructor(api, { onSpend }) {
    this.api = api;
    this.onSpend = onSpend;
    this.prompt = byId('prompt');
    this.list = byId('ideas');
    this.status = byId('ideas-status');
    this.vary = byId('vary');
    this.enhance = byId('enhance');
    this.vary.addEventListener('click', () => this.ask('vary'));
    this.enhance.addEventListener('click', () => this.ask('enhance'));
    this.busy = false;
  }

  async ask(mode) {
    const prompt = this.prompt.value.trim();
    if (!prompt) {
      this.#say('Write a prompt first: the ideas start from it.', true);
      this.prompt.focus();
      return;
    }
    if (this.busy) return;
    this.busy = true;
    this.vary.disabled = this.enhance.disabled = true;
    replaceChildren(this.list);
    show(this.list, false);
    this.#say(mode === 'vary' ? 'Writing variations…' : 'Enhancing the prompt…', false);
    try {
      let body = await this.api.rewritePrompt(mode, prompt);
      let job = body.job;
      let proposals = body.proposals;
      for (let i = 0; !proposals && i < POLL_LIMIT; i += 1) {
        if (['failed', 'canceled'].includes(job.status)) throw new Error(job.error?.message || 'The language model failed.');
        if (job.status === 'succeeded') {
          proposals = job.texts || [];
          break;
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
        job = (await this.api.job(job.id)).job;
      }
      if (!proposals) throw new Error('The language model is taking too long. Try again later.');
      this.#show(mode, proposals, job);
    } catch (err) {
      this.#say(err.message || 'The ideas could not be written.', true);
    } finally {
      this.busy = false;
      this.vary.disabled = this.enhance.disabled = false;
      this.onSpend();
    }
  }

  #show(mode, proposals, job) {
    if (!proposals.length) {
      this.#say('The language model had no idea this time.', true);
      return;
    }
    const items = proposals.map((text, i) =>
      h(
        'li',
        { class: 'ideas__item' },
        h('p', { class: 'ideas__text' }, text),
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn--ghost btn--small',
            'aria-label': `Use this: ${mode === 'vary' ? `variation ${i + 1}` : 'the enhanced prompt'}`,
            onclick: () => this.#pick(text),
          },
          'Use this',
        ),
      ),
    );
    replaceChildren(this.list, items);
    show(this.list, true);
    const what = mode === 'vary' ? `${proposals.length} variation${proposals.length === 1 ? '' : 's'}` : 'An enhanced prompt';
    const cost = job.cost_usd > 0 && job.cost_usd < 0.0001 ? 'under $0.0001' : formatUsd(job.cost_usd);
    this.#say(`${what} (cost ${cost}). Pick one to put it in the prompt box.`, false);
  }

  #pick(text) {
    this.prompt.value = text;
    this.prompt.dispatchEvent(new Event('input', { bubbles: true }));
    replaceChildren(this.list);
    show(this.list, false);
    this.#say('The prompt was replaced with your pick.', false);
    announce('Prompt replaced.');
    this.prompt.focus();
  }

  #say(text, isError) {
    this.status.textContent = text;
    this.status.classList.toggle('field__error', isError);
    show(this.status, Boolean(text));
  }
}
