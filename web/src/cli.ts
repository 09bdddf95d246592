#!/usr/bin/env node
// `npx parquetry INPUT.csv -o OUT.parquet [options] [--json]`: the single-threaded wasm
// engine in Node, with the native command line's flags (docs/cli.md). INPUT `-` is stdin.

import { createReadStream } from 'node:fs';
import { open, readFile, rm, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { drive, FEED_BYTES, type Source } from './drive.js';
import { errorInfo } from './errors.js';
import { engineOptions, type ColumnType, type Compression, type EngineOptions } from './options.js';
import type { Progress, Report } from './types.js';
import init, { Session } from './wasm/st/parquetry_wasm.js';

const USAGE = `usage: parquetry INPUT.csv -o OUTPUT.parquet [options] [--json]
options: --compression C  --level N  --row-group-rows N  --row-group-bytes N  --no-statistics
         --delimiter C  --quote C|none  --header | --no-header  --encoding E
         --null TOKEN (repeatable)  --no-null-tokens  --category-max N  --category-ratio F
         --type COL=TYPE (repeatable)  --columns A,B,C  --bad-rows error|skip|collect
         --rejects PATH  --threads N  --stream  --sample-rows N  --max-field-bytes N
         --json  -q, --quiet
INPUT "-" reads standard input (one pass, types from the first --sample-rows rows).`;

class Usage extends Error {}

const num = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || v.trim() === '') throw new Usage(`--${name} expects a number, got ${JSON.stringify(v)}`);
  return n;
};

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      compression: { type: 'string' },
      level: { type: 'string' },
      'row-group-rows': { type: 'string' },
      'row-group-bytes': { type: 'string' },
      'no-statistics': { type: 'boolean' },
      delimiter: { type: 'string' },
      quote: { type: 'string' },
      header: { type: 'boolean' },
      'no-header': { type: 'boolean' },
      encoding: { type: 'string' },
      null: { type: 'string', multiple: true },
      'no-null-tokens': { type: 'boolean' },
      'category-max': { type: 'string' },
      'category-ratio': { type: 'string' },
      type: { type: 'string', multiple: true },
      columns: { type: 'string' },
      'bad-rows': { type: 'string' },
      rejects: { type: 'string' },
      threads: { type: 'string' },
      stream: { type: 'boolean' },
      'sample-rows': { type: 'string' },
      'max-field-bytes': { type: 'string' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (positionals.length !== 1) throw new Usage('expected exactly one INPUT');
  if (!values.output) throw new Usage('missing -o OUTPUT.parquet');
  const delimiter = values.delimiter === 'tab' || values.delimiter === '\\t' ? '\t' : values.delimiter;
  const opts: EngineOptions = {
    compression: values.compression?.toLowerCase() as Compression | undefined,
    level: num('level', values.level),
    rowGroupRows: num('row-group-rows', values['row-group-rows']),
    rowGroupBytes: num('row-group-bytes', values['row-group-bytes']),
    statistics: values['no-statistics'] ? false : undefined,
    delimiter,
    quote: values.quote === undefined ? undefined : values.quote === 'none' ? null : values.quote,
    header: values['no-header'] ? false : values.header ? true : undefined,
    encoding: values.encoding ? canonicalEncoding(values.encoding) : undefined,
    nullTokens: values['no-null-tokens'] ? [] : values.null,
    categoryMax: num('category-max', values['category-max']),
    categoryRatio: num('category-ratio', values['category-ratio']),
    columns: values.columns?.split(','),
    badRows: values['bad-rows'] as EngineOptions['badRows'],
    sampleRows: num('sample-rows', values['sample-rows']),
    maxFieldBytes: num('max-field-bytes', values['max-field-bytes']),
  };
  if (values.type) {
    opts.types = {};
    for (const t of values.type) {
      const at = t.lastIndexOf('=');
      if (at <= 0) throw new Usage(`--type expects COL=TYPE, got ${JSON.stringify(t)}`);
      opts.types[t.slice(0, at)] = t.slice(at + 1).toLowerCase() as ColumnType;
    }
  }
  let options: string;
  try {
    options = engineOptions(opts);
  } catch (e) {
    throw new Usage((e as Error).message);
  }
  return { input: positionals[0], output: values.output, stream: !!values.stream, json: !!values.json, quiet: !!values.quiet, rejects: values.rejects, options };
}

