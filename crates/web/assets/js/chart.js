// @ts-check
// A line chart on a canvas (no charting library): a legend whose entries
// hide and show their line, a y axis with round steps, time labels that
// never overlap, dashed markers where runs started, and the values of the
// nearest point under the mouse. Colours are the theme's CSS variables, so
// a redraw after a theme switch is all it takes.
//
// The canvas says what it draws in data attributes: `data-points` (how many
// points), `data-series` (the labels of its lines) and `data-hidden` (the
// labels of the lines hidden from the legend).
import { fmtNumber, fmtTime } from "./format.js";

/**
 * A line: its legend label, its colour (a CSS variable) and which value of
 * each point it draws.
 * @typedef {object} Series
 * @property {string} label
 * @property {string} color
 * @property {number} index
 * @property {boolean} [hidden]
 */

/**
 * @param {string} name
 * @returns {string}
 */
function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/**
 * A round step (1, 2 or 5 times a power of ten) near `raw`.
 * @param {number} raw
 */
function niceStep(raw) {
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const unit = raw / power;
  const nice = unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10;
  return nice * power;
}

/**
 * Where the time labels of an axis go: `[time, left edge, width]` each, from
 * `t0` to `t1` over `width` pixels starting at `left`. The first label is
 * left-aligned and the last right-aligned, so two neighbours need 1.5 label
 * widths between their anchors not to overlap.
 * @param {number} t0
 * @param {number} t1
 * @param {number} left
 * @param {number} width
 * @param {(text: string) => number} measure the width of a label
 * @returns {Array<[number, number, number]>}
 */
export function timeLabels(t0, t1, left, width, measure) {
  const labelW = measure(fmtTime(t1));
  const ticks = Math.max(1, Math.min(Math.floor(width / (1.5 * labelW + 12)), Math.floor(t1 - t0)));
  /** @type {Array<[number, number, number]>} */
  const labels = [];
  for (let i = 0; i <= ticks; i++) {
    const t = t0 + (t1 - t0) * i / ticks;
    const x = left + (t - t0) / (t1 - t0) * width;
    const w = measure(fmtTime(t));
    labels.push([t, i === 0 ? x : i === ticks ? x - w : x - w / 2, w]);
  }
  return labels;
}

export class LineChart {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {Series[]} series
   * @param {string} unit after the values under the mouse
   * @param {() => number[][]} points rows whose first value is the time
   * @param {() => number[]} runStarts when each run started
   */
  constructor(canvas, series, unit, points, runStarts) {
    this.canvas = canvas;
    this.series = series;
    this.unit = unit;
    this.points = points;
    this.runStarts = runStarts;
    /** @type {number | null} the mouse's x */
    this.hover = null;
    /** @type {Array<{x0: number, x1: number, series: Series}>} where each legend entry is */
    this.legend = [];
    canvas.addEventListener("mousemove", (event) => {
      this.hover = event.clientX - canvas.getBoundingClientRect().left;
      this.draw();
    });
    canvas.addEventListener("mouseleave", () => { this.hover = null; this.draw(); });
    // A click on a legend entry hides or shows its line.
    canvas.addEventListener("click", (event) => {
      const rect = canvas.getBoundingClientRect();
      const x = event.clientX - rect.left, y = event.clientY - rect.top;
      const hit = this.legend.find((l) => x >= l.x0 && x <= l.x1 && y <= 22);
      if (!hit) return;
      hit.series.hidden = !hit.series.hidden;
      this.draw();
    });
  }

