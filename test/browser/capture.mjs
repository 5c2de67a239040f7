// capture.mjs: one capture's page in headless Chromium (the system's browser) through
// playwright-core, with JavaScript off: what a designated safeguarding lead needs is in the
// first viewport of a 1366 x 768 screen, every action is confirmed on the page, hiding the
// image is set apart and asks first, and a 390-pixel phone never scrolls sideways. Started
// by test-capture.py with VIGIL_WEB (JSON: url, cookie, id, id2, me, other, shots). Prints
// "ok NAME" per check; exit 1 on the first failure.
import { check, launch, run } from './common.mjs';

const cfg = JSON.parse(process.env.VIGIL_WEB);
const page_url = cfg.url + '/captures/' + cfg.id;

const browser = await launch();

async function context(viewport) {
	const ctx = await browser.newContext({ viewport, javaScriptEnabled: false });
	await ctx.addCookies([{ name: 'vigil_session', value: cfg.cookie, url: cfg.url }]);
	return ctx;
}

/* The element's box lies wholly inside the first viewport (the page not scrolled). */
async function inFirstViewport(page, selector, vp) {
	const box = await page.locator(selector).first().boundingBox();
	check(box, selector + ' is shown');
	check(box.y >= 0 && box.x >= 0 && box.y + box.height <= vp.height && box.x + box.width <= vp.width,
	      `${selector} inside ${vp.width}x${vp.height}: ${JSON.stringify(box)}`);
	return box;
}

/* Submits a form by its button and waits for the page the redirect lands on; its
 * confirmation. */
async function act(page, button) {
	await Promise.all([page.waitForNavigation(), page.click(button)]);
	check(page.url().includes('?done='), 'back on the capture with done: ' + page.url());
	return (await page.locator('#flash').innerText()).trim();
}

