// The lightbox and single-key triage against the real local stack in headless Chromium: a
// gallery tile, a job card's image, a comparison's image and a story frame all open the same
// dialog (never a new tab); ←/→ walk the list it came from, past the gallery's first page; Esc
// gives the focus back to the tile; `s` saves (kept over a reload), Delete goes to the trash with
// an Undo, `c` copies the exact prompt, `e` edits, `?` shows every shortcut; no key fires while
// typing in the search box; axe-core clean for the lightbox and the shortcut sheet, both themes.
// The address names the picture shown (`&asset=<id>`): a reload or a copied link opens it again.
//
// scripts/test.sh starts the stack and sets BASE_URL; by hand:
//   make dev PORT=3300 &  cd tests/browser && BASE_URL=http://127.0.0.1:3300 node --test lightbox.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, SKIP, launchBrowser, watchPage, eventually, createUser, signIn, apiAs, axeBothThemes, screenshot, horizontalOverflow,
} from './helpers.mjs';

describe('the lightbox and single-key triage on the local stack', { skip: SKIP, timeout: 400_000 }, () => {
  let browser;
  let context;
  let page;
  let problems;
  let user;
  let api;
  const stamp = Date.now();
  const stories = [];
  let setId;
  let original; // the job of the picture with the exact prompt
  let editJob; // an edit with a model that is not the default
  const exact = `A lighthouse "at dusk" ${stamp} — with  two spaces & <b>markup</b>`;

  before(async () => {
    user = await createUser('lightbox');
    api = await apiAs(user);
    // 4 stories of 8 frames: 32 pictures (the gallery's page is 30) from 4 job starts; one
    // picture with a prompt that must be copied exactly; a comparison of two models.
    for (let i = 0; i < 4; i++) {
      const r = await api('POST', '/stories', { prompt: `a fox walks through the seasons ${i} ${stamp}`, frames: 8 });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      stories.push(r.body.story.id);
    }
    const models = (await api('GET', '/models')).body.models.filter((m) => (m.kinds || []).includes('image')).map((m) => m.id);
    const gen = await api('POST', '/images/generate', { model: models[0], prompt: exact });
    assert.equal(gen.status, 202, JSON.stringify(gen.body));
    const set = await api('POST', '/sets', { prompt: `two models, one owl ${stamp}`, models: models.slice(0, 2) });
    assert.equal(set.status, 202, JSON.stringify(set.body));
    setId = set.body.set.id;
    await eventually(async () => {
      for (const id of stories) assert.equal((await api('GET', `/stories/${id}`)).body.story.status, 'succeeded');
      assert.equal((await api('GET', `/jobs/${gen.body.job.id}`)).body.job.status, 'succeeded');
      assert.equal((await api('GET', `/sets/${setId}`)).body.set.status, 'finished');
    }, { timeout: 120_000, interval: 1000 });
    original = (await api('GET', `/jobs/${gen.body.job.id}`)).body.job;
    // An edit with a model that is not the default: the "last edit model" Vary picks.
    const frame = (await api('GET', `/stories/${stories[0]}`)).body.frames[0].asset.id;
    const edit = await api('POST', '/images/edit', { model: 'seededit-3', prompt: `add a red hat ${stamp}`, source_asset_ids: [frame] });
    assert.equal(edit.status, 202, JSON.stringify(edit.body));
    editJob = await eventually(async () => {
      const { job } = (await api('GET', `/jobs/${edit.body.job.id}`)).body;
      assert.equal(job.status, 'succeeded');
      return job;
    }, { timeout: 60_000 });

    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(BASE_URL).origin });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    problems = watchPage(page);
    await signIn(page, user);
    tiles = page.locator('#gallery-grid > li');
    dialog = page.locator('#asset-dialog');
  });

  after(async () => {
    await browser?.close();
  });

  const nav = (name) => page.locator('#app-nav').getByRole('button', { name, exact: true });
  let tiles;
  let dialog;
  const shown = () => page.locator('#asset-dialog-body').getAttribute('data-asset-id');
  const loaded = () => page.locator('#asset-dialog[open] #asset-dialog-body:not([aria-busy])').waitFor();
  const focusedAsset = () => page.evaluate(() => document.activeElement?.closest('[data-asset-id]')?.dataset.assetId || null);
  const saveButton = () => dialog.locator('button[data-action="save"]');
  const tileIds = () => tiles.evaluateAll((els) => els.map((e) => e.dataset.assetId));

  async function openGallery() {
    await nav('Gallery').click();
    await eventually(async () => assert.equal(await tiles.count(), 30));
  }

  test('a gallery tile opens the lightbox; → shows the next tile, Esc gives the focus back to its tile', async () => {
    await openGallery();
    const ids = await tileIds();
    await tiles.nth(0).locator('.tile__open').click();
    await loaded();
    assert.equal(await shown(), ids[0]);
    assert.equal(await page.locator('#asset-dialog .lightbox__position').innerText(), 'Picture 1 of 30+');
    await page.keyboard.press('ArrowRight');
    await eventually(async () => assert.equal(await shown(), ids[1]));
    await loaded();
    const second = (await api('GET', `/assets/${ids[1]}`)).body.asset;
    assert.ok((await dialog.innerText()).includes(`Prompt\n${second.prompt}\n`), 'the dialog shows its prompt');
    await page.keyboard.press('ArrowLeft');
    await eventually(async () => assert.equal(await shown(), ids[0]));
    await page.keyboard.press('Escape');
    await eventually(async () => assert.equal(await dialog.isVisible(), false));
    assert.equal(await focusedAsset(), ids[0], 'the focus is back on the tile it came from');

    // Walked on to the next picture, Esc leaves the focus on the tile of the picture shown.
    await tiles.nth(0).locator('.tile__open').press('Enter');
    await loaded();
    await page.keyboard.press('ArrowRight');
    await eventually(async () => assert.equal(await shown(), ids[1]));
    await page.keyboard.press('Escape');
    await eventually(async () => assert.equal(await focusedAsset(), ids[1]));
    assert.equal(context.pages().length, 1, 'no new tab');

    // On a touch screen, a swipe to the left on the picture is →.
    await tiles.nth(0).locator('.tile__open').click();
    await loaded();
    await page.locator('#asset-dialog .asset-dialog__img').evaluate((img) => {
      const at = (type, x) => img.dispatchEvent(new PointerEvent(type, { pointerType: 'touch', clientX: x, clientY: 200, bubbles: true }));
      at('pointerdown', 400);
      at('pointerup', 250);
    });
    await eventually(async () => assert.equal(await shown(), ids[1]));
    await page.keyboard.press('Escape');
  });

  test('→ past the last tile of the first page loads the next page and shows its first picture', async () => {
    const ids = await tileIds();
    await tiles.nth(29).locator('.tile__open').click();
    await loaded();
    assert.equal(await shown(), ids[29]);
    await page.keyboard.press('ArrowRight');
    await eventually(async () => assert.ok((await tiles.count()) > 30, 'the next page came'), { timeout: 15_000 });
    const all = await tileIds();
    await eventually(async () => assert.equal(await shown(), all[30]));
    await loaded();
    assert.match(await page.locator('#asset-dialog .lightbox__position').innerText(), /^Picture 31 of 3\d$/);
    await page.keyboard.press('Escape');
    await eventually(async () => assert.equal(await focusedAsset(), all[30]));
  });

  test('the address names the picture shown: a reload opens it again in its list, Esc takes it out', async () => {
    const ids = await tileIds();
    const named = () => new URL(page.url()).searchParams.get('asset');
    await tiles.nth(3).locator('.tile__open').click();
    await loaded();
    assert.equal(named(), ids[3]);
    await page.keyboard.press('ArrowRight');
    await eventually(async () => assert.equal(await shown(), ids[4]));
    assert.equal(named(), ids[4], 'a step moves the address with it');
    assert.equal(new URL(page.url()).searchParams.get('view'), 'gallery');
    await page.reload();
    await loaded();
    assert.equal(await shown(), ids[4]);
    assert.equal(await page.locator('#asset-dialog .lightbox__position').innerText(), 'Picture 5 of 30+', 'reopened in the gallery');
    await page.keyboard.press('ArrowRight');
    await eventually(async () => assert.equal(await shown(), ids[5]));
    await page.keyboard.press('Escape');
    await eventually(async () => assert.equal(await dialog.isVisible(), false));
    await eventually(async () => assert.equal(named(), null, 'closed, the address names no picture'));
    await eventually(async () => assert.equal(await focusedAsset(), ids[5]), { timeout: 5000 });
    // Back and Forward: the studio, then the gallery with no picture open.
    await nav('Studio').click();
    await page.locator('#studio-view:not([hidden])').waitFor();
    await page.goBack();
    await page.locator('#gallery-view:not([hidden])').waitFor();
    assert.equal(await dialog.isVisible(), false);

    // A copied address of a picture past the first page: it opens on its own.
    const further = (await api('GET', '/assets?limit=40')).body.assets[35].id;
    assert.ok(!(await tileIds()).includes(further));
    await page.goto(new URL(`/?view=gallery&asset=${further}`, BASE_URL).href);
    await loaded();
    assert.equal(await shown(), further);
    await page.keyboard.press('Escape');
    await eventually(async () => assert.equal(named(), null));
    // A picture that is not there (deleted, or another user's): no lightbox, and the address
    // forgets it.
    await page.goto(new URL(`/?view=gallery&asset=01JZZZZZZZZZZZZZZZZZZZZZZZ`, BASE_URL).href);
    await eventually(async () => assert.equal(await tiles.count(), 30));
    await eventually(async () => assert.equal(named(), null));
    assert.equal(await dialog.isVisible(), false);
  });

  test('s flips the Save button’s aria-pressed, and a reload keeps it', async () => {
    await tiles.nth(2).locator('.tile__open').click();
    await loaded();
    const id = await shown();
    assert.equal(await saveButton().getAttribute('aria-pressed'), 'false');
    await page.keyboard.press('s');
    await eventually(async () => assert.equal(await saveButton().getAttribute('aria-pressed'), 'true'));
    assert.equal((await api('GET', `/assets/${id}`)).body.asset.saved, true);
    await page.reload();
    await page.locator('#gallery-view:not([hidden])').waitFor();
    const tile = page.locator(`#gallery-grid > li[data-asset-id="${id}"]`);
    await tile.waitFor();
    assert.equal(await tile.getAttribute('data-saved'), 'true');
    // The reload opened the picture again (the address names it), still saved.
    await loaded();
    assert.equal(await shown(), id);
    assert.equal(await saveButton().getAttribute('aria-pressed'), 'true');
    // And back.
    await page.keyboard.press('s');
    await eventually(async () => assert.equal(await saveButton().getAttribute('aria-pressed'), 'false'));
    assert.equal((await api('GET', `/assets/${id}`)).body.asset.saved, false);
    await page.keyboard.press('Escape');
  });

  test('? opens the sheet of every shortcut; axe is clean on the lightbox and the sheet in both themes', async () => {
    await tiles.nth(0).locator('.tile__open').click();
    await loaded();
    await screenshot(page, 'lightbox.png');
    const lightboxAxe = await axeBothThemes(page, 'lightbox');
    assert.deepEqual(lightboxAxe, { dark: [], light: [] }, JSON.stringify(lightboxAxe, null, 1));
    // On a phone it fits the width: nothing scrolls sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(200);
    assert.equal(await dialog.evaluate((d) => d.scrollWidth - d.clientWidth), 0, 'the dialog scrolls sideways');
    assert.equal(await horizontalOverflow(page), 0);
    await screenshot(page, 'lightbox-phone.png');
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.keyboard.press('?');
    const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await sheet.waitFor();
    for (const key of ['←', '→', 's', 'Delete', 'c', 'e', 'r', '?', 'Esc']) {
      assert.equal(await sheet.locator('kbd', { hasText: new RegExp(`^${key.replace('?', '\\?')}$`) }).count(), 1, key);
    }
    const sheetAxe = await axeBothThemes(page, 'shortcuts');
    assert.deepEqual(sheetAxe, { dark: [], light: [] }, JSON.stringify(sheetAxe, null, 1));
    // The address names the open sheet: a reload (or the link) opens it again, above the picture.
    assert.equal(new URL(page.url()).searchParams.get('keys'), '1');
    await page.reload();
    await sheet.waitFor();
    assert.equal(await dialog.isVisible(), true, 'the picture under the sheet came back too');
    await page.keyboard.press('Escape');
    await eventually(async () => assert.equal(await sheet.isVisible(), false));
    assert.equal(await dialog.isVisible(), true, 'Esc closed only the sheet');
    // The sheet leaves the address on its `close` event, a task after Esc.
    await eventually(async () => assert.equal(new URL(page.url()).searchParams.get('keys'), null, 'the closed sheet left the address'));
    await page.keyboard.press('Escape');
    await eventually(async () => assert.equal(await dialog.isVisible(), false));
    // On a focused tile of the gallery, too.
    await tiles.nth(0).locator('.tile__open').focus();
    await page.keyboard.press('?');
    await sheet.waitFor();
    await page.keyboard.press('Escape');
    await eventually(async () => assert.equal(await focusedAsset(), await tiles.nth(0).getAttribute('data-asset-id')));
  });

  test('on a focused tile: s saves, c copies the exact prompt, Delete trashes with an Undo; never while typing in the search box', async () => {
    const box = page.locator('#gallery-filters').getByLabel('Search prompts', { exact: true });
    const first = await tiles.nth(0).getAttribute('data-asset-id');
    await box.focus();
    await page.keyboard.type('s?c');
    await page.keyboard.press('Delete');
    assert.equal(await box.inputValue(), 's?c');
    assert.equal(await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).isVisible(), false);
    assert.equal(await dialog.isVisible(), false);
    assert.equal((await api('GET', `/assets/${first}`)).body.asset.saved, false, 's in the search box saved nothing');
    await box.fill('');
    await box.press('Enter');
    await eventually(async () => assert.equal(await tiles.nth(0).getAttribute('data-asset-id'), first));

    // The picture with the tricky prompt is the newest of its kind: find it by its prompt.
    const target = (await api('GET', '/assets?limit=100')).body.assets.find((a) => a.prompt === exact);
    const tile = () => page.locator(`#gallery-grid > li[data-asset-id="${target.id}"]`);
    await tile().locator('.tile__open').focus();
    await page.keyboard.press('s');
    await eventually(async () => assert.equal(await tile().getAttribute('data-saved'), 'true'));
    assert.equal(await focusedAsset(), target.id, 'the focus stays on the tile');
    assert.equal((await api('GET', `/assets/${target.id}`)).body.asset.saved, true);
    await page.keyboard.press('c');
    await eventually(async () => assert.equal(await page.evaluate(() => navigator.clipboard.readText()), exact));

    const ids = await tileIds();
    const after = ids[ids.indexOf(target.id) + 1];
    await page.keyboard.press('Delete');
    await eventually(async () => assert.equal(await tile().count(), 0));
    assert.equal(await focusedAsset(), after, 'the focus moves on to the next tile');
    assert.match(await page.locator('#undo-toast').innerText(), /Picture moved to the trash\./);
    assert.equal((await api('GET', `/assets/${target.id}`)).status, 404);
    await page.locator('#undo-button').click();
    await tile().waitFor();
    assert.equal((await api('GET', `/assets/${target.id}`)).status, 200);
  });

  test('Delete in the lightbox shows the next picture with an Undo; e opens the picture in the studio’s editor', async () => {
    const ids = await tileIds();
    await tiles.nth(3).locator('.tile__open').click();
    await loaded();
    await page.keyboard.press('Delete');
    await eventually(async () => assert.equal(await shown(), ids[4]));
    assert.equal((await api('GET', `/assets/${ids[3]}`)).status, 404);
    await dialog.getByRole('button', { name: 'Undo' }).click();
    await eventually(async () => assert.equal(await shown(), ids[3]));
    assert.equal((await api('GET', `/assets/${ids[3]}`)).status, 200);
    await loaded();
    await page.keyboard.press('e');
    await page.getByRole('heading', { name: 'Edit an image' }).waitFor();
    await page.locator('#stage:not([hidden])').waitFor();
    assert.equal(await dialog.isVisible(), false);
  });

  test('Vary opens an edit of the picture with the edit model used last', async () => {
    await openGallery();
    const id = await tiles.nth(5).getAttribute('data-asset-id');
    await tiles.nth(5).locator('.tile__open').click();
    await loaded();
    await dialog.getByRole('button', { name: 'Vary', exact: true }).click();
    await page.getByRole('heading', { name: 'Edit an image' }).waitFor();
    assert.equal(await dialog.isVisible(), false);
    await eventually(async () => assert.equal(await page.locator('#model-list input:checked').getAttribute('value'), 'seededit-3'));
    await eventually(async () => assert.ok((await page.locator('#stage .stage__image').getAttribute('src')).includes(`/${id}.`), 'the stage shows the picture'));
  });

  test('Rerun, from a card and with r in the lightbox, queues the same model, prompt and options, and the composer is unchanged', async () => {
    await nav('Studio').click();
    await page.locator('label[for="mode-image"]').click();
    const composer = async () => ({
      prompt: await page.getByLabel('Prompt', { exact: true }).inputValue(),
      model: await page.locator('#model-list input:checked').getAttribute('value'),
      mode: await page.locator('#mode-list input:checked').getAttribute('value'),
    });
    await page.getByLabel('Prompt', { exact: true }).fill(`a draft that stays ${stamp}`);
    const before = await composer();
    const card = page.locator('#jobs > li').filter({ has: page.locator('.job__prompt', { hasText: exact }) });
    const newest = () => eventually(async () => {
      const r = await api('GET', '/jobs?limit=1');
      assert.equal(r.status, 200);
      return r.body.jobs[0];
    });
    // The job `click` queued: the newest one, once it is not the newest from before.
    const queuedBy = async (click) => {
      const prior = await newest();
      await click();
      return eventually(async () => {
        const j = await newest();
        assert.notEqual(j.id, prior.id);
        return j;
      });
    };
    const again = await queuedBy(() => card.first().getByRole('button', { name: /^Rerun/ }).click());
    assert.deepEqual([again.kind, again.model, again.prompt, again.options], [original.kind, original.model, original.prompt, original.options]);
    const top = page.locator('#jobs > li').first();
    await eventually(async () => assert.equal(await top.getAttribute('data-job-id'), again.id, 'the new card is on top'));
    assert.ok(['queued', 'running', 'succeeded'].includes(await top.getAttribute('data-status')));
    assert.equal(await top.locator('.job__prompt').textContent(), exact);
    assert.deepEqual(await composer(), before, 'the composer is unchanged');

    // r in the lightbox, opened on that picture.
    await card.last().scrollIntoViewIfNeeded(); // its picture loads when it comes into view
    await card.last().locator('.job__open').click();
    await loaded();
    const third = await queuedBy(() => page.keyboard.press('r'));
    await eventually(async () => assert.equal(await page.locator('#asset-dialog .lightbox__position').innerText(), 'Rerun queued: it is on top of your jobs in the studio.'));
    assert.deepEqual([third.model, third.prompt, third.options], [original.model, original.prompt, original.options]);
    await page.keyboard.press('Escape');
    await eventually(async () => assert.equal(await top.getAttribute('data-job-id'), third.id));
    assert.deepEqual(await composer(), before, 'the composer is unchanged');
    await eventually(async () => assert.equal(await page.locator('#jobs > li').first().getAttribute('data-status'), 'succeeded'), { timeout: 60_000 });

    // The stage: the edit's result as the current step; its Rerun queues the same edit again.
    const editCard = page.locator('#jobs > li').filter({ has: page.locator('.job__prompt', { hasText: editJob.prompt }) }).first();
    await editCard.getByRole('button', { name: /^Edit this/ }).click();
    await page.locator('#stage:not([hidden])').waitFor();
    await page.getByRole('heading', { name: 'Edit an image' }).waitFor(); // the composer switched to Edit
    const onStage = await composer();
    const fourth = await queuedBy(() => page.locator('#stage').getByRole('button', { name: 'Rerun', exact: true }).click());
    assert.deepEqual(
      [fourth.kind, fourth.model, fourth.prompt, fourth.options, fourth.source_asset_ids],
      [editJob.kind, editJob.model, editJob.prompt, editJob.options, editJob.source_asset_ids],
    );
    await eventually(async () => assert.equal(await top.getAttribute('data-job-id'), fourth.id));
    assert.deepEqual(await composer(), onStage, 'the composer is unchanged');
    await page.getByLabel('Prompt', { exact: true }).fill('');
  });

  test('a job card’s image, a comparison’s image and a story frame open the same lightbox and walk their own list', async () => {
    if (await dialog.isVisible()) await page.keyboard.press('Escape');
    await nav('Studio').click();
    // The newest cards have their pictures in.
    const images = page.locator('#jobs .job__open');
    await eventually(async () => assert.equal(await page.locator('#jobs > li:nth-child(-n+3) .job__open').count(), 3), { timeout: 60_000 });
    const first = await images.nth(0).getAttribute('data-open-id');
    const second = await images.nth(1).getAttribute('data-open-id');
    await images.nth(0).click();
    await loaded();
    assert.equal(await shown(), first);
    await page.keyboard.press('ArrowRight');
    await eventually(async () => assert.equal(await shown(), second));
    await page.keyboard.press('Escape');
    await eventually(async () => assert.equal(await page.evaluate(() => document.activeElement?.dataset.openId), second));

    await page.goto(`${BASE_URL}/?compare=${setId}`);
    const pics = page.locator('#compare-results .comparev__open');
    await eventually(async () => assert.equal(await pics.count(), 2));
    const setIds = await pics.evaluateAll((els) => els.map((e) => e.dataset.openId));
    await pics.nth(0).click();
    await loaded();
    assert.equal(await shown(), setIds[0]);
    await page.keyboard.press('ArrowRight');
    await eventually(async () => assert.equal(await shown(), setIds[1]));
    await loaded();
    await page.keyboard.press('ArrowRight');
    await eventually(async () => assert.equal(await page.locator('#asset-dialog .lightbox__position').innerText(), 'This is the last picture.'));
    assert.equal(await shown(), setIds[1]);
    await page.keyboard.press('Escape');

    await page.goto(`${BASE_URL}/?story=${stories[0]}`);
    const frames = page.locator('#story-strip .storyv__open');
    await eventually(async () => assert.equal(await frames.count(), 8));
    const frameIds = await frames.evaluateAll((els) => els.map((e) => e.dataset.openId));
    await frames.nth(6).click();
    await loaded();
    await page.keyboard.press('ArrowRight');
    await eventually(async () => assert.equal(await shown(), frameIds[7]));
    assert.equal(await page.locator('#asset-dialog .lightbox__position').innerText(), 'Picture 8 of 8');
    await page.keyboard.press('s');
    await eventually(async () => assert.equal(await saveButton().getAttribute('aria-pressed'), 'true'));
    await page.keyboard.press('Escape');
    await eventually(async () => assert.equal(await page.evaluate(() => document.activeElement?.dataset.openId), frameIds[7]));
    assert.equal(context.pages().length, 1, 'no new tab');
    assert.deepEqual(problems, []);
  });
});