function canonicalEncoding(e: string): EngineOptions['encoding'] {
  const m: Record<string, EngineOptions['encoding']> = {
    'utf-8': 'UTF-8', utf8: 'UTF-8', 'utf-16le': 'UTF-16LE', 'utf-16be': 'UTF-16BE',
    'windows-1252': 'windows-1252', cp1252: 'windows-1252',
  };
  const v = m[e.toLowerCase()];
  if (!v) throw new Usage(`unknown encoding ${JSON.stringify(e)}: expected utf-8, utf-16le, utf-16be or windows-1252`);
  return v;
}

function progressLine(total: number | undefined) {
  let last = 0;
  let shown = false;
  return {
    show(p: Progress) {
      const now = Date.now();
      if (!process.stderr.isTTY || now - last < 100) return;
      last = now;
      const pct = total ? ` ${((p.bytes * 100) / total).toFixed(1).padStart(5)}%` : '';
      process.stderr.write(`\r${p.phase.padEnd(8)}${pct} ${String(p.rows).padStart(12)} rows  ${(p.bytes / 1e6).toFixed(1).padStart(8)} MB read  wasm ${(p.wasmMemoryBytes / 1e6).toFixed(1).padStart(7)} MB `);
      shown = true;
    },
    clear() {
      if (shown) process.stderr.write(`\r${' '.repeat(80)}\r`);
    },
  };
}

const csvQuote = (s: string) => `"${s.replaceAll('"', '""')}"`;

async function main(): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(process.argv.slice(2));
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const wasm = await readFile(new URL('./wasm/st/parquetry_wasm_bg.wasm', import.meta.url));
  const exports = await init({ module_or_path: wasm });
  // Node reads a file 64 KiB at a time by default, one read per await: with a read the size
  // of a feed, the next one is under way while the engine works (2.5 s → 2.0 s on 100 MB).
  const fromFile = () =>
    Readable.toWeb(createReadStream(args.input, { highWaterMark: FEED_BYTES })) as unknown as ReadableStream<Uint8Array>;
  const source: Source =
    args.input === '-'
      ? { once: Readable.toWeb(process.stdin) as unknown as ReadableStream<Uint8Array> }
      : args.stream
        ? { once: fromFile() }
        : { reread: fromFile };
  let total: number | undefined;
  if (args.input !== '-') {
    try {
      const f = await open(args.input);
      total = (await f.stat()).size;
      await f.close();
    } catch (e) {
      console.error(`error: cannot read ${args.input}: ${(e as Error).message}`);
      return 1;
    }
  }
  const out = await open(args.output, 'w');
  // Written at explicit offsets: output taken back is truncated, and writing goes on there.
  let at = 0;
  const line = progressLine(total);
  let report: Report;
  try {
    ({ report } = await drive({ Session, memory: exports.memory }, source, args.options, {
      totalBytes: total,
      onProgress: args.quiet ? undefined : (p) => line.show(p),
      onOutput: async (bytes) => {
        await out.write(bytes, 0, bytes.length, at);
        at += bytes.length;
      },
      onDiscard: async (bytes) => {
        at -= bytes;
        await out.truncate(at);
      },
    }));
    await out.close();
  } catch (e) {
    line.clear();
    await out.close().catch(() => {});
    // Never leave a half-written file that looks like a result.
    await rm(args.output, { force: true });
    const info = errorInfo(e);
    console.error(`error: ${info.message}`);
    return info.code === 'options' ? 2 : 1;
  }
  line.clear();
  if (args.rejects) {
    const rows = report.rejected.map((r) => `${r.line},${csvQuote(r.reason)},${csvQuote(r.record)}`);
    await writeFile(args.rejects, ['line,reason,record', ...rows].join('\n') + '\n');
  }
  if (args.json) {
    console.log(JSON.stringify(report, null, 2));
  } else if (!args.quiet) {
    const t = report.timings_ms;
    console.error(`${report.rows_written} rows written, ${report.rows_rejected} rejected, ${(report.bytes_in / 1e6).toFixed(1)} MB → ${(report.bytes_out / 1e6).toFixed(1)} MB (${args.output}) in ${Math.round(t.sniff + t.scan + t.convert)} ms`);
  }
  return 0;
}

// exitCode, not exit(): exit() would cut off a large --json report still being piped.
main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(`error: ${errorInfo(e).message}`);
    process.exitCode = 1;
  },
);
