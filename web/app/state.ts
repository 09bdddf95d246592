// What the app knows about each queued file.

import type { ColumnType, Compression, ErrorInfo, Inference, Progress, Result } from 'parquetry';
import type { Sample } from './chart.js';

export interface ColumnChoice {
  keep: boolean;
  /** A type forced by the person; undefined keeps the inferred one. */
  type?: ColumnType;
}

export interface Settings {
  compression: Compression;
  rowGroupRows: number;
  badRows: 'error' | 'skip' | 'collect';
  /** Stream to a file picked before converting (File System Access API). */
  saveToDisk: boolean;
}

export type Phase = 'inspecting' | 'ready' | 'converting' | 'done' | 'failed';

export interface Job {
  id: number;
  file: File;
  phase: Phase;
  inference?: Inference;
  choices: Map<string, ColumnChoice>;
  settings: Settings;
  progress?: Progress;
  /** When each pass started (ms), for rates and time left. */
  passStarted: Record<string, number>;
  started?: number;
  memory: Sample[];
  abort?: AbortController;
  result?: Result;
  /** Where the output went: a file picked on disk, or a Blob to download. */
  savedAs?: string;
  downloadUrl?: string;
  error?: ErrorInfo;
}

export const DEFAULT_SETTINGS: Settings = {
  compression: 'zstd',
  rowGroupRows: 262_144,
  badRows: 'error',
  saveToDisk: true,
};

let nextId = 1;

export function newJob(file: File, settings: Settings): Job {
  return { id: nextId++, file, phase: 'inspecting', choices: new Map(), settings: { ...settings }, passStarted: {}, memory: [] };
}

export function parquetName(file: File): string {
  return `${file.name.replace(/\.gz$/i, '').replace(/\.(csv|tsv|txt)$/i, '') || 'data'}.parquet`;
}
