// common.mjs: what the browser tests share: their check, the system's Chromium started
// headless through playwright-core, and how a run ends ("FAIL message" and exit 1 on the
// first failed check, the browser closed either way).
import { chromium } from 'playwright-core';

export function check(cond, msg) {
	if (!cond) throw new Error(msg);
}

// playwright-core gives the browser a new empty --user-data-dir of its own (and refuses
// one in args), removed when the browser closes.
export function launch() {
	return chromium.launch({
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		       '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
}

// Runs the checks in body, then closes browser and exits: 0, or 1 after the first failure.
export async function run(browser, body) {
	let failed = false;
	try {
		await body();
	} catch (e) {
		console.log('FAIL ' + e.message);
		failed = true;
	} finally {
		await browser.close();
	}
	process.exit(failed ? 1 : 0);
}
