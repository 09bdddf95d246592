// The web app: drop CSV files, preview their types, convert them to Parquet in a Web
// Worker with progress and memory, and save the result. The engine is the npm package
// (`parquetry`, aliased to web/dist by vite.config.ts); nothing here touches the network.

import { chooseBuild, convert, inspect, ParquetryError, prepare, type ColumnType, type ErrorInfo, type Progress } from 'parquetry';
import { drawMemory } from './chart.js';
import { $, fill, h } from './dom.js';
import { DEFAULT_SETTINGS, newJob, parquetName, type Job, type Settings } from './state.js';
import { bytes, columnInWords, count, duration, errorInWords, typeInWords } from './words.js';
import { registerOffline } from './offline.js';

const jobs: Job[] = [];
let selected: Job | undefined;
/** The job whose progress card is on the page. */
let progressJob: Job | undefined;
let settings: Settings = { ...DEFAULT_SETTINGS };
const canSaveToDisk = 'showSaveFilePicker' in window;

const TYPES: ColumnType[] = ['text', 'category', 'bool', 'uint8', 'uint16', 'uint32', 'uint64', 'int8', 'int16', 'int32', 'int64', 'float32', 'float64', 'date', 'timestamp', 'time'];
/** Share of the work each pass takes, for one overall percentage (measured: scan ~45%). */
const SCAN_SHARE = 0.45;
const MEMORY_BUDGET = 256 * 2 ** 20;

// ---- files in ----

function addFiles(files: Iterable<File>): void {
  let first: Job | undefined;
  for (const file of files) {
    const job = newJob(file, settings);
    jobs.push(job);
    first ??= job;
    void preview(job);
  }
  if (first) select(first);
  renderQueue();
}

/** Keeps a worker ready for the next file, so dropping one starts work at once. */
function keepReady(): void {
  prepare().catch(() => {}); // a worker that fails to load fails the call that takes it
}

async function preview(job: Job): Promise<void> {
  try {
    const inspecting = inspect(job.file, { preview: true });
    keepReady(); // for the conversion that follows
    job.inference = await inspecting;
    for (const c of job.inference.columns) job.choices.set(c.name, { keep: true });
    job.phase = 'ready';
  } catch (e) {
    job.phase = 'failed';
    job.error = info(e);
  }
  renderQueue();
  if (job === selected) render();
}

function info(e: unknown): ErrorInfo {
  if (e instanceof ParquetryError) return e.toJSON();
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}

// ---- conversion ----

/** Asks where to save before converting, so the Parquet streams straight to disk. */
async function pickFile(job: Job): Promise<{ stream: WritableStream<Uint8Array>; name: string } | null> {
  const w = window as unknown as { showSaveFilePicker: (o: object) => Promise<FileSystemFileHandle> };
  const handle = await w.showSaveFilePicker({
    suggestedName: parquetName(job.file),
    types: [{ description: 'Parquet file', accept: { 'application/vnd.apache.parquet': ['.parquet'] } }],
  });
  return { stream: (await handle.createWritable()) as unknown as WritableStream<Uint8Array>, name: handle.name };
}

async function startConversion(job: Job): Promise<void> {
  if (job.phase === 'converting') return;
  let target: { stream: WritableStream<Uint8Array>; name: string } | null = null;
  if (canSaveToDisk && job.settings.saveToDisk) {
    try {
      target = await pickFile(job);
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') return; // the person closed the picker
      throw e;
    }
  }
  const types: Record<string, ColumnType> = {};
  const columns: string[] = [];
  for (const c of job.inference?.columns ?? []) {
    const choice = job.choices.get(c.name);
    if (choice?.keep === false) continue;
    columns.push(c.name);
    if (choice?.type) types[c.name] = choice.type;
  }
  job.phase = 'converting';
  job.error = undefined;
  job.result = undefined;
  job.progress = undefined;
  job.memory = [];
  job.passStarted = {};
  job.started = performance.now();
  job.abort = new AbortController();
  if (job.downloadUrl) URL.revokeObjectURL(job.downloadUrl);
  job.downloadUrl = undefined;
  job.savedAs = undefined;
  renderQueue();
  render();
  try {
    const result = await convert(job.file, {
      compression: job.settings.compression,
      rowGroupRows: job.settings.rowGroupRows,
      badRows: job.settings.badRows,
      types,
      columns: columns.length === job.inference?.columns.length ? undefined : columns,
      signal: job.abort.signal,
      output: target?.stream,
      onProgress: (p) => onProgress(job, p),
    });
    job.result = result;
    job.phase = 'done';
    if (target) job.savedAs = target.name;
    else if (result.output) job.downloadUrl = URL.createObjectURL(result.output);
  } catch (e) {
    job.phase = 'failed';
    job.error = info(e);
  }
  job.abort = undefined;
  keepReady(); // after the conversion, not during it: loading would take a core from it
  renderQueue();
  if (job === selected) render();
}

