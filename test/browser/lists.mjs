// lists.mjs: the phrase-list editor and the machines page in headless Chromium, started by
// test-lists.py with VIGIL_WEB (JSON: url, the technician's session cookie, the good and a
// bad list text, shots). Checks: line numbers beside the text, live as lines are added and
// there without JavaScript; a refused save keeps the text and marks line 4; the history of
// saved versions, a diff and a rollback that restores the old text; a false positive's
// link lands on its line; the machines page summarises and fits a 390-pixel phone.
// Prints "ok NAME" per check; exit 1 on the first failure.
import { check, launch, run } from './common.mjs';

const cfg = JSON.parse(process.env.VIGIL_WEB);
const base = cfg.url;
const editor = base + '/wordlists?file=self-harm.txt';

const browser = await launch();

async function context(opts) {
	const ctx = await browser.newContext(opts);
	await ctx.addCookies([{ name: 'vigil_session', value: cfg.cookie, url: base }]);
	return ctx;
}

// The line the textarea's selection starts on (1-based).
const caretLine = page => page.$eval('#list-text', t => t.value.slice(0, t.selectionStart).split('\n').length);

// Line n's number and the text of line n are on one height.
async function aligned(page, n) {
	return page.evaluate(n => {
		const g = document.getElementById('L' + n).getBoundingClientRect();
		const t = document.getElementById('list-text');
		const top = t.getBoundingClientRect().top + parseFloat(getComputedStyle(t).paddingTop) +
			parseFloat(getComputedStyle(t).borderTopWidth) + (n - 1) * parseFloat(getComputedStyle(t).lineHeight);
		return Math.abs(g.top - top) < 1.5;
	}, n);
}

