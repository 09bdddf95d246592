// Typed errors: every failure reaches callers as a ParquetryError with a code, never as a
// bare string or a wasm trap message.

export type ErrorCode =
  | 'empty_input' | 'bad_row' | 'options' | 'io' | 'parquet' | 'arrow' | 'internal'
  | 'state' | 'aborted' | 'worker';

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  /** 1-based line of the offending record (bad rows). */
  line?: number;
  column?: string | null;
  value?: string | null;
  reason?: string;
  /** What the user can do about it. */
  hint?: string | null;
}

export class ParquetryError extends Error implements ErrorInfo {
  readonly code: ErrorCode;
  readonly line?: number;
  readonly column?: string | null;
  readonly value?: string | null;
  readonly reason?: string;
  readonly hint?: string | null;

  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = info.code === 'aborted' ? 'AbortError' : 'ParquetryError';
    this.code = info.code;
    this.line = info.line;
    this.column = info.column;
    this.value = info.value;
    this.reason = info.reason;
    this.hint = info.hint;
  }

  toJSON(): ErrorInfo {
    const { code, message, line, column, value, reason, hint } = this;
    return { code, message, line, column, value, reason, hint };
  }
}

/** Turns whatever the engine or the platform threw into an ErrorInfo. */
export function errorInfo(e: unknown): ErrorInfo {
  if (e instanceof ParquetryError) return e.toJSON();
  if (typeof e === 'string') {
    // The bindings throw the engine's error as a JSON object in a string.
    try {
      const parsed = JSON.parse(e) as ErrorInfo;
      if (parsed && typeof parsed.code === 'string') return parsed;
    } catch {
      /* not JSON: fall through */
    }
    return { code: 'internal', message: e };
  }
  if (e instanceof Error && e.name === 'AbortError') return { code: 'aborted', message: e.message || 'aborted' };
  if (e instanceof WebAssembly.RuntimeError) {
    return { code: 'internal', message: `the engine stopped unexpectedly (${e.message}); please report this with the file that caused it` };
  }
  if (e instanceof Error) return { code: 'io', message: e.message };
  return { code: 'internal', message: String(e) };
}