function onProgress(job: Job, p: Progress): void {
  // Events still in flight from a cancelled worker change nothing.
  if (job.phase !== 'converting') return;
  const now = performance.now();
  job.passStarted[p.phase] ??= now;
  job.progress = p;
  const js = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize;
  job.memory.push({ t: now, wasm: p.wasmMemoryBytes, js });
  if (job === selected) renderProgress(job);
}

// ---- rendering ----

function select(job: Job): void {
  selected = job;
  renderQueue();
  render();
}

function renderEngine(): void {
  const build = chooseBuild();
  const el = $('#engine');
  el.className = `badge ${build.threaded ? 'ok' : 'warn'}`;
  fill(el, build.threaded ? `Threaded · ${build.threads} threads` : 'Single-threaded');
  el.title = build.reason;
  fill($('#engine-why'), build.threaded ? `Running on ${build.threads} threads: ${build.reason}.` : `Running on one thread: ${build.reason}.`);
}

function stateWords(job: Job): string {
  switch (job.phase) {
    case 'inspecting':
      return 'reading…';
    case 'ready':
      return 'ready';
    case 'converting':
      return 'converting…';
    case 'done':
      return 'done';
    case 'failed':
      return job.error?.code === 'aborted' ? 'cancelled' : 'failed';
  }
}

function renderQueue(): void {
  const list = $('#queue');
  fill(
    list,
    ...jobs.map((job) =>
      h(
        'li',
        {},
        h(
          'button',
          { class: `queued${job === selected ? ' current' : ''}`, 'aria-current': job === selected ? 'true' : undefined, onclick: () => select(job) },
          h('span', { class: 'qname' }, job.file.name),
          h('span', { class: 'qmeta' }, bytes(job.file.size), ' · ', h('span', { class: `qstate ${job.phase}` }, stateWords(job))),
        ),
      ),
    ),
  );
  $('#queue-empty').hidden = jobs.length > 0;
}

function render(): void {
  const work = $('#work');
  const job = selected;
  if (!job) {
    fill(work, h('div', { class: 'welcome' }, h('h2', {}, 'Convert a CSV file to Parquet'), h('p', {}, 'Drop a file on the left, or choose one. Nothing leaves your computer: the conversion runs in this page, even offline.')));
    return;
  }
  fill(
    work,
    h('div', { class: 'file-head' }, h('h2', { id: 'file-name' }, job.file.name), h('span', { class: 'muted' }, bytes(job.file.size))),
    job.phase === 'inspecting' ? h('p', { class: 'muted', id: 'inspecting' }, 'Reading the first rows…') : null,
    // What to do and what happened come first; the column table can be long.
    job.inference ? actionsSection(job) : null,
    h('section', { id: 'progress', class: 'card', hidden: job.phase !== 'converting' }),
    job.phase === 'done' ? resultSection(job) : null,
    job.error ? errorSection(job) : null,
    job.inference ? previewSection(job) : null,
  );
  if (job.phase === 'converting') renderProgress(job);
}