await run(browser, async () => {
	const ctx = await context({ viewport: { width: 1200, height: 900 } });
	const page = await ctx.newPage();
	const errors = [];
	page.on('pageerror', e => errors.push(e.message));

	// Line numbers beside the text, on the lines they number; new lines get numbers.
	await page.goto(editor);
	const lines = cfg.good.split('\n').length - 1;
	check(await page.locator('#gutter span').count() === lines, 'a number per line');
	check(await page.locator('#L4').isVisible() && (await page.locator('#L4').innerText()) === '4', 'line 4 numbered');
	check(await aligned(page, 1) && await aligned(page, 4), 'numbers beside their lines');
	await page.click('#list-text');
	await page.keyboard.press('Control+End');
	await page.keyboard.type('no reason to live\nwant to disappear');
	check(await page.locator('#gutter span').count() === lines + 2 && await page.locator('#L6').isVisible(),
	      'numbers follow the text as lines are added');
	check(await aligned(page, 6), 'and stay beside their lines');
	console.log('ok line numbers');

	// A refused save: the text stays in the editor, line 4 is marked with its message, and
	// the caret is put on it.
	await page.fill('#list-text', cfg.bad);
	await Promise.all([page.waitForNavigation(), page.click('#edit-form button[type=submit]')]);
	check((await page.locator('#outcome').innerText()).startsWith('Refused self-harm.txt'), 'refused');
	check(await page.inputValue('#list-text') === cfg.bad, 'the refused text is kept');
	check(await page.getAttribute('#L4', 'class') === 'bad', 'line 4 marked');
	check((await page.getAttribute('#L4', 'title')).startsWith('self-harm.txt:4: '), 'with its message');
	check(await page.locator('.band').isVisible(), 'the line highlighted');
	const band = await page.locator('.band').boundingBox(), l4 = await page.locator('#L4').boundingBox();
	check(Math.abs(band.y - l4.y) < 1.5, 'the highlight on line 4');
	check(await caretLine(page) === 4, 'the caret on the bad line');
	check((await page.locator('#line-errors').innerText()).includes('self-harm.txt:4:'), 'the message listed');
	if (cfg.shots) {
		await page.locator('#editor-h').scrollIntoViewIfNeeded();
		await page.screenshot({ path: cfg.shots + '/wordlists.png' });
	}
	console.log('ok refused save kept and marked');

	// Two saves; the history lists them and the text before them.
	const v1 = cfg.good + 'no reason to live\n', v2 = v1.replace('end my life\n', 'end it all\n');
	for (const text of [v1, v2]) {
		await page.fill('#list-text', text);
		await Promise.all([page.waitForNavigation(), page.click('#edit-form button[type=submit]')]);
		check((await page.locator('#outcome').innerText()).startsWith('Saved self-harm.txt'), 'saved');
	}
	const rows = page.locator('#history tbody tr');
	check(await rows.count() === 3, 'three versions in the history');
	check((await rows.nth(0).innerText()).includes('tech') && (await rows.nth(2).innerText()).includes('(on disk)'),
	      'who saved each');
	console.log('ok history');

	// The diff of the first version against the list now.
	await Promise.all([page.waitForNavigation(), rows.nth(2).locator('a', { hasText: 'changes since' }).click()]);
	check(await page.locator('#diff').isVisible(), 'the diff shown');
	check((await page.locator('#diff-summary').innerText()) === '1 line removed, 2 lines added.', 'diff summary');
	if (cfg.shots) await page.screenshot({ path: cfg.shots + '/list-diff.png', fullPage: true });
	check((await page.locator('#diff tr.del').innerText()).includes('- end my life'), 'removed line');
	check((await page.locator('#diff tr.add').allInnerTexts()).join('|').includes('+ end it all'), 'added line');
	console.log('ok diff');

	// Rollback to the first version: the old text is back, the history says so.
	const oldest = page.locator('#history tbody tr').nth(2);
	await Promise.all([page.waitForNavigation(), oldest.locator('button').click()]);
	check((await page.locator('#outcome').innerText()).startsWith('Rolled back self-harm.txt'), 'rolled back');
	check(await page.inputValue('#list-text') === cfg.good, 'the old text restored');
	check((await page.locator('#history tbody tr').first().innerText()).includes('rolled back to version'),
	      'the history shows the rollback');
	console.log('ok rollback');

	// A false positive's rule links to its line; the line is selected there.
	await page.goto(base + '/wordlists');
	const rule = page.locator('#rules a.rule').first();
	check((await page.locator('#rules tbody tr').first().innerText()).includes('“end my life”'), 'the phrase named');
	await Promise.all([page.waitForNavigation(), rule.click()]);
	check(page.url().endsWith('#L4'), 'to line 4: ' + page.url());
	await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'list-text', null, { timeout: 5000 })
		.catch(async () => { throw new Error('not focused: ' + await page.evaluate(() => document.activeElement && document.activeElement.outerHTML.slice(0, 80)) + ' errors ' + errors.join(';')); });
	check(await caretLine(page) === 4, 'line 4 selected');
	check(errors.length === 0, 'no script errors: ' + errors.join('; '));
	console.log('ok false positive links to its line');

	if (cfg.shots) {
		await page.goto(base + '/machines');
		await page.screenshot({ path: cfg.shots + '/machines.png' });
	}

	// The served lists and the machines page on a phone: a summary, nothing sideways.
	const phone = await context({ viewport: { width: 390, height: 844 }, isMobile: true });
	const pp = await phone.newPage();
	for (const p of ['/machines', '/machines?group=none&sort=lists', '/wordlists']) {
		await pp.goto(base + p);
		const width = await pp.evaluate(() => document.documentElement.scrollWidth);
		check(width <= 390, `${p} fits 390 px: ${width}`);
	}
	await pp.goto(base + '/machines');
	const summary = await pp.locator('#summary').innerText();
	// (the suite's machines go offline after 4 s without a heartbeat)
	check(/^3 machines: \d online, \d offline, 1 never seen; 1 of 3 on the served lists; 0 unmonitored sessions$/.test(summary),
	      'summary: ' + summary);
	check(await pp.locator('#summary').isVisible() && await pp.locator('#machines .room-head').first().isVisible(),
	      'summary and rooms visible on a phone');
	if (cfg.shots) await pp.screenshot({ path: cfg.shots + '/machines-phone.png', fullPage: true });
	console.log('ok machines page on a phone');

	// Without JavaScript the numbers are still there, beside their lines.
	const nojs = await context({ viewport: { width: 1200, height: 900 }, javaScriptEnabled: false });
	const np = await nojs.newPage();
	await np.goto(editor);
	check(await np.locator('#gutter span').count() === lines && await np.locator('#L3').isVisible(),
	      'numbers without JavaScript');
	check(await aligned(np, 3), 'beside their lines');
	console.log('ok line numbers without JavaScript');
});
