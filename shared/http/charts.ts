import { escapeHtml } from './html';

/**
 * Server-rendered SVG charts: no script, so they show in any browser and print. Each is an image with a
 * <title> and <desc> for screen readers, carries its numbers as text labels, and the page gives the same
 * numbers in a table.
 */

export interface Bar {
  label: string;
  value: number;
}

export interface Series {
  name: string;
  values: number[];
}

/** Colours given by an organisation are used only when they are plain hex. */
export const safeColour = (colour: string | undefined, fallback = '#1f4e79') =>
  colour && /^#[0-9a-f]{6}$/i.test(colour) ? colour : fallback;

const SECOND_COLOUR = '#6b6b6b';

/** Horizontal bars, one per label, each with its value written beside it. */
export const barChart = (options: {
  id: string;
  title: string;
  desc: string;
  bars: Bar[];
  colour: string;
}) => {
  const { id, title, desc, bars, colour } = options;
  const labelWidth = 220;
  const barArea = 440;
  const rowHeight = 30;
  const height = bars.length * rowHeight + 10;
  const width = labelWidth + barArea + 60;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const rows = bars
    .map((bar, index) => {
      const y = 5 + index * rowHeight;
      const length = Math.round((bar.value / max) * barArea);
      return [
        `<text x="${labelWidth - 8}" y="${y + 19}" text-anchor="end">${escapeHtml(bar.label)}</text>`,
        `<rect x="${labelWidth}" y="${y + 4}" width="${length}" height="${rowHeight - 10}" fill="${colour}"/>`,
        `<text x="${labelWidth + length + 6}" y="${y + 19}">${bar.value}</text>`,
      ].join('');
    })
    .join('');
  return `<svg class="chart" role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px" font-size="14" font-family="system-ui, sans-serif" fill="#1a1a1a"><title id="${id}-title">${escapeHtml(title)}</title><desc id="${id}-desc">${escapeHtml(desc)}</desc>${rows}</svg>`;
};

/** Grouped vertical bars per period (e.g. weeks), one colour per series, with a legend and value labels. */
export const groupedColumnChart = (options: {
  id: string;
  title: string;
  desc: string;
  periods: string[];
  series: Series[];
  colour: string;
}) => {
  const { id, title, desc, periods, series, colour } = options;
  const colours = [colour, SECOND_COLOUR];
  const plotHeight = 200;
  const left = 30;
  const top = 30;
  // A fixed plot width whatever the number of weeks: one week is not drawn a page tall, a year still fits.
  const plotWidth = 640;
  const count = Math.max(1, periods.length);
  const groupWidth = plotWidth / count;
  const width = left + plotWidth + 20;
  const height = top + plotHeight + 30;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const barWidth = Math.min(24, (groupWidth * 0.8) / Math.max(1, series.length));
  // Every week's bars, but only as many date labels as fit side by side.
  const labelEvery = Math.ceil(count / Math.floor(plotWidth / 44));
  const columns = periods
    .map((period, p) => {
      const centre = left + (p + 0.5) * groupWidth;
      const x0 = centre - (barWidth * series.length) / 2;
      const bars = series
        .map((s, i) => {
          const value = s.values[p] ?? 0;
          const h = Math.round((value / max) * plotHeight);
          const x = x0 + i * barWidth;
          const y = top + plotHeight - h;
          return `<rect x="${x.toFixed(1)}" y="${y}" width="${Math.max(1, barWidth - 1).toFixed(1)}" height="${h}" fill="${colours[i % colours.length]}"><title>${escapeHtml(`${s.name}, week of ${period}: ${value}`)}</title></rect>${value && count <= 26 ? `<text x="${(x + barWidth / 2).toFixed(1)}" y="${y - 3}" text-anchor="middle" font-size="10">${value}</text>` : ''}`;
        })
        .join('');
      const label =
        p % labelEvery === 0
          ? `<text x="${centre.toFixed(1)}" y="${top + plotHeight + 16}" text-anchor="middle" font-size="10">${escapeHtml(period.slice(5))}</text>`
          : '';
      return bars + label;
    })
    .join('');
  const legend = series
    .map(
      (s, i) =>
        `<rect x="${left + i * 140}" y="6" width="12" height="12" fill="${colours[i % colours.length]}"/><text x="${left + i * 140 + 18}" y="17">${escapeHtml(s.name)}</text>`,
    )
    .join('');
  const axis = `<line x1="${left}" y1="${top + plotHeight}" x2="${width - 10}" y2="${top + plotHeight}" stroke="#1a1a1a"/>`;
  return `<svg class="chart" role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px" font-size="13" font-family="system-ui, sans-serif" fill="#1a1a1a"><title id="${id}-title">${escapeHtml(title)}</title><desc id="${id}-desc">${escapeHtml(desc)}</desc>${legend}${columns}${axis}</svg>`;
};

/** The same numbers as a table: what screen readers and copy-paste use. */
export const dataTable = (caption: string, head: string[], rows: (string | number)[][]) =>
  `<table><caption>${escapeHtml(caption)}</caption><thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map(
      (row) =>
        `<tr>${row.map((cell, i) => (i === 0 ? `<th scope="row">${escapeHtml(String(cell))}</th>` : `<td>${escapeHtml(String(cell))}</td>`)).join('')}</tr>`,
    )
    .join('')}</tbody></table>`;