function previewSection(job: Job): HTMLElement {
  const inf = job.inference!;
  const d = inf.dialect;
  const delim = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' }[d.delimiter] ?? `“${d.delimiter}”`;
  const locked = job.phase === 'converting';
  const rows = inf.columns.map((c) => {
    const choice = job.choices.get(c.name) ?? { keep: true };
    const effective = choice.type ?? c.type;
    const typeSelect = h(
      'select',
      {
        'aria-label': `Type of column ${c.name}`,
        class: 'type-select',
        disabled: locked,
        onchange: (ev: Event) => {
          const v = (ev.target as HTMLSelectElement).value;
          choice.type = v === '' ? undefined : (v as ColumnType);
          job.choices.set(c.name, choice);
          render();
        },
      },
      h('option', { value: '', selected: !choice.type }, `as found: ${c.type}`),
      ...TYPES.map((t) => h('option', { value: t, selected: choice.type === t }, t)),
    );
    const isTexty = effective === 'text' || effective === 'category';
    const category = h('input', {
      type: 'checkbox',
      class: 'category-toggle',
      'aria-label': `Store column ${c.name} as a category`,
      checked: effective === 'category',
      disabled: locked || !isTexty,
      onchange: (ev: Event) => {
        choice.type = (ev.target as HTMLInputElement).checked ? 'category' : 'text';
        job.choices.set(c.name, choice);
        render();
      },
    });
    const keep = h('input', {
      type: 'checkbox',
      class: 'keep-toggle',
      'aria-label': `Keep column ${c.name}`,
      checked: choice.keep,
      disabled: locked,
      onchange: (ev: Event) => {
        choice.keep = (ev.target as HTMLInputElement).checked;
        job.choices.set(c.name, choice);
        render();
      },
    });
    return h(
      'tr',
      { class: choice.keep ? '' : 'dropped', 'data-column': c.name },
      h('td', {}, keep),
      h('th', { scope: 'row', class: 'col-name' }, c.name),
      h('td', { class: 'col-type' }, choice.type ? h('span', {}, typeInWords(choice.type), h('span', { class: 'forced' }, ' (your choice)')) : columnInWords(c)),
      h('td', {}, typeSelect),
      h('td', { class: 'center' }, category),
      h('td', { class: 'num' }, count(c.nulls)),
      h('td', { class: 'samples' }, ...c.samples.map((s) => h('span', { class: 'sample' }, s))),
    );
  });
  return h(
    'section',
    { class: 'card', id: 'preview' },
    h('h3', {}, 'Columns'),
    h(
      'p',
      { class: 'muted' },
      `${delim}-separated, ${d.header ? 'with a header row' : 'no header row'}, ${inf.encoding}${inf.bom ? ' with BOM' : ''}, ${d.line_ending} line ends. `,
      inf.sampledRows !== null ? `Types from the first ${count(inf.sampledRows)} rows; converting checks every row.` : `Types from all ${count(inf.rowsScanned)} rows.`,
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'schema' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Keep'), h('th', {}, 'Column'), h('th', {}, 'Type'), h('th', {}, 'Change type'), h('th', {}, 'Category'), h('th', { class: 'num' }, 'Nulls'), h('th', {}, 'Sample values'))),
        h('tbody', {}, ...rows),
      ),
    ),
  );
}

function settingSelect<K extends keyof Settings>(job: Job, key: K, label: string, options: [Settings[K], string][]): HTMLElement {
  return h(
    'label',
    { class: 'setting' },
    h('span', {}, label),
    h(
      'select',
      {
        id: `setting-${key}`,
        disabled: job.phase === 'converting',
        onchange: (ev: Event) => {
          const raw = (ev.target as HTMLSelectElement).value;
          const v = options.find(([o]) => String(o) === raw)?.[0];
          if (v === undefined) return;
          job.settings[key] = v;
          settings = { ...settings, [key]: v };
        },
      },
      ...options.map(([v, text]) => h('option', { value: String(v), selected: job.settings[key] === v }, text)),
    ),
  );
}

function actionsSection(job: Job): HTMLElement {
  const converting = job.phase === 'converting';
  return h(
    'section',
    { class: 'card actions' },
    h(
      'div',
      { class: 'settings' },
      settingSelect(job, 'compression', 'Compression', [['zstd', 'zstd (small, fast)'], ['snappy', 'snappy'], ['gzip', 'gzip'], ['brotli', 'brotli'], ['lz4', 'lz4'], ['none', 'none']]),
      settingSelect(job, 'rowGroupRows', 'Row group', [[65_536, '65,536 rows'], [262_144, '262,144 rows'], [1_048_576, '1,048,576 rows']]),
      settingSelect(job, 'badRows', 'Bad rows', [['error', 'Stop at the first'], ['skip', 'Skip them'], ['collect', 'Collect them for download']]),
      canSaveToDisk
        ? h(
            'label',
            { class: 'setting check' },
            h('input', {
              type: 'checkbox',
              id: 'setting-saveToDisk',
              checked: job.settings.saveToDisk,
              disabled: converting,
              onchange: (ev: Event) => {
                job.settings.saveToDisk = (ev.target as HTMLInputElement).checked;
                settings = { ...settings, saveToDisk: job.settings.saveToDisk };
                render();
              },
            }),
            h('span', {}, 'Save to disk while converting'),
          )
        : null,
    ),
    h(
      'div',
      { class: 'buttons' },
      h('button', { id: 'convert', class: 'primary', disabled: converting, onclick: () => void startConversion(job) }, canSaveToDisk && job.settings.saveToDisk ? 'Convert and save…' : 'Convert'),
    ),
  );
}

