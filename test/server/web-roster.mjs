// web-roster.mjs: the roster in headless Chromium: an admin chooses the MIS export in the
// upload form (the page's script reads the file into the form) and sees the result; a
// headteacher sees names, year and registration groups and flags in the queue, on the
// capture page and on the timeline; a moderator without the flags sees the names but no
// flag. Started by test-web-roster.py with VIGIL_WEB (JSON: url, cookies, csv, map, ids)
// and VIGIL_PLAYWRIGHT (a path inside test/browser, whose node_modules hold playwright-core).
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
function ok(cond, what) {
	console.log(`${cond ? 'ok' : 'FAIL'} ${what}`);
	if (!cond) failed++;
}
async function as(who) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
	await ctx.addCookies([{ name: 'vigil_session', value: cfg.cookies[who], url: cfg.url }]);
	return ctx.newPage();
}
async function shot(page, name) {
	if (cfg.shots) await page.screenshot({ path: `${cfg.shots}/${name}.png`, fullPage: true });
}
try {
	// The admin's upload: a file chosen in the form.
	const admin = await as('admin');
	await admin.goto(cfg.url + '/admin/roster');
	await admin.setInputFiles('#roster-file', cfg.csv);
	await admin.waitForFunction(() => document.getElementById('roster-csv').value.length > 0);
	await admin.fill('input[name=map]', cfg.map);
	await Promise.all([admin.waitForNavigation(), admin.click('#roster-form button[type=submit]')]);
	const result = await admin.locator('#roster-result').innerText();
	ok(result.includes('3 added, 0 updated, 0 left'), `upload result: ${result}`);
	ok((await admin.locator('#roster-count').innerText()).includes('3 current pupils'), 'roster listed');
	await shot(admin, 'admin-roster');

	for (const who of ['head', 'mod']) {
		const flags = who === 'head';
		const page = await as(who);
		await page.goto(cfg.url + '/captures');
		const row = page.locator('#queue tbody tr', { has: page.locator(`a.cap[href="/captures/${cfg.ids.cla}"]`) });
		const user = row.locator('td.user');
		ok(await user.getByText('Riya Patel').isVisible(), `${who}: the queue names the pupil`);
		ok((await user.innerText()).includes('Year 9') && (await user.innerText()).includes('9B'),
		   `${who}: year and registration group in the queue`);
		ok((await user.locator('.flag').count()) === (flags ? 2 : 0), `${who}: flags in the queue: ${flags}`);
		ok((await page.locator('select[name=flag]').count()) === (flags ? 1 : 0), `${who}: flag filter offered: ${flags}`);
		await shot(page, `${who}-queue`);
		// The year filter from the form.
		await page.fill('input[name=year]', 'Year 7');
		await Promise.all([page.waitForNavigation(), page.click('form.filters[method=get] button[type=submit]')]);
		const rows = await page.locator('#queue tbody tr').count();
		ok(rows === 1 && (await page.locator('#queue').innerText()).includes('Johnny Smith'),
		   `${who}: year filter leaves Year 7's one capture (${rows} rows)`);
		await page.goto(cfg.url + '/captures/' + cfg.ids.cla);
		const u = await page.locator('#user').innerText();
		ok(u.includes('Riya Patel') && u.includes('Year 9'), `${who}: capture page: ${u}`);
		ok((await page.locator('#user .flag').count()) === (flags ? 2 : 0), `${who}: flags on the capture page: ${flags}`);
		await shot(page, `${who}-capture`);
		await page.locator('#user a.pupil').click();
		await page.waitForSelector('#pupil-name');
		ok((await page.locator('#pupil-name').innerText()) === 'Riya Patel', `${who}: timeline heading`);
		const d = await page.locator('#pupil-details').innerText();
		ok(d.includes('Year 9') && d.includes('9B') && d.includes('CLA') === flags, `${who}: timeline details: ${d}`);
		await shot(page, `${who}-timeline`);
	}
} finally {
	await browser.close();
}
process.exit(failed ? 1 : 0);