  draw() {
    const canvas = this.canvas;
    const width = canvas.clientWidth, height = canvas.clientHeight;
    if (!width || !height) return;
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.textAlign = "left";
    ctx.setLineDash([]);
    const text = cssVar("--muted"), grid = cssVar("--chart-grid");
    ctx.font = "12px system-ui, sans-serif";
    const pad = { left: 56, right: 16, top: 28, bottom: 26 };
    const plotW = width - pad.left - pad.right, plotH = height - pad.top - pad.bottom;
    const points = this.points();
    canvas.dataset.points = String(points.length);
    canvas.dataset.series = this.series.map((s) => s.label).join(",");

    // Legend (a hidden line's entry is faded).
    let lx = pad.left;
    this.legend = [];
    this.series.forEach((s) => {
      ctx.globalAlpha = s.hidden ? 0.35 : 1;
      ctx.fillStyle = cssVar(s.color);
      ctx.fillRect(lx, 9, 12, 3);
      ctx.fillStyle = text;
      ctx.fillText(s.label, lx + 16, 15);
      const x1 = lx + 16 + ctx.measureText(s.label).width;
      this.legend.push({ x0: lx, x1, series: s });
      lx = x1 + 20;
    });
    ctx.globalAlpha = 1;
    const visible = this.series.filter((s) => !s.hidden);
    canvas.dataset.hidden = this.series.filter((s) => s.hidden).map((s) => s.label).join(",");

    if (points.length === 0) {
      ctx.fillStyle = text;
      ctx.textAlign = "center";
      ctx.fillText("Waiting for data…", pad.left + plotW / 2, pad.top + plotH / 2);
      ctx.textAlign = "left";
      return;
    }
    const t0 = points[0][0];
    const t1 = Math.max(points[points.length - 1][0], t0 + 1);
    let max = 0;
    points.forEach((p) => visible.forEach((s) => { if (p[s.index] > max) max = p[s.index]; }));
    const step = niceStep(max / 4 || 1);
    const top = Math.max(step, Math.ceil(max / step) * step);
    /** @param {number} t */
    const x = (t) => pad.left + (t - t0) / (t1 - t0) * plotW;
    /** @param {number} v */
    const y = (v) => pad.top + plotH - (v / top) * plotH;

    // Grid and axes.
    ctx.strokeStyle = grid;
    ctx.lineWidth = 1;
    ctx.fillStyle = text;
    ctx.textAlign = "right";
    for (let v = 0; v <= top + step / 2; v += step) {
      const yy = Math.round(y(v)) + 0.5;
      ctx.beginPath(); ctx.moveTo(pad.left, yy); ctx.lineTo(pad.left + plotW, yy); ctx.stroke();
      ctx.fillText(fmtNumber(v, step < 1 ? 2 : 0), pad.left - 8, yy + 4);
    }
    ctx.textAlign = "left";
    for (const [t, left] of timeLabels(t0, t1, pad.left, plotW, (label) => ctx.measureText(label).width)) {
      ctx.fillText(fmtTime(t), left, height - 8);
    }

    // Run start markers.
    ctx.strokeStyle = cssVar("--chart-marker");
    ctx.setLineDash([4, 4]);
    this.runStarts().forEach((start) => {
      if (start < t0 || start > t1) return;
      const xx = Math.round(x(start)) + 0.5;
      ctx.beginPath(); ctx.moveTo(xx, pad.top); ctx.lineTo(xx, pad.top + plotH); ctx.stroke();
    });
    ctx.setLineDash([]);

    // Lines, at most about one point per pixel (the largest value of each
    // pixel column, so that spikes stay visible).
    const stride = Math.max(1, Math.floor(points.length / plotW));
    visible.forEach((s) => {
      ctx.strokeStyle = cssVar(s.color);
      ctx.lineWidth = 2;
      ctx.lineJoin = "round";
      ctx.beginPath();
      let started = false;
      for (let i = 0; i < points.length; i += stride) {
        let value = points[i][s.index], time = points[i][0];
        for (let j = i + 1; j < Math.min(points.length, i + stride); j++) {
          if (points[j][s.index] > value) value = points[j][s.index];
        }
        const gap = i > 0 && time - points[i - stride < 0 ? 0 : i - stride][0] > 5 * stride;
        if (!started || gap) { ctx.moveTo(x(time), y(value)); started = true; } else { ctx.lineTo(x(time), y(value)); }
      }
      ctx.stroke();
    });

    // Hover: values of the nearest point.
    if (this.hover !== null && this.hover >= pad.left && this.hover <= pad.left + plotW) {
      const t = t0 + (this.hover - pad.left) / plotW * (t1 - t0);
      let best = points[0];
      for (const p of points) if (Math.abs(p[0] - t) < Math.abs(best[0] - t)) best = p;
      const xx = x(best[0]);
      ctx.strokeStyle = cssVar("--chart-marker");
      ctx.beginPath(); ctx.moveTo(xx, pad.top); ctx.lineTo(xx, pad.top + plotH); ctx.stroke();
      const lines = [fmtTime(best[0])].concat(visible.map((s) => s.label + ": " + fmtNumber(best[s.index], 2) + this.unit));
      const boxW = Math.max(...lines.map((l) => ctx.measureText(l).width)) + 16;
      const boxH = lines.length * 16 + 8;
      const bx = Math.min(xx + 10, width - boxW - 4);
      ctx.fillStyle = cssVar("--surface");
      ctx.strokeStyle = cssVar("--border");
      ctx.fillRect(bx, pad.top, boxW, boxH);
      ctx.strokeRect(bx + 0.5, pad.top + 0.5, boxW, boxH);
      ctx.textAlign = "left";
      lines.forEach((line, i) => {
        ctx.fillStyle = i === 0 ? cssVar("--muted") : cssVar(visible[i - 1].color);
        ctx.fillText(line, bx + 8, pad.top + 18 + i * 16);
      });
    }
  }
}
