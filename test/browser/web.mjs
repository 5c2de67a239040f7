// web.mjs: drives the vigil-server web UI in headless Chromium (the system's browser, never
// a downloaded one) through playwright-core. Started by test-browser.py, which runs the
// server and passes the setup in VIGIL_WEB (JSON). Prints "ok NAME" per check; exit 1 on
// the first failure. Screenshots go to VIGIL_WEB_SHOTS when set.
import { check, launch, run } from './common.mjs';
import fs from 'node:fs';
import path from 'node:path';

const cfg = JSON.parse(process.env.VIGIL_WEB);
const base = cfg.url;
const shots = process.env.VIGIL_WEB_SHOTS || '';

const browser = await launch();

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

await run(browser, async () => {
	// Moderator: the queue, by severity; the XSS capture renders inert.
	const mod = await signIn('mod');
	check(mod.page.url().endsWith('/captures'), 'moderator lands on the queue: ' + mod.page.url());
	const rows = await mod.page.locator('#queue tbody tr').count();
	check(rows === cfg.new_count, `queue shows ${cfg.new_count} new captures, got ${rows}`);
	const firstSev = await mod.page.locator('#queue tbody tr td.sev').first().innerText();
	check(firstSev === '5', 'highest severity first: ' + firstSev);
	check((await mod.page.locator('#queue mark').first().innerText()) === 'k1ll mys3lf',
	      'the hit is marked in the context');
	check(await mod.page.locator('#queue li.hit').count() >= rows, 'every row lists its hits');
	console.log('ok moderator queue');

	// Thumbnails: one per row, decoded by the browser; none for a hidden image.
	const thumbs = mod.page.locator('#queue img[src$="/thumb"]');
	check(await thumbs.count() === rows, 'a thumbnail per row');
	await mod.page.waitForFunction(() => [...document.querySelectorAll('#queue img')]
		.every(i => i.complete && i.naturalWidth > 0), null, { timeout: 10000 });
	const th = await mod.ctx.request.get(base + '/captures/' + cfg.hide_id + '/thumb');
	check(th.status() === 200 && th.headers()['content-type'] === 'image/png', 'thumbnail served');
	if (shots) await mod.page.screenshot({ path: path.join(shots, 'queue.png') });
	await mod.page.goto(base + '/captures/' + cfg.hide_id + '/hide');
	await mod.page.fill('#act-hide input[name=text]', 'reported to CEOP, ref 123');
	await mod.page.check('#hide-tick');
	await Promise.all([mod.page.waitForNavigation(), mod.page.click('#act-hide button')]);
	await mod.page.goto(base + '/captures?status=all');
	const hiddenRow = mod.page.locator('#queue tr', { has: mod.page.locator(`input[value="${cfg.hide_id}"]`) });
	check(await hiddenRow.locator('img').count() === 0, 'no thumbnail for a hidden image');
	check((await hiddenRow.locator('td.thumb').innerText()) === 'hidden', 'row says hidden');
	check(await status(mod.page, base + '/captures/' + cfg.hide_id + '/thumb') === 404, 'hidden thumbnail 404');
	console.log('ok thumbnails');

	// Bulk triage: two rows selected, one reason, one audit row each.
	await mod.page.goto(base + '/captures');
	for (const id of cfg.bulk_ids) await mod.page.check(`input[name=id][value="${id}"]`);
	await mod.page.fill('#bulk-reason', 'playground banter in a drama lesson');
	await Promise.all([mod.page.waitForNavigation(), mod.page.click('#bulk-fp')]);
	const after = await mod.page.locator('#queue tbody tr').count();
	check(after === rows - 2, `bulk rows left the queue: ${after}`);
	for (const id of cfg.bulk_ids) {
		await mod.page.goto(base + '/audit?capture=' + id);
		const a = await mod.page.locator('#audit').innerText();
		check(a.includes('false-positive') && a.includes('playground banter'), 'bulk audit row: ' + a);
		await mod.page.goto(base + '/captures/' + id);
		check((await mod.page.locator('#status').innerText()).startsWith('false-positive (mod'), 'bulk status');
	}
	console.log('ok bulk false positive');

	// The case record: only for a confirmed concern; the text to paste and the PDF, audited.
	await mod.page.goto(base + '/captures/' + cfg.case_id);
	check(await mod.page.locator('#case').count() === 0, 'no case record before confirming');
	check(await status(mod.page, base + '/captures/' + cfg.case_id + '/case') === 409, 'case record 409');
	await mod.page.goto(base + '/captures/' + cfg.case_id);
	await mod.page.fill('#note-text', 'form tutor told at 14:30');
	await Promise.all([mod.page.waitForNavigation(), mod.page.click('#act-note button')]);
	await Promise.all([mod.page.waitForNavigation(), mod.page.click('#act-concern button')]);
	await Promise.all([mod.page.waitForNavigation(), mod.page.click('#case')]);
	const caseText = await mod.page.locator('#case-text').inputValue();
	for (const want of ['LAB1-PC07', 'dan', 'self-harm, severity 5', 'after school today i will hurt myself for real',
	                    'mod: concern', 'form tutor told at 14:30', 'Oakridge Primary'])
		check(caseText.includes(want), `case text has ${want}: ${caseText}`);
	if (shots) await mod.page.screenshot({ path: path.join(shots, 'case-record.png'), fullPage: true });
	const casePdf = await mod.ctx.request.get(base + '/captures/' + cfg.case_id + '/case.pdf');
	const caseBody = await casePdf.body();
	check(casePdf.status() === 200 && caseBody.subarray(0, 5).toString() === '%PDF-', 'case PDF');
	fs.writeFileSync(cfg.case_pdf, caseBody);
	await mod.page.goto(base + '/audit?capture=' + cfg.case_id);
	const caseAudit = await mod.page.locator('#audit').innerText();
	check((caseAudit.match(/case-record/g) || []).length === 2, 'case record audited twice: ' + caseAudit);
	console.log('ok case record');

	// A pupil's timeline: linked from the capture, every capture of the pupil, audited.
	await mod.page.goto(base + '/captures/' + cfg.bulk_ids[0]);
	await Promise.all([mod.page.waitForNavigation(), mod.page.click('#user a.pupil')]);
	check(decodeURIComponent(mod.page.url()).endsWith('/pupils/' + cfg.school_a + '/' + cfg.pupil), 'timeline link: ' + mod.page.url());
	const trows = await mod.page.locator('#timeline tbody tr').count();
	check(trows === cfg.pupil_count, `timeline rows ${cfg.pupil_count}: ${trows}`);
	const ttext = await mod.page.locator('#timeline').innerText();
	check(ttext.includes('false-positive (mod)') && ttext.includes('nobody likes you'), 'timeline decisions: ' + ttext);
	check(await mod.page.locator('svg#pupil-chart rect.seg').count() >= 1, 'chart by week and category');
	if (shots) await mod.page.screenshot({ path: path.join(shots, 'pupil.png'), fullPage: true });
	await mod.page.goto(base + '/audit');
	check((await mod.page.locator('#audit').innerText()).includes('pupil-view'), 'timeline view audited');
	check(await status(mod.page, base + '/pupils/' + encodeURIComponent(cfg.school_a) + '/nobody') === 404, 'unknown pupil 404');
	console.log('ok pupil timeline');

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
	check(await status(head.page, base + '/pupils/' + encodeURIComponent(cfg.school_b) + '/' + cfg.b_user) === 404, 'B pupil 404');
	check(await status(mod.page, base + '/pupils/' + encodeURIComponent(cfg.school_b) + '/' + cfg.b_user) === 200, 'B pupil 200 for a moderator of every school');
	check(await status(head.page, base + '/captures/' + cfg.b_id + '/thumb') === 404, 'B thumbnail 404');
	check(await status(head.page, base + '/pupils/' + encodeURIComponent(cfg.school_a) + '/' + cfg.pupil) === 200, 'own pupil 200');
	console.log('ok headteacher scope');

	// The weekly report: counts and the SVG chart; the PDF export.
	const rep = base + '/reports/' + encodeURIComponent(cfg.school_a) + '/' + cfg.week;
	check(await status(head.page, rep) === 200, 'report page');
	check(await head.page.locator('svg#chart rect.bar').count() === 12, '12 bars in the chart');
	const total = await head.page.locator('#total').innerText();
	check(total === String(cfg.week_total), `report total ${cfg.week_total}: ${total}`);
	check(await head.page.locator('#top-users a.pupil').count() >= 1, 'report links pupils to their timelines');
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
	const alarms = await tech.page.locator('#alarms').innerText();
	check(alarms.includes('B-PC01') && alarms.includes('1 tamper capture') && !alarms.includes('LAB1-PC07'),
	      'tamper alarm on the machines page: ' + alarms);
	check((await tech.page.locator('#machines').innerText()).includes('0.1.0'), 'agent version shown');
	if (shots) await tech.page.screenshot({ path: path.join(shots, 'machines.png'), fullPage: true });
	console.log('ok technician');
});
