// Public options and the engine's JSON form of them (crate/src/options.rs, camelCase).

export type ColumnType =
  | 'text' | 'category' | 'bool'
  | 'int8' | 'int16' | 'int32' | 'int64'
  | 'uint8' | 'uint16' | 'uint32' | 'uint64'
  | 'float32' | 'float64' | 'date' | 'timestamp' | 'time';

export type Compression = 'zstd' | 'snappy' | 'gzip' | 'brotli' | 'lz4' | 'none';

/** Engine options; every one is optional and mirrors a flag of the command line. */
export interface EngineOptions {
  /** zstd by default. */
  compression?: Compression;
  /** Codec level (zstd 1-22, gzip 0-9, brotli 0-11). */
  level?: number;
  /** Rows per row group (default 262,144). */
  rowGroupRows?: number;
  /** CSV bytes per row group (default 64 MiB): bounds memory on wide files. */
  rowGroupBytes?: number;
  /** Min/max statistics in the Parquet file (default true). */
  statistics?: boolean;
  /** A single character (`,` `;` `\t` `|` …); sniffed when absent. */
  delimiter?: string;
  /** Quote character, or null for none; sniffed when absent. */
  quote?: string | null;
  /** Whether the first row is a header; sniffed when absent. */
  header?: boolean;
  encoding?: 'UTF-8' | 'UTF-16LE' | 'UTF-16BE' | 'windows-1252';
  /** Tokens read as null where that lets a column keep a non-text type. */
  nullTokens?: string[];
  /** Most distinct values for a category column (0 disables categories). */
  categoryMax?: number;
  /** Distinct values must be at most this fraction of non-null values. */
  categoryRatio?: number;
  /** Per-column type overrides, by header name. */
  types?: Record<string, ColumnType>;
  /** Keep only these columns, in this order. */
  columns?: string[];
  /** What to do with a bad row: stop (default), skip it, or collect it for download. */
  badRows?: 'error' | 'skip' | 'collect';
  /** Rows used for inference when the input is a stream (default 10,000). */
  sampleRows?: number;
  /** A longer field rejects its row (default 16 MiB). */
  maxFieldBytes?: number;
}

function byte(name: string, c: string): number {
  const code = c.codePointAt(0);
  if (c.length !== 1 || code === undefined || code > 127) {
    throw new TypeError(`${name} must be one ASCII character, got ${JSON.stringify(c)}`);
  }
  return code;
}

/** The engine's JSON for `opts` (it validates the values and names what is wrong). */
export function engineOptions(opts: EngineOptions): string {
  const e: Record<string, unknown> = {};
  const copy = [
    'compression', 'level', 'rowGroupRows', 'rowGroupBytes', 'statistics', 'header',
    'encoding', 'nullTokens', 'categoryMax', 'categoryRatio', 'columns', 'badRows',
    'sampleRows', 'maxFieldBytes',
  ] as const;
  for (const k of copy) if (opts[k] !== undefined) e[k] = opts[k];
  if (opts.delimiter !== undefined) e.delimiter = byte('delimiter', opts.delimiter);
  if (opts.quote !== undefined) e.quote = opts.quote === null ? null : byte('quote', opts.quote);
  if (opts.types) e.types = Object.entries(opts.types);
  return JSON.stringify(e);
}