await run(browser, async () => {
	const vp = { width: 1366, height: 768 };
	const ctx = await context(vp);
	const page = await ctx.newPage();
	check((await page.goto(page_url)).status() === 200, 'the capture page');
	await page.waitForFunction(() => document.querySelector('#shot-1 img').complete, null,
	                           { timeout: 10000 });
	check(await page.evaluate(() => document.querySelector('#shot-1 img').naturalWidth) === 1920,
	      'the screenshot is loaded');
	check(await page.evaluate(() => window.scrollY) === 0, 'not scrolled');
	const shot = await inFirstViewport(page, '#shot-1 img', vp);
	check(shot.width >= 500, 'the screenshot is large enough to read: ' + shot.width);
	for (const sel of ['h1', '#user', '#facts', '#context', 'ul.hits'])
		await inFirstViewport(page, sel, vp);
	const facts = await page.locator('#facts').innerText();
	for (const w of ['amy', 'LAB1-PC07', 'Oakridge Primary', 'Time', 'new', 'nobody yet'])
		check(facts.includes(w), 'the facts name ' + w + ': ' + facts);
	check((await page.locator('h1').innerText()).includes('severity 5'), 'category and severity');
	check((await page.locator('ul.hits').innerText()).includes('self-harm 5: kill myself'),
	      'the hit\'s words');
	check(shot.x > (await page.locator('#facts').boundingBox()).x + 300, 'the screenshot beside the facts');
	if (cfg.shots) await page.screenshot({ path: cfg.shots + '/capture.png' });
	console.log('ok the screenshot and the facts in the first viewport at 1366x768');

	let said = await act(page, '#act-assign-me button');
	check(said === `Assigned to ${cfg.me}.`, 'assign to me: ' + said);
	await inFirstViewport(page, '#flash', vp);
	check((await page.locator('#assignee').innerText()).startsWith(cfg.me), 'who has this: me');
	console.log('ok assign to me, confirmed');
	await page.selectOption('#assignee-choice', cfg.other);
	said = await act(page, '#act-assign button');
	check(said === `Assigned to ${cfg.other}.`, 'assign to someone: ' + said);
	check((await page.locator('#assignee').innerText()).includes(`given by ${cfg.me}`), 'who gave it');
	console.log('ok assign to someone, confirmed');

	check(await page.locator('#act-close').count() === 0, 'no closing before a decision');
	said = await act(page, '#act-concern button');
	check(said === 'Confirmed as a concern.', 'concern: ' + said);
	await page.selectOption('#outcome-choice', 'parents-contacted');
	await page.fill('#outcome-note', 'Mum called at 4pm; pastoral support from Monday.');
	said = await act(page, '#act-close button');
	check(said === 'Closed: Parents/carers contacted.', 'closed: ' + said);
	const outcome = await page.locator('#outcome').innerText();
	check(outcome.startsWith('Closed: Parents/carers contacted — Mum called at 4pm'), 'outcome: ' + outcome);
	check(await page.locator('#act-concern').count() === 0, 'a closed capture takes no decision');
	check((await page.locator('#history').innerText()).includes('close — Parents/carers contacted'),
	      'the closing in the history');
	console.log('ok outcome and note close the capture, confirmed');
	said = await act(page, '#act-reopen button');
	check(said === 'Reopened.', 'reopened: ' + said);
	check(await page.locator('#act-close').count() === 1, 'open again');
	console.log('ok reopen, confirmed');

	// Hiding: its own red section far below the routine actions, a page that says what
	// happens, and a box to tick that the browser and the server both insist on.
	const danger = page.locator('#danger');
	const border = await danger.evaluate(e => getComputedStyle(e).borderTopColor);
	check(border === 'rgb(170, 0, 0)', 'the section has a red border: ' + border);
	const red = await page.locator('#hide-start').evaluate(e => getComputedStyle(e).backgroundColor);
	const routine = await page.locator('#act-note button').evaluate(e => getComputedStyle(e).backgroundColor);
	check(red === 'rgb(170, 0, 0)' && routine !== red, `a red button (${red}) unlike the routine ones (${routine})`);
	const gap = (await danger.boundingBox()).y - (await page.locator('#act-note').boundingBox()).y;
	check(gap > 300, 'away from the routine actions: ' + gap);
	check(await page.locator('#act-hide').count() === 0, 'no hiding from the capture page itself');
	await Promise.all([page.waitForNavigation(), page.click('#hide-start')]);
	check(page.url().endsWith('/hide'), 'a confirmation page: ' + page.url());
	const explain = await page.locator('#hide-confirm').innerText();
	check(explain.includes('hidden from everyone') && explain.includes('kept on the server'),
	      'it says what happens: ' + explain);
	await page.fill('#hide-referral', 'CEOP report, ref 5521');
	await page.click('#act-hide button[type=submit]');
	await page.waitForTimeout(300);
	check(page.url().endsWith('/hide'), 'without the tick nothing is sent: ' + page.url());
	const img = await ctx.request.get(page_url + '/image');
	check(img.status() === 200, 'still shown before the tick');
	await page.check('#hide-tick');
	said = await act(page, '#act-hide button[type=submit]');
	check(said.startsWith('Image hidden from everyone.'), 'hidden: ' + said);
	check((await ctx.request.get(page_url + '/image')).status() === 410, 'the image is gone');
	check(await page.locator('#image-hidden').count() === 1, 'the page says it is hidden');
	console.log('ok hiding the image is set apart and asks for a ticked confirmation');
	await ctx.close();

	const phone = await context({ width: 390, height: 844 });
	const p = await phone.newPage();
	const page2 = cfg.url + '/captures/' + cfg.id2;
	for (const u of [page_url, page2, page2 + '/hide', page2 + '?done=assign', cfg.url + '/captures']) {
		check((await p.goto(u)).status() === 200, u);
		const width = await p.evaluate(() => document.documentElement.scrollWidth);
		check(width <= 390, `${u}: ${width} px wide on a 390 px phone`);
	}
	if (cfg.shots) await p.screenshot({ path: cfg.shots + '/capture-phone.png', fullPage: true });
	console.log('ok no horizontal scroll at 390 px');
	await phone.close();
});
