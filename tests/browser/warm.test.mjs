// The CSV prepare() converts to warm the engine up must exercise every kind of column, or
// the first real conversion would still run that kind's code unoptimised. Converted here by
// the native CLI and the types read back by pyarrow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { warmUpCsv, WARM_UP_ROWS } from '../../web/dist/warm.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORK = `${ROOT}target/browser-tests`;

test('the warm-up CSV has a column of each kind the engine infers, and is the same every time', () => {
  mkdirSync(WORK, { recursive: true });
  const csv = warmUpCsv();
  assert.deepEqual(warmUpCsv(), csv);
  writeFileSync(`${WORK}/warm-up.csv`, csv);
  const report = JSON.parse(
    execFileSync(`${ROOT}target/release/parquetry`, [`${WORK}/warm-up.csv`, '-o', `${WORK}/warm-up.parquet`, '--json']).toString(),
  );
  assert.equal(report.rows_written, WARM_UP_ROWS);
  assert.equal(report.rows_rejected, 0);
  const types = JSON.parse(
    execFileSync('python3', [
      '-c',
      'import json, sys, pyarrow.parquet as pq; s = pq.read_schema(sys.argv[1]); print(json.dumps({f.name: str(f.type) for f in s}))',
      `${WORK}/warm-up.parquet`,
    ]).toString(),
  );
  assert.deepEqual(types, {
    id: 'uint64',
    qty: 'uint8',
    delta: 'int32',
    price: 'float',
    measure: 'double',
    active: 'bool',
    day: 'date32[day]',
    ts: 'timestamp[ms]',
    at: 'time32[ms]',
    country: 'dictionary<values=string, indices=uint8, ordered=0>',
    zip: 'string',
    comment: 'string',
    discount: 'uint8',
  });
  const text = new TextDecoder().decode(csv);
  assert.match(text, /"[^"\n]*, [^"\n]*"/, 'quoted fields with delimiters inside');
  assert.match(text, /""quoted""/, 'escaped quotes');
  assert.match(text, /,\n/, 'empty fields (nulls)');
});
