// queue.mjs: the moderation queue in headless Chromium (the system's browser) through
// playwright-core, at a desk (1366 x 768) and on a phone (390 x 844, touch). Started by
// test-queue-browser.py, which runs the server and passes the setup in VIGIL_WEB (JSON).
// Prints "ok NAME" per check; exit 1 on the first failure.
import { check, launch, run } from './common.mjs';
import path from 'node:path';

const cfg = JSON.parse(process.env.VIGIL_WEB);
const base = cfg.url;

const same = (a, b) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

const browser = await launch();

async function signIn(options) {
	const ctx = await browser.newContext(options);
	const page = await ctx.newPage();
	await page.goto(base + '/login');
	await page.fill('input[name=login]', 'mod');
	await page.fill('input[name=password]', cfg.password);
	await Promise.all([page.waitForNavigation(), page.press('input[name=password]', 'Enter')]);
	return { ctx, page };
}

// The capture ids of the queue's rows (every page of them).
async function rowIds(page) {
	const ids = [];
	for (;;) {
		ids.push(...await page.locator('#queue tbody a.cap').evaluateAll(
			as => as.map(a => a.getAttribute('href').replace('/captures/', ''))));
		const next = page.locator('#count a[rel=next]');
		if (await next.count() === 0) return ids;
		await Promise.all([page.waitForNavigation(), next.click()]);
	}
}

async function submitFilters(page) {
	await Promise.all([page.waitForNavigation(), page.click('form.filters button[type=submit]')]);
}

async function shot(page, name, fullPage = true) {
	if (cfg.shots) await page.screenshot({ path: path.join(cfg.shots, name), fullPage });
}

