// The first module the page runs: index.html loads it beside main.js, and its few small
// imports come long before main.js's graph has. It asks now for the configuration (config.js)
// and, for a returning user (a stored session), for fresh tokens (auth.js) and the code of the
// section the address names (sections.js), so none of them waits for main.js's modules.
// main.js takes the refresh from here. A first visit asks for no section yet: the sign-in page
// needs none, and main.js fetches it once that page is idle.

import { startRefresh } from './auth.js';
import { loadConfig } from './config.js';
import { router } from './router.js';
import { code } from './sections.js';

/** The refresh under way (auth.js `startRefresh`), or null when no session is stored. */
export const early = startRefresh();

loadConfig().catch(() => {}); // every visitor's first request; main.js reports a failure
if (early) code[router.view()]?.().catch(() => {}); // a failure is met again (and told) when it opens
