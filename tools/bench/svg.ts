// Line charts as standalone SVG files, drawn from the run's per-second samples: no library,
// so a report opens in any browser or Markdown viewer as it is.

export interface Series {
  name: string;
  points: [number, number][];
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  width?: number;
  height?: number;
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2'];

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** Round axis steps: 1, 2 or 5 times a power of ten, about `count` of them up to `max`. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= raw) ?? raw;
  const ticks: number[] = [];
  for (let value = 0; value <= max + step * 1e-9; value += step) ticks.push(Number(value.toPrecision(12)));
  if (ticks.at(-1)! < max) ticks.push(Number((ticks.at(-1)! + step).toPrecision(12)));
  return ticks;
}

const format = (value: number) =>
  Math.abs(value) >= 1000 ? `${Math.round(value / 100) / 10}k` : String(Number(value.toPrecision(4)));

export function lineChart(options: ChartOptions): string {
  const width = options.width ?? 720;
  const height = options.height ?? 320;
  const margin = { left: 64, right: 16, top: 36, bottom: 64 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const all = options.series.flatMap((series) => series.points);
  const xTicks = niceTicks(Math.max(1, ...all.map(([x]) => x)));
  const yTicks = niceTicks(Math.max(0, ...all.map(([, y]) => y)));
  const xMax = xTicks.at(-1)!;
  const yMax = yTicks.at(-1)!;
  const sx = (x: number) => margin.left + (x / xMax) * plotWidth;
  const sy = (y: number) => margin.top + plotHeight - (y / yMax) * plotHeight;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(options.title)}</text>`,
  ];
  for (const tick of yTicks) {
    const y = sy(tick).toFixed(1);
    parts.push(
      `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${margin.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${format(tick)}</text>`,
    );
  }
  for (const tick of xTicks) {
    const x = sx(tick).toFixed(1);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${margin.top + plotHeight}" y2="${margin.top + plotHeight + 4}" stroke="#333"/>`,
      `<text x="${x}" y="${margin.top + plotHeight + 18}" text-anchor="middle">${format(tick)}</text>`,
    );
  }
  parts.push(
    `<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotHeight}" stroke="#333"/>`,
    `<line x1="${margin.left}" x2="${width - margin.right}" y1="${margin.top + plotHeight}" y2="${margin.top + plotHeight}" stroke="#333"/>`,
    `<text x="${margin.left + plotWidth / 2}" y="${margin.top + plotHeight + 36}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text transform="translate(16 ${margin.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
  );
  options.series.forEach((series, index) => {
    const colour = COLOURS[index % COLOURS.length];
    if (series.points.length > 0) {
      const path = series.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
      parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${path}"/>`);
    }
    const legendX = margin.left + index * 150;
    const legendY = height - 12;
    parts.push(
      `<rect x="${legendX}" y="${legendY - 9}" width="12" height="3" fill="${colour}"/>`,
      `<text x="${legendX + 16}" y="${legendY - 4}">${escapeXml(series.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
