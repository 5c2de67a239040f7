// web-phone.mjs: pages of the web UI on a phone (390 × 844) in headless Chromium: nothing
// scrolls sideways, and the queue's row still names every category and source. Started by
// test-web-phone.py with VIGIL_WEB (JSON: url, cookie, pages, the capture id, want) and VIGIL_PLAYWRIGHT (a
// path inside test/browser, whose node_modules hold playwright-core).
import { createRequire } from 'node:module';

const require = createRequire(process.env.VIGIL_PLAYWRIGHT);
const { chromium } = require('playwright-core');
const cfg = JSON.parse(process.env.VIGIL_WEB);

const browser = await chromium.launch({
	executablePath: '/usr/bin/chromium',
	headless: true,
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
	       '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = 0;
try {
	const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
	await ctx.addCookies([{ name: 'vigil_session', value: cfg.cookie, url: cfg.url }]);
	const page = await ctx.newPage();
	for (const p of cfg.pages) {
		const r = await page.goto(cfg.url + p);
		const width = await page.evaluate(() => document.documentElement.scrollWidth);
		const ok = r.status() === 200 && width <= 390;
		console.log(`${ok ? 'ok' : 'FAIL'} ${p}: status ${r.status()}, ${width} px wide`);
		if (!ok) failed++;
		if (cfg.shots) await page.screenshot({ path: `${cfg.shots}/${p.replace(/[^a-z0-9]+/gi, '-')}.png`, fullPage: true });
	}
	await page.goto(cfg.url + cfg.pages[0]);
	const row = page.locator('#queue tbody tr', { has: page.locator(`a.cap[href="/captures/${cfg.id}"]`) });
	const text = await row.innerText();
	for (const w of cfg.want) {
		const ok = text.includes(w) && await row.getByText(w, { exact: false }).first().isVisible();
		console.log(`${ok ? 'ok' : 'FAIL'} its row in the queue shows ${JSON.stringify(w)}`);
		if (!ok) failed++;
	}
	if (failed) console.log(text);
} finally {
	await browser.close();
}
process.exit(failed ? 1 : 0);
