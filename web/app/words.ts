// Types, sizes, durations and errors in words a person understands.

import type { ErrorInfo, InferredColumn } from 'parquetry';

const INT_RANGES: Record<string, string> = {
  uint8: '0–255',
  uint16: '0–65,535',
  uint32: '0–4.3 billion',
  uint64: '0–18 quintillion',
  int8: '−128–127',
  int16: '−32,768–32,767',
  int32: '± 2.1 billion',
  int64: '± 9.2 quintillion',
};

/** "whole numbers 0–255 (uint8)", "category, 12 values", "date", "text" … */
export function typeInWords(type: string, distinct?: number | null): string {
  if (type in INT_RANGES) return `whole numbers ${INT_RANGES[type]} (${type})`;
  if (type === 'float32') return 'decimal numbers (float32, exact)';
  if (type === 'float64') return 'decimal numbers (float64)';
  if (type === 'bool') return 'true / false';
  if (type === 'date') return 'date';
  if (type === 'text') return 'text';
  if (type === 'category') return distinct ? `category, ${distinct.toLocaleString('en')} values` : 'category';
  const ts = /^timestamp\[(\w+)(, UTC)?\]$/.exec(type);
  if (ts) return `date and time${ts[2] ? ', UTC' : ''} (to the ${unitWord(ts[1])})`;
  const t = /^time\[(\w+)\]$/.exec(type);
  if (t) return `time of day (to the ${unitWord(t[1])})`;
  return type;
}

function unitWord(u: string): string {
  return { s: 'second', ms: 'millisecond', us: 'microsecond', ns: 'nanosecond' }[u] ?? u;
}

export function columnInWords(c: InferredColumn): string {
  return typeInWords(c.type, c.categories?.length ?? c.distinct);
}

export function bytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '…';
  if (seconds < 1) return 'under a second';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - m * 60)} s`;
}

export function count(n: number): string {
  return n.toLocaleString('en');
}

/** The engine's hints are lower-case clauses; as a sentence they need a capital and a stop. */
function sentence(s: string | null | undefined): string {
  if (!s) return '';
  const t = s.trim();
  return `${t.charAt(0).toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? '' : '.'}`;
}

/** A failure as a title, what happened, and what to do. */
export function errorInWords(e: ErrorInfo): { title: string; detail: string; action: string } {
  switch (e.code) {
    case 'bad_row': {
      const where = `Line ${e.line !== undefined ? count(e.line) : '?'}${e.column ? `, column “${e.column}”` : ''}`;
      const what = e.value !== undefined && e.value !== null ? `: the value “${e.value}” ${e.reason ?? 'does not fit'}` : `: ${e.reason ?? e.message}`;
      return {
        title: 'A row does not fit',
        detail: `${where}${what}.`,
        action: [sentence(e.hint), 'Change that column’s type below (text keeps anything), or set “Bad rows” to skip or collect such rows, and convert again.']
          .filter(Boolean)
          .join(' '),
      };
    }
    case 'empty_input':
      return { title: 'Nothing to convert', detail: 'The file has no rows.', action: 'Choose a CSV file that has data in it.' };
    case 'options':
      return { title: 'A setting is not valid', detail: e.message, action: 'Change the setting and try again.' };
    case 'aborted':
      return { title: 'Cancelled', detail: 'The conversion was stopped; nothing was saved.', action: 'Convert again whenever you like.' };
    case 'io':
      return { title: 'The file could not be read or saved', detail: e.message, action: 'Check that the file is still there and that there is space to save, then try again.' };
    default:
      return { title: 'Something went wrong', detail: e.message, action: 'Try again. If it keeps failing, please report it together with the file.' };
  }
}
