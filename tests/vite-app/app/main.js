// A web app as a user would write it: the package imported by name, bundled by Vite.
import { convert, ParquetryError } from 'parquetry';

window.run = async (text) => {
  try {
    const r = await convert(new Blob([text], { type: 'text/csv' }));
    const bytes = new Uint8Array(await r.output.arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return { ok: true, build: r.build, types: r.schema.map((c) => c.type), parquet: btoa(s) };
  } catch (e) {
    return { ok: false, error: e instanceof ParquetryError ? e.toJSON() : String(e) };
  }
};
window.ready = true;