await run(browser, async () => {
	// ---- at a desk -------------------------------------------------------------------
	const desk = await signIn({ viewport: { width: 1366, height: 768 } });
	let page = desk.page;
	check(page.url().endsWith('/captures'), 'lands on the queue: ' + page.url());
	const schools = await page.locator('select[name=school] option').allInnerTexts();
	check(same(schools, ['any', ...cfg.schools]), 'the schools to choose from: ' + schools);
	const cats = await page.locator('select[name=category] option').allInnerTexts();
	check(same(cats, ['any', ...cfg.categories]), 'the categories to choose from: ' + cats);
	check(await page.locator('p.keys').isVisible(), 'keyboard hints at a desk');
	await shot(page, 'queue-desk.png', false);
	// The time column stays on one line.
	const wraps = await page.locator('#queue td.time').evaluateAll(tds => tds.filter(td => {
		const lh = parseFloat(getComputedStyle(td).lineHeight) || 20;
		const range = document.createRange();
		range.selectNodeContents(td);
		return range.getClientRects().length > 1 || range.getBoundingClientRect().height > lh * 1.5;
	}).length);
	check(wraps === 0, `the time wraps in ${wraps} rows`);
	console.log('ok desk: choices, hints, the time on one line');

	// Category and school chosen; the pupil typed in another case; severity at least.
	await page.selectOption('select[name=category]', 'self-harm');
	await page.selectOption('select[name=school]', 'Oakridge Primary');
	await page.selectOption('select[name=status]', 'all');
	await submitFilters(page);
	check(same(await rowIds(page), cfg.self_harm_oak), 'category and school filter');
	check(await page.locator('select[name=category]').inputValue() === 'self-harm', 'category kept');
	console.log('ok category and school chosen');

	await page.goto(base + '/captures?status=all&category=SELF-HARM&school=oakridge%20primary');
	check(same(await rowIds(page), cfg.self_harm_oak), 'typed in another case, from an address');
	const count = await page.locator('#count').innerText();
	check(count.startsWith(`${cfg.self_harm_oak.length} captures match.`), 'the count: ' + count);
	console.log('ok filters from an address ignore case');

	await page.goto(base + '/captures?status=all');
	await page.fill('input[name=user]', 'JSM');
	await submitFilters(page);
	check(same(await rowIds(page), cfg.pupil_jsm), 'a pupil by part of the login, any case');
	console.log('ok pupil');

	await page.goto(base + '/captures?status=all');
	await page.selectOption('select[name=severity]', '4');
	await page.selectOption('select[name=school]', 'Oakridge Primary');
	await submitFilters(page);
	check(same(await rowIds(page), cfg.sev4_oak), 'severity 4 means 4 and 5');
	console.log('ok severity at least');

	await page.goto(base + '/captures?status=all');
	await page.fill('input[name=q]', 'Loser');
	await submitFilters(page);
	check(same(await rowIds(page), cfg.q_loser), 'the search of the words');
	console.log('ok search');

	// One capture: "1 capture matches"; more: "N captures match".
	await page.goto(base + '/captures?' + cfg.one_query);
	const one = (await rowIds(page)).length;
	const line = await page.locator('#count').innerText();
	check(one === 1 && line.startsWith('1 capture matches.'), `${one} rows said as: ${line}`);
	check(!/\b1 captures\b/.test(await page.locator('main').innerText()), 'never "1 captures"');
	console.log('ok singular and plural: ' + line);

	// The default view: saved from the filters shown, opened by the queue, cleared.
	await page.goto(base + '/captures?status=all&category=grooming&school=lakeside');
	check(same(await rowIds(page), cfg.grooming_lake), 'grooming at Lakeside');
	await Promise.all([page.waitForNavigation(), page.click('#view-save')]);
	check(await page.locator('#view-note').innerText() === 'This is your default view.',
	      'the page says it is the default view');
	await page.goto(base + '/captures');
	check(page.url().includes('category=grooming') && page.url().includes('school=lakeside'),
	      'the queue opens with the view: ' + page.url());
	check(same(await rowIds(page), cfg.grooming_lake), 'and lists its captures');
	await page.click('nav a[href="/captures"]');
	await page.waitForLoadState();
	check(page.url().includes('category=grooming'), 'the menu opens it too: ' + page.url());
	await shot(page, 'queue-view.png');
	console.log('ok default view saved and opened');

	// ---- on a phone ----------------------------------------------------------------------
	const phone = await signIn({ viewport: { width: 390, height: 844 }, isMobile: true,
	                             hasTouch: true, deviceScaleFactor: 2 });
	page = phone.page;
	check(page.url().includes('category=grooming'), 'the phone opens the same view: ' + page.url());
	for (const q of ['status=all', 'status=all&q=knife', 'status=all&school=lakeside']) {
		await page.goto(base + '/captures?' + q);
		const width = await page.evaluate(() => document.documentElement.scrollWidth);
		check(width <= 390, `/captures?${q} is ${width} px wide on a phone`);
		check(!(await page.locator('p.keys').isVisible()), 'no keyboard hints on a touch screen');
		check(await page.locator('#queue tbody tr').count() > 0, 'rows on the phone');
	}
	await page.goto(base + '/captures?status=all');
	await shot(page, 'queue-phone.png', false);
	const rowBox = await page.locator('#queue tbody tr').first().boundingBox();
	check(rowBox.width <= 390, 'a row fits the phone: ' + rowBox.width);
	// Filters work on the phone too.
	await page.selectOption('select[name=category]', 'self-harm');
	await page.selectOption('select[name=school]', 'Oakridge Primary');
	await submitFilters(page);
	check(same(await rowIds(page), cfg.self_harm_oak), 'filters on the phone');
	check(await page.evaluate(() => document.documentElement.scrollWidth) <= 390, 'still fits');
	// Clear the default view from the phone: the queue opens with new captures again.
	await page.goto(base + '/captures');
	await Promise.all([page.waitForNavigation(), page.click('#view-clear')]);
	await page.goto(base + '/captures');
	check(page.url().endsWith('/captures'), 'no view any more: ' + page.url());
	check((await rowIds(page)).length === cfg.total, 'every new capture again');
	console.log('ok phone: fits 390 px, no hints, filters, view cleared');
	await desk.ctx.close();
	await phone.ctx.close();
});
