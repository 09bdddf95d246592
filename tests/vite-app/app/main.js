// A web app as a user would write it: the package imported by name, bundled by Vite.
import { convert, ParquetryError } from 'parquetry';

// `input` is CSV text, or the URL of a file the app serves (the tests' big CSV).
window.run = async (input, { url = false } = {}) => {
  try {
    const blob = url ? await (await fetch(input)).blob() : new Blob([input], { type: 'text/csv' });
    const r = await convert(blob);
    const bytes = new Uint8Array(await r.output.arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return { ok: true, build: r.build, rowsIn: r.rowsIn, rowsWritten: r.rowsWritten, peak: r.peakWasmMemoryBytes, types: r.schema.map((c) => c.type), parquet: btoa(s) };
  } catch (e) {
    return { ok: false, error: e instanceof ParquetryError ? e.toJSON() : String(e) };
  }
};
window.ready = true;
