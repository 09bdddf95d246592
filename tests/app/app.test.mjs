// The web app as a person uses it, in headless Chromium (Debian's), served by `vite preview`
// of the production build with COOP/COEP: pick or drop files, read the preview, override
// types, convert, save, cancel, see errors. Saved Parquet is read back by pyarrow cell by
// cell. Screenshots of every state go to target/screenshots/ (1280×800 and 400 px wide).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../browser/serve.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORK = `${ROOT}target/app-tests`;
const SHOTS = `${ROOT}target/screenshots`;
const VITE = `${ROOT}node_modules/vite/bin/vite.js`;
// Large enough that the second pass lasts seconds, time for the test to press Cancel in it.
const BIG_MB = 300;
const BIG = `${ROOT}bench/out/data_${BIG_MB}mb_v1.csv`;

mkdirSync(WORK, { recursive: true });
mkdirSync(SHOTS, { recursive: true });

/** A mixed CSV whose types the tests know: uint8, category, zip codes, dates, sparse ints. */
function mixedCsv(rows) {
  const lines = ['id,qty,country,zip,day,discount'];
  const countries = ['Norway', 'Peru', 'Japan', 'Kenya'];
  for (let i = 0; i < rows; i++) {
    lines.push([i, (i * 7) % 200, countries[i % 4], String((i * 37) % 100000).padStart(5, '0'), `2024-0${(i % 9) + 1}-1${i % 10}`, i % 3 ? String(i % 90) : ''].join(','));
  }
  return `${lines.join('\n')}\n`;
}

function fixture(name, text) {
  const path = `${WORK}/${name}`;
  writeFileSync(path, text);
  return path;
}

function check(csv, parquet, ...flags) {
  return execFileSync('python3', [`${ROOT}tests/browser/check.py`, csv, parquet, ...flags]).toString();
}

let preview;
let origin;
let browser;

before(async () => {
  execFileSync('python3', [`${ROOT}bench/native.py`, '--mb', String(BIG_MB), '--generate-only'], { stdio: 'inherit' });
  execFileSync('node', [VITE, 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
  preview = spawn('node', [VITE, 'preview', '--port', '0', '--host', '127.0.0.1'], { cwd: ROOT });
  origin = await new Promise((resolve, reject) => {
    let out = '';
    preview.stdout.on('data', (d) => {
      out += d;
      const m = out.replace(/\x1b\[[0-9;]*m/g, '').match(/http:\/\/127\.0\.0\.1:\d+/);
      if (m) resolve(m[0]);
    });
    preview.on('exit', (code) => reject(new Error(`vite preview exited ${code}: ${out}`)));
  });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  preview?.kill();
});

/** A fresh page at `width`; collects foreign requests, page errors and dialogs. */
async function open(width = 1280, { opfsPicker = false, at = origin, serviceWorkers = 'allow' } = {}) {
  const context = await browser.newContext({ viewport: { width, height: 800 }, acceptDownloads: true, serviceWorkers });
  const page = await context.newPage();
  const seen = { foreign: [], errors: [], dialogs: [] };
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(new URL(at).origin) || url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
    seen.foreign.push(url);
    return route.abort();
  });
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  page.on('dialog', (d) => {
    seen.dialogs.push(d.message());
    void d.dismiss();
  });
  if (opfsPicker) {
    // The save picker is a native dialog a test cannot click; this one hands out a file in
    // the origin-private file system instead, which the app streams into the same way.
    await page.addInitScript(() => {
      window.showSaveFilePicker = async (o) => (await navigator.storage.getDirectory()).getFileHandle(o.suggestedName, { create: true });
    });
  }
  await page.goto(at);
  await page.waitForSelector('#engine:not(:empty)');
  return { context, page, seen };
}

async function done({ context, seen }) {
  await context.close();
  assert.deepEqual(seen.foreign, [], 'requests left the machine');
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.dialogs, []);
}

async function shot(page, name) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

/** Unticks "save to disk" so the result is a download (the picker is a native dialog). */
async function useDownload(page) {
  const box = page.locator('#setting-saveToDisk');
  if ((await box.count()) > 0 && (await box.isChecked())) await box.uncheck();
}

