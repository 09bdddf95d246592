// The shapes the engine reports (the native CLI's `--json` report, docs/cli.md).

export interface Dialect {
  delimiter: string;
  quote: string | null;
  header: boolean;
  line_ending: 'LF' | 'CRLF' | 'CR';
}

export interface ColumnReport {
  name: string;
  type: string;
  forced: boolean;
  nulls: number;
  min: string | null;
  max: string | null;
  distinct: number | null;
  decimals: number | null;
  /** Compressed bytes of the column's chunks in the Parquet file. */
  bytes: number;
  /** A category column's vocabulary, in code order. */
  categories?: string[];
}

export interface Rejection {
  line: number;
  kind: string;
  column: string | null;
  value: string | null;
  reason: string;
  hint?: string;
  /** The row as one CSV line. */
  record: string;
}

export interface Report {
  rows_in: number;
  rows_written: number;
  rows_rejected: number;
  bytes_in: number;
  bytes_out: number;
  row_groups: number;
  dialect: Dialect & { bom: boolean; encoding: string };
  mode: 'one-pass' | 'two-pass' | 'stream';
  columns: ColumnReport[];
  rejected: Rejection[];
  timings_ms: { sniff: number; scan: number; convert: number };
  peak_heap_bytes: number;
}

export interface InferredColumn {
  name: string;
  type: string;
  forced: boolean;
  distinct: number | null;
  decimals: number | null;
  categories: string[] | null;
  /** Nulls seen, given the type (null tokens in a text column are text). */
  nulls: number;
  /** The first few distinct non-empty values, as text. */
  samples: string[];
}

export interface Inference {
  dialect: Dialect;
  encoding: string;
  bom: boolean;
  rowsScanned: number;
  sampledRows: number | null;
  columns: InferredColumn[];
  timingsMs: { sniff: number; scan: number };
}

export interface Progress {
  /** In the order phases come, never back: `sniff` (the dialect, and the first rows whose
   * types go on trial), `trial` (one read that converts with them and checks every row;
   * done if they hold), `scan` (every column's type), `convert` (with known types). */
  phase: 'sniff' | 'trial' | 'scan' | 'convert';
  /** Input bytes consumed in this phase (decompressed bytes for gzip input). */
  bytes: number;
  rows: number;
  /** Input size when known. */
  totalBytes?: number;
  /** Live and peak bytes of the engine's heap. */
  heapBytes: number;
  peakHeapBytes: number;
  /** Size of the wasm linear memory (it grows, never shrinks). */
  wasmMemoryBytes: number;
  peakWasmMemoryBytes: number;
}
