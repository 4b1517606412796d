// The page works under the security headers of infra/security-headers.json (the same file the
// CloudFront response headers policy is made from): signing in, generating in the studio, the
// result and the gallery's images loading from the page's own /media/*, the large view and a
// download, with no `securitypolicyviolation` event and no CSP message in the console.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BASE_URL, SKIP, REPO_ROOT, launchBrowser, watchPage, eventually, waitForLoadedImage, createUser, signIn } from './helpers.mjs';

describe('the page under the shared security headers', { skip: SKIP, timeout: 300_000 }, () => {
  let browser;
  let page;
  let problems;
  let firstResponse;

  before(async () => {
    const user = await createUser('csp');
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    // Every violation the page sees, from the first script on.
    await context.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`),
      );
    });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    problems = watchPage(page);
    page.once('response', (r) => (firstResponse = r));
    await signIn(page, user);
  });

  after(async () => {
    await browser?.close();
  });

  const violations = () => page.evaluate(() => window.__cspViolations);

  test('the page is served with the headers of infra/security-headers.json', async () => {
    const source = JSON.parse(await readFile(path.join(REPO_ROOT, 'infra', 'security-headers.json'), 'utf8'));
    const h = await firstResponse.allHeaders();
    const csp = h['content-security-policy'];
    for (const d of source.content_security_policy) {
      const fixed = d.replace(/ \{(cognito|uploads)\}/g, '');
      for (const part of fixed.split(' ')) assert.ok(csp.includes(part), `${part} in ${csp}`);
    }
    assert.match(csp, /img-src 'self' data: blob:;/);
    assert.match(csp, /media-src 'self' blob:;/);
    assert.equal(h['x-frame-options'], source.frame_options);
    assert.equal(h['x-content-type-options'], source.content_type_options);
    assert.equal(h['referrer-policy'], source.referrer_policy);
    assert.match(h['strict-transport-security'], new RegExp(`^max-age=${source.strict_transport_security.max_age_s}`));
  });

  test('studio, result, gallery, large view and download raise no CSP violation', async () => {
    const prompt = `A lantern on a pier ${Date.now()}`;
    await page.getByLabel('Prompt', { exact: true }).fill(prompt);
    await page.getByRole('button', { name: /Generate/ }).click();
    const card = page.locator('#jobs > li').filter({ has: page.locator('.job__prompt', { hasText: prompt }) });
    assert.ok((await waitForLoadedImage(card, 60_000)) > 0, 'the result image loads');
    const src = await card.locator('img').first().getAttribute('src');
    assert.ok(new URL(src, BASE_URL).href.startsWith(`${BASE_URL}/media/users/`), `the image comes from the page's own /media: ${src}`);

    await page.locator('#app-nav').getByRole('button', { name: 'Gallery', exact: true }).click();
    const tile = page.locator('#gallery-grid > li').first();
    assert.ok((await waitForLoadedImage(tile, 20_000)) > 0, 'the gallery tile loads');
    await tile.locator('.tile__open').click();
    const dialog = page.locator('#asset-dialog');
    await page.locator('#asset-dialog-body:not([aria-busy])').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('link', { name: 'Download' }).click()]);
    assert.match(download.suggestedFilename(), /^a-lantern-on-a-pier-/);

    await eventually(async () => assert.deepEqual(await violations(), []), { timeout: 1_000 });
    assert.deepEqual(await violations(), []);
    assert.deepEqual(problems, []);
  });
});