async function convertAndDownload(page, name) {
  await useDownload(page);
  await page.click('#convert');
  await page.waitForSelector('#result', { timeout: 120_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const out = `${WORK}/${name}.parquet`;
  await download.saveAs(out);
  return out;
}

for (const width of [1280, 400]) {
  describe(`${width} px wide`, () => {
    test('choose a file, read the preview, override types, convert, download; pyarrow agrees', async () => {
      const ctx = await open(width);
      const { page } = ctx;
      await shot(page, `${width}-0-empty`);
      assert.match(await page.textContent('#engine'), /^Threaded · \d+ threads$/);
      const csv = fixture('mixed.csv', mixedCsv(3000));
      await page.setInputFiles('#file-input', csv);
      await page.waitForSelector('#preview');
      await shot(page, `${width}-1-preview`);
      const row = (name) => page.locator(`#preview tr[data-column="${name}"]`);
      assert.equal(await row('qty').locator('.col-type').textContent(), 'whole numbers 0–255 (uint8)');
      assert.equal(await row('country').locator('.col-type').textContent(), 'category, 4 values');
      assert.equal(await row('zip').locator('.col-type').textContent(), 'text');
      assert.equal(await row('day').locator('.col-type').textContent(), 'date');
      assert.equal(await row('discount').locator('td.num').textContent(), '1,000');
      if (width > 700) assert.deepEqual(await row('zip').locator('.sample').allTextContents(), ['00000', '00037', '00074', '00111', '00148']);
      // Overrides: qty as int64, country back to plain text, id dropped.
      await row('qty').locator('select').selectOption('int64');
      await row('country').locator('.category-toggle').uncheck();
      await row('id').locator('.keep-toggle').uncheck();
      assert.match(await row('qty').locator('.col-type').textContent(), /int64.*your choice/);
      await shot(page, `${width}-2-overridden`);
      const out = await convertAndDownload(page, `mixed-${width}`);
      await shot(page, `${width}-3-result`);
      await page.screenshot({ path: `${SHOTS}/${width}-3-result-viewport.png` });
      const result = await page.textContent('#result');
      assert.match(result, /Rows written\s*3,000/);
      assert.match(result, /Rows rejected\s*0/);
      assert.equal(await page.locator('#column-bytes .barrow').count(), 5);
      const checked = check(csv, out, '--subset');
      assert.match(checked, /^ok: 3000 rows x 5 columns match/);
      assert.match(checked, /qty:int64, country:string, zip:string, day:date32\[day\], discount:uint8/);
      await done(ctx);
    });
  });
}

test('drop several files: all are queued, each with its own preview', async () => {
  const ctx = await open();
  const { page } = ctx;
  const data = await page.evaluateHandle(([a, b]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([a], 'first.csv', { type: 'text/csv' }));
    dt.items.add(new File([b], 'second.csv', { type: 'text/csv' }));
    return dt;
  }, [mixedCsv(10), 'x,y\n1,true\n2,false\n']);
  await page.dispatchEvent('#drop', 'drop', { dataTransfer: data });
  await page.waitForFunction(() => document.querySelectorAll('#queue li').length === 2);
  await page.waitForFunction(() => [...document.querySelectorAll('.qstate')].every((s) => s.textContent === 'ready'));
  assert.equal(await page.textContent('#file-name'), 'first.csv');
  await page.locator('#queue button', { hasText: 'second.csv' }).click();
  assert.equal(await page.textContent('#file-name'), 'second.csv');
  assert.equal(await page.locator('#preview tr[data-column="y"] .col-type').textContent(), 'true / false');
  await shot(page, '1280-queue');
  await done(ctx);
});

test('the keyboard alone opens the file picker', async () => {
  const ctx = await open();
  const { page } = ctx;
  let focused = '';
  for (let i = 0; i < 10 && focused !== 'choose'; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => document.activeElement?.id ?? '');
  }
  assert.equal(focused, 'choose');
  // Enter on the button must open the file input's picker (its click is what opens it; the
  // native dialog itself is not observed, Playwright's interception of it is racy).
  await page.evaluate(() => document.querySelector('#file-input').addEventListener('click', () => (window.pickerOpened = true)));
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.pickerOpened === true);
  assert.equal(await page.getAttribute('#file-input', 'multiple'), '');
  await page.setInputFiles('#file-input', fixture('keys.csv', 'a,b\n1,2\n'));
  await page.waitForSelector('#preview');
  await done(ctx);
});

