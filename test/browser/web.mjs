// web.mjs: drives the vigil-server web UI in headless Chromium (the system's browser, never
// a downloaded one) through playwright-core. Started by test-browser.py, which runs the
// server and passes the setup in VIGIL_WEB (JSON). Prints "ok NAME" per check; exit 1 on
// the first failure. Screenshots go to VIGIL_WEB_SHOTS when set.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const cfg = JSON.parse(process.env.VIGIL_WEB);
const base = cfg.url;
const shots = process.env.VIGIL_WEB_SHOTS || '';

function check(cond, msg) {
	if (!cond) throw new Error(msg);
}

// playwright-core gives the browser a new empty --user-data-dir of its own (and refuses
// one in args), removed when the browser closes.
const browser = await chromium.launch({
	executablePath: '/usr/bin/chromium',
	headless: true,
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	       '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function signIn(login) {
	const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 } });
	const page = await ctx.newPage();
	const dialogs = [];
	page.on('dialog', d => { dialogs.push(d.message()); d.dismiss(); });
	const foreign = [];
	page.on('request', r => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) foreign.push(r.url()); });
	await page.goto(base + '/login');
	await page.fill('input[name=login]', login);
	await page.fill('input[name=password]', cfg.password);
	await Promise.all([page.waitForNavigation(), page.press('input[name=password]', 'Enter')]);
	return { ctx, page, dialogs, foreign };
}

async function status(page, url) {
	const r = await page.goto(url);
	return r.status();
}

let failed = false;
try {
	// Moderator: the queue, by severity; the XSS capture renders inert.
	const mod = await signIn('mod');
	check(mod.page.url().endsWith('/captures'), 'moderator lands on the queue: ' + mod.page.url());
	const rows = await mod.page.locator('#queue tbody tr').count();
	check(rows === cfg.new_count, `queue shows ${cfg.new_count} new captures, got ${rows}`);
	const firstSev = await mod.page.locator('#queue tbody tr td').first().innerText();
	check(firstSev === '5', 'highest severity first: ' + firstSev);
	if (shots) await mod.page.screenshot({ path: path.join(shots, 'queue.png') });
	console.log('ok moderator queue');

	await mod.page.goto(base + '/captures/' + cfg.xss_id);
	const ctxText = await mod.page.locator('#context').innerText();
	check(ctxText.includes('<script>alert(1)</script>'), 'payload shown as text: ' + ctxText);
	check(await mod.page.locator('script:not([src])').count() === 0, 'no inline script element');
	check(await mod.page.locator('img[src=x]').count() === 0, 'no injected img');
	await mod.page.waitForTimeout(300);
	check(mod.dialogs.length === 0, 'no dialog opened: ' + mod.dialogs.join(','));
	check(mod.foreign.length === 0, 'no request left the server: ' + mod.foreign.join(','));
	console.log('ok stored XSS inert');

	// Triage with the keyboard: f, type a reason, Enter.
	await mod.page.goto(base + '/captures/' + cfg.triage_id);
	if (shots) await mod.page.screenshot({ path: path.join(shots, 'capture.png'), fullPage: true });
	await mod.page.locator('body').press('f');
	check(await mod.page.evaluate(() => document.activeElement.id) === 'fp-reason', 'f focuses the reason');
	await mod.page.keyboard.type('song lyrics in a music lesson');
	await Promise.all([mod.page.waitForNavigation(), mod.page.keyboard.press('Enter')]);
	const st = await mod.page.locator('#status').innerText();
	check(st.startsWith('false-positive (mod'), 'status after f: ' + st);
	check((await mod.page.locator('#history').innerText()).includes('song lyrics'), 'reason in history');
	await mod.page.goto(base + '/audit?capture=' + cfg.triage_id);
	const audit = await mod.page.locator('#audit').innerText();
	check(audit.includes('false-positive') && audit.includes('song lyrics'), 'audit row: ' + audit);
	console.log('ok keyboard triage and audit');

	// Zoom: clicking the screenshot toggles full size (CSS only).
	await mod.page.goto(base + '/captures/' + cfg.triage_id);
	await mod.page.locator('label[for=zoom] img').click();
	check(await mod.page.locator('#zoom').isChecked(), 'click zooms');
	console.log('ok zoom');

	// Headteacher of school A: own captures only; B's capture and image are 404.
	const head = await signIn('head-a');
	const text = await head.page.locator('#queue').innerText();
	check(!text.includes('Lakeside'), 'headteacher queue has no school B');
	check(await status(head.page, base + '/captures/' + cfg.b_id) === 404, 'B capture 404');
	check(await status(head.page, base + '/captures/' + cfg.b_id + '/image') === 404, 'B image 404');
	check(await status(head.page, base + '/wordlists') === 404, 'wordlists 404 for headteacher');
	check(await status(head.page, base + '/captures/' + cfg.triage_id) === 200, 'own capture 200');
	console.log('ok headteacher scope');

	// The weekly report: counts and the SVG chart; the PDF export.
	const rep = base + '/reports/' + encodeURIComponent(cfg.school_a) + '/' + cfg.week;
	check(await status(head.page, rep) === 200, 'report page');
	check(await head.page.locator('svg#chart rect.bar').count() === 12, '12 bars in the chart');
	const total = await head.page.locator('#total').innerText();
	check(total === String(cfg.week_total), `report total ${cfg.week_total}: ${total}`);
	if (shots) await head.page.screenshot({ path: path.join(shots, 'report.png'), fullPage: true });
	const pdf = await head.ctx.request.get(rep + '?format=pdf');
	const body = await pdf.body();
	check(pdf.status() === 200 && body.subarray(0, 5).toString() === '%PDF-', 'PDF export');
	fs.writeFileSync(cfg.pdf_out, body);
	console.log('ok weekly report');

	// Technician: phrase lists and machines, no captures.
	const tech = await signIn('tech');
	check(tech.page.url().endsWith('/wordlists'), 'technician lands on the lists');
	check(await status(tech.page, base + '/captures') === 404, 'technician: no queue');
	await tech.page.goto(base + '/wordlists');
	await tech.page.fill('#scan-text', 'I want to kill myself');
	await Promise.all([tech.page.waitForNavigation(), tech.page.press('#scan-text', 'Enter')]);
	check((await tech.page.locator('#scan-result').innerText()).includes('self-harm'), 'scan hit');
	await tech.page.goto(base + '/machines');
	check((await tech.page.locator('#machines').innerText()).includes('LAB1-PC07'), 'machines');
	console.log('ok technician');
} catch (e) {
	console.log('FAIL ' + e.message);
	failed = true;
} finally {
	await browser.close();
}
process.exit(failed ? 1 : 0);
