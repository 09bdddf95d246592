// A small live line chart of memory over time, drawn on a canvas (no library: two lines).

export interface Sample {
  t: number;
  wasm: number;
  js?: number;
}

export function drawMemory(canvas: HTMLCanvasElement, samples: Sample[]): void {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const hgt = canvas.clientHeight;
  if (w === 0 || hgt === 0) return;
  canvas.width = w * ratio;
  canvas.height = hgt * ratio;
  const g = canvas.getContext('2d');
  if (!g) return;
  g.scale(ratio, ratio);
  g.clearRect(0, 0, w, hgt);
  if (samples.length === 0) return;
  const t0 = samples[0].t;
  const span = Math.max(samples.at(-1)!.t - t0, 1000);
  const top = Math.max(64 * 2 ** 20, ...samples.map((s) => Math.max(s.wasm, s.js ?? 0))) * 1.1;
  const x = (t: number) => ((t - t0) / span) * (w - 2) + 1;
  const y = (v: number) => hgt - 1 - (v / top) * (hgt - 2);
  g.strokeStyle = '#e2e6ef';
  g.lineWidth = 1;
  for (const mb of [64, 128, 256, 512]) {
    const v = mb * 2 ** 20;
    if (v > top) break;
    g.beginPath();
    g.moveTo(0, y(v));
    g.lineTo(w, y(v));
    g.stroke();
  }
  const line = (pick: (s: Sample) => number | undefined, color: string) => {
    g.strokeStyle = color;
    g.lineWidth = 2;
    g.beginPath();
    let started = false;
    for (const s of samples) {
      const v = pick(s);
      if (v === undefined) continue;
      if (started) g.lineTo(x(s.t), y(v));
      else g.moveTo(x(s.t), y(v));
      started = true;
    }
    g.stroke();
  };
  line((s) => s.js, '#b08cf0');
  line((s) => s.wasm, '#2f6fe4');
}