// The file being saved takes back what a failed one-pass trial wrote (it is truncated):
// read once when the first 10,000 rows' types hold, and written again when they do not.
// Row groups of 65,536 rows: the late row comes after several were written, and changes
// their bytes (a fifth country sorts first: every country's code changes).
const SAVED_ROWS = 300000;
for (const [name, late, mode] of [
  ['saved', '', 'one-pass'],
  ['saved-late', `${SAVED_ROWS},300,Chile,00001,2024-01-11,5\n`, 'two-pass'],
]) {
  test(`saving streams into a file chosen before converting (${mode})`, async () => {
    const ctx = await open(1280, { opfsPicker: true });
    const { page } = ctx;
    // The first row's id is the largest: the first rows decide every column's type.
    const rows = mixedCsv(SAVED_ROWS).replace('\n0,', `\n${2 * SAVED_ROWS},`);
    const csv = fixture(`${name}.csv`, rows + late);
    await page.setInputFiles('#file-input', csv);
    await page.waitForSelector('#preview');
    await page.locator('#setting-rowGroupRows').selectOption('65536');
    assert.equal(await page.textContent('#convert'), 'Convert and save…');
    await page.click('#convert');
    await page.waitForSelector('#saved', { timeout: 60_000 });
    assert.equal(await page.textContent('#saved'), `Saved to ${name}.parquet as it was written.`);
    const b64 = await page.evaluate(async (file) => {
      const saved = await (await (await navigator.storage.getDirectory()).getFileHandle(file)).getFile();
      const bytes = new Uint8Array(await saved.arrayBuffer());
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(s);
    }, `${name}.parquet`);
    const out = `${WORK}/${name}.parquet`;
    writeFileSync(out, Buffer.from(b64, 'base64'));
    assert.match(check(csv, out), new RegExp(`^ok: ${SAVED_ROWS + (late ? 1 : 0)} rows x 6 columns`));
    const described = execFileSync('python3', ['-c', "import sys, pyarrow.parquet as pq; print(pq.read_metadata(sys.argv[1]).metadata[b'parquetry.inference'].decode())", out]);
    assert.equal(JSON.parse(described.toString()).mode, mode);
    await done(ctx);
  });
}

for (const width of [1280, 400]) {
  test(`cancel mid-way (${width} px): progress and memory show, then it stops and says so`, async () => {
    const ctx = await open(width);
    const { page } = ctx;
    await page.setInputFiles('#file-input', BIG);
    await page.waitForSelector('#preview');
    await useDownload(page);
    await page.click('#convert');
    // Into a Blob: one read that converts and checks every value's type as it goes.
    await page.waitForFunction(
      () => /^Converting/.test(document.querySelector('#phase')?.textContent ?? '')
        && Number((document.querySelector('#percent')?.textContent ?? '').replace(/\D/g, '')) >= 30,
      null,
      { timeout: 120_000 },
    );
    await page.waitForFunction(() => document.querySelector('#wasm-memory')?.textContent !== '–');
    await shot(page, `${width}-4-converting`);
    const percent = Number((await page.textContent('#percent')).replace(/\D/g, ''));
    assert.ok(percent >= 30 && percent < 100, `percent ${percent}`);
    assert.match(await page.textContent('#progress'), /Rows\/s[\s\S]*MB\/s[\s\S]*Time left/);
    await page.click('#cancel');
    await page.waitForSelector('#error');
    await shot(page, `${width}-5-cancelled`);
    assert.equal(await page.textContent('#error h3'), 'Cancelled');
    assert.equal(await page.locator('#download').count(), 0, 'no output is offered');
    assert.equal(await page.isVisible('#progress'), false, 'the progress is gone');
    assert.equal(await page.locator('.qstate').first().textContent(), 'cancelled');
    await done(ctx);
  });
}