function renderProgress(job: Job): void {
  const el = document.querySelector<HTMLElement>('#progress');
  if (!el) return;
  el.hidden = false;
  // The Cancel button is made once per card: rebuilt with every progress event (dozens a
  // second), a press on it would land on a button already replaced and do nothing.
  let body = el.querySelector<HTMLElement>('#progress-body');
  if (!body || progressJob !== job) {
    body = h('div', { id: 'progress-body' });
    fill(el, body, h('div', { class: 'buttons' }, h('button', { id: 'cancel', onclick: () => job.abort?.abort() }, 'Cancel')));
    progressJob = job;
  }
  const p = job.progress;
  const now = performance.now();
  const total = job.file.size;
  // Gzip input reports decompressed bytes: its share of the file is unknown.
  const known = !/\.gz$/i.test(job.file.name) && total > 0;
  const passFraction = p && known ? Math.min(p.bytes / total, 1) : 0;
  const [phaseWords, overall] = passWords(job, passFraction);
  const since = p ? (now - (job.passStarted[p.phase] ?? now)) / 1000 : 0;
  const elapsed = (now - (job.started ?? now)) / 1000;
  const left = overall > 0.02 ? (elapsed * (1 - overall)) / overall : NaN;
  const last = job.memory.at(-1);
  const peak = p?.peakWasmMemoryBytes ?? 0;
  const chart = h('canvas', { class: 'chart', 'aria-label': 'Memory over time', role: 'img' });
  fill(
    body,
    h('div', { class: 'progress-head' }, h('strong', { id: 'phase' }, phaseWords), h('span', { id: 'percent' }, known ? `${Math.floor(overall * 100)} %` : p ? bytes(p.bytes) : '')),
    h('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.floor(overall * 100) }, h('div', { class: 'fill', style: `width:${(overall * 100).toFixed(1)}%` })),
    h(
      'div',
      { class: 'stats' },
      stat('Rows', p ? count(p.rows) : '–'),
      stat('Rows/s', p && since > 0.2 ? count(Math.round(p.rows / since)) : '–'),
      stat('MB/s', p && since > 0.2 ? (p.bytes / 1e6 / since).toFixed(1) : '–'),
      stat('Time left', known ? duration(left) : '–'),
    ),
    h(
      'div',
      { class: 'memory' },
      h(
        'div',
        { class: 'gauge-wrap' },
        h('div', { class: 'gauge-label' }, h('span', {}, 'Wasm memory'), h('strong', { id: 'wasm-memory' }, last ? bytes(last.wasm) : '–'), h('span', { class: 'muted' }, ` peak ${bytes(peak)} of a 256 MiB budget`)),
        h('div', { class: 'gauge' }, h('div', { class: 'fill', style: `width:${Math.min(100, ((last?.wasm ?? 0) / MEMORY_BUDGET) * 100).toFixed(1)}%` })),
        last?.js !== undefined ? h('div', { class: 'muted small' }, h('span', { class: 'key js' }), `JS heap ${bytes(last.js)}`, ' ', h('span', { class: 'key wasm' }), 'wasm') : null,
      ),
      chart,
    ),
  );
  drawMemory(chart, job.memory);
}

/** The pass in words, and how far the whole conversion is (0–1) when the pass is
 * `fraction` through the file. A file takes one read that checks every value against its
 * first rows' types; if they change later, a scan and a conversion follow. */
function passWords(job: Job, fraction: number): [string, number] {
  const p = job.progress;
  const again = job.passStarted.trial !== undefined ? 'The types changed after the first rows · ' : '';
  switch (p?.phase) {
    case undefined:
      return ['Starting the engine…', 0];
    case 'sniff':
      return ['Reading the dialect and the first rows', 0];
    case 'trial':
      return ['Converting · checking every value against the first rows’ types', fraction];
    case 'scan':
      return [`${again}Pass 1 of 2 · checking every value’s type`, SCAN_SHARE * fraction];
    case 'convert':
      return [`${again}Pass 2 of 2 · writing Parquet`, SCAN_SHARE + (1 - SCAN_SHARE) * fraction];
  }
}

function stat(label: string, value: string): HTMLElement {
  return h('div', { class: 'stat' }, h('span', { class: 'muted' }, label), h('strong', {}, value));
}

function resultSection(job: Job): HTMLElement {
  const r = job.result!;
  const out = r.report.bytes_out;
  const ratio = r.report.bytes_in > 0 ? out / r.report.bytes_in : 0;
  const biggest = Math.max(1, ...r.schema.map((c) => c.bytes));
  const secs = (r.timingsMs.sniff + r.timingsMs.scan + r.timingsMs.convert) / 1000;
  const save = job.savedAs
    ? h('p', { class: 'saved', id: 'saved' }, `Saved to ${job.savedAs} as it was written.`)
    : job.downloadUrl
      ? h('a', { class: 'button primary', id: 'download', href: job.downloadUrl, download: parquetName(job.file) }, `Download ${parquetName(job.file)}`)
      : null;
  const rejectedCsv = r.rejected.length > 0 ? rejectedDownload(job) : null;
  return h(
    'section',
    { class: 'card', id: 'result' },
    h('h3', {}, 'Done'),
    h(
      'div',
      { class: 'stats' },
      stat('Parquet size', bytes(out)),
      stat('Of the CSV', `${(ratio * 100).toFixed(0)} %${ratio > 0 ? ` (${(1 / ratio).toFixed(1)}× smaller)` : ''}`),
      stat('Rows written', count(r.rowsWritten)),
      stat('Rows rejected', count(r.rowsRejected)),
      stat('Time', duration(secs)),
    ),
    h('p', { class: 'muted small' }, `${r.build.threaded ? `Threaded, ${r.build.threads} threads` : 'Single-threaded'} · peak wasm memory ${bytes(r.peakWasmMemoryBytes)} · ${r.report.row_groups} row group${r.report.row_groups === 1 ? '' : 's'}`),
    h('div', { class: 'buttons' }, save, rejectedCsv),
    h('h4', {}, 'Bytes per column in the Parquet file'),
    h(
      'div',
      { class: 'bars', id: 'column-bytes' },
      ...r.schema.map((c) =>
        h(
          'div',
          { class: 'barrow' },
          h('span', { class: 'bname', title: c.name }, c.name),
          h('span', { class: 'btrack' }, h('span', { class: 'bfill', style: `width:${((c.bytes / biggest) * 100).toFixed(1)}%` })),
          h('span', { class: 'bval' }, `${bytes(c.bytes)} · ${c.type}`),
        ),
      ),
    ),
  );
}

/** Rejected rows as CSV: line, column, value, reason and the row's own text. */
function rejectedDownload(job: Job): HTMLElement {
  const q = (s: string | number | null | undefined) => `"${String(s ?? '').replaceAll('"', '""')}"`;
  const lines = ['line,column,value,reason,row', ...job.result!.rejected.map((r) => [r.line, r.column, r.value, r.reason, r.record].map(q).join(','))];
  const url = URL.createObjectURL(new Blob([lines.join('\n') + '\n'], { type: 'text/csv' }));
  const name = parquetName(job.file).replace(/\.parquet$/, '.rejected.csv');
  return h('a', { class: 'button', id: 'download-rejected', href: url, download: name }, `Download ${count(job.result!.rejected.length)} rejected rows (CSV)`);
}

function errorSection(job: Job): HTMLElement {
  const w = errorInWords(job.error!);
  return h(
    'section',
    { class: `card error ${job.error!.code === 'aborted' ? 'soft' : ''}`, id: 'error', role: 'alert' },
    h('h3', {}, w.title),
    h('p', { class: 'detail' }, w.detail),
    h('p', {}, w.action),
  );
}

// ---- wiring ----

function wire(): void {
  const input = $<HTMLInputElement>('#file-input');
  const drop = $('#drop');
  $('#choose').addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    if (input.files) addFiles([...input.files]);
    input.value = '';
  });
  for (const ev of ['dragenter', 'dragover']) {
    drop.addEventListener(ev, (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
  }
  for (const ev of ['dragleave', 'drop']) drop.addEventListener(ev, () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    const files = [...((e as DragEvent).dataTransfer?.files ?? [])];
    if (files.length) addFiles(files);
  });
  // Dropping a file anywhere else must not navigate away from the app.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());
  $('#sample').addEventListener('click', async () => {
    const blob = await (await fetch(new URL('sample.csv', document.baseURI))).blob();
    addFiles([new File([blob], 'sample.csv', { type: 'text/csv' })]);
  });
  // Redraw the chart when the window changes size.
  window.addEventListener('resize', () => selected?.phase === 'converting' && renderProgress(selected));
}

renderEngine();
keepReady();
wire();
renderQueue();
render();
registerOffline();
// `?sample` opens the app on the bundled sample (what `npm start` points to).
if (new URLSearchParams(location.search).has('sample')) $('#sample').click();