test('a bad file says which line, column and value, and what to do', async () => {
  const ctx = await open();
  const { page } = ctx;
  // Forcing uint8 on a column with 300 in it: line 4 cannot be converted.
  await page.setInputFiles('#file-input', fixture('bad.csv', 'name,count\nann,3\nbob,250\ncid,300\n'));
  await page.waitForSelector('#preview');
  await page.locator('#preview tr[data-column="count"] select').selectOption('uint8');
  await useDownload(page);
  await page.click('#convert');
  await page.waitForSelector('#error');
  await shot(page, '1280-6-error');
  assert.equal(await page.textContent('#error h3'), 'A row does not fit');
  const detail = await page.textContent('#error .detail');
  assert.match(detail, /^Line 4, column “count”: the value “300”/);
  assert.match(await page.textContent('#error'), /Change that column’s type below/);
  await page.setInputFiles('#file-input', fixture('empty.csv', ''));
  await page.waitForSelector('#error h3');
  assert.equal(await page.textContent('#error h3'), 'Nothing to convert');
  await done(ctx);
});

test('column names and values from the file are shown as text, never as HTML', async () => {
  const ctx = await open();
  const { page } = ctx;
  const evil = '<img src=x onerror=alert(1)>';
  await page.setInputFiles('#file-input', fixture('evil.csv', `"${evil}",b\n"<b>bold</b>",1\n`));
  await page.waitForSelector('#preview');
  await shot(page, '1280-7-markup-as-text');
  assert.equal(await page.locator('#preview .col-name').first().textContent(), evil);
  assert.deepEqual(await page.locator('#preview tr').nth(1).locator('.sample').allTextContents(), ['<b>bold</b>']);
  assert.equal(await page.locator('#work img, #work b').count(), 0);
  await useDownload(page);
  await page.click('#convert');
  await page.waitForSelector('#result');
  assert.equal(await page.locator('#column-bytes .bname').first().textContent(), evil);
  assert.equal(await page.locator('#work img, #work b').count(), 0);
  await done(ctx); // no alert() dialog was opened
});

test('collected bad rows: the result counts them and offers them as CSV', async () => {
  const ctx = await open();
  const { page } = ctx;
  const csv = fixture('ragged.csv', 'a,b\n1,x\n2,y,extra\n3,z\n');
  await page.setInputFiles('#file-input', csv);
  await page.waitForSelector('#preview');
  await page.selectOption('#setting-badRows', 'collect');
  const out = await convertAndDownload(page, 'ragged');
  assert.match(await page.textContent('#result'), /Rows written\s*2[\s\S]*Rows rejected\s*1/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-rejected')]);
  assert.equal(download.suggestedFilename(), 'ragged.rejected.csv');
  const rejected = `${WORK}/ragged.rejected.csv`;
  await download.saveAs(rejected);
  const text = readFileSync(rejected, 'utf8');
  assert.match(text, /^line,column,value,reason,row\n"3",/);
  assert.match(text, /"2,y,extra"/);
  const table = execFileSync('python3', ['-c', 'import sys, pyarrow.parquet as pq; t = pq.read_table(sys.argv[1]); print(t.column("a").to_pylist(), t.column("b").to_pylist())', out]).toString();
  assert.equal(table.trim(), "[1, 3] ['x', 'z']");
  await done(ctx);
});

test('without cross-origin isolation it runs single-threaded and says why', async () => {
  // A static server without COOP/COEP, and no service worker to add them.
  const server = await serve({ isolate: false, root: `${ROOT}dist` });
  const ctx = await open(1280, { at: `${server.origin}/index.html?sample`, serviceWorkers: 'block' });
  const { page } = ctx;
  assert.equal(await page.textContent('#engine'), 'Single-threaded');
  assert.match(await page.textContent('#engine-why'), /^Running on one thread: .*cross-origin isolated/);
  await page.waitForSelector('#preview');
  const out = await convertAndDownload(page, 'sample-single');
  assert.match(await page.textContent('#result'), /Single-threaded/);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: `${SHOTS}/1280-8-single-threaded.png` });
  assert.match(check(`${ROOT}web/public/sample.csv`, out), /^ok: 500 rows x 11 columns/);
  await done(ctx);
  await server.close();
});
