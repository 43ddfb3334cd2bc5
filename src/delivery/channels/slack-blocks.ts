import type { RenderedReport } from '../../reports/render.ts';
import type { AlertEvent } from '../../alerts/types.ts';

/** Slack's limits: header text 150 chars, a section's text 3,000, 10 fields per section. */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const MOVES_SHOWN = 5;

export interface SlackPayload {
  /** Fallback for notifications and clients without blocks. */
  text: string;
  blocks: Array<Record<string, unknown>>;
}

/** Slack's mrkdwn needs only &, < and > escaped (https://api.slack.com/reference/surfaces/formatting). */
export const escapeMrkdwn = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text: clip(text, SECTION_MAX) } });

/**
 * The monthly report as a Block Kit summary: the headline, the KPIs, the biggest moves against last
 * month, changed recommendations, and the CSV — a link when `csvUrl` is configured (incoming
 * webhooks cannot upload files), else its first rows inline.
 */
export function reportBlocks(report: RenderedReport, opts: { csvUrl?: string | undefined; csvFile: string }): SlackPayload {
  const v = report.view;
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: clip(v.subject, HEADER_MAX) } },
    section(escapeMrkdwn(v.headline)),
  ];
  if (v.kpis.length) {
    blocks.push({ type: 'section', fields: v.kpis.slice(0, 10).map((k) => ({ type: 'mrkdwn', text: clip(`*${escapeMrkdwn(k.label)}*\n${escapeMrkdwn(k.value)}`, 2000) })) });
  }
  if (v.moves.length) {
    const lines = v.moves.slice(0, MOVES_SHOWN).map((m) => `${m.up ? ':arrow_up:' : ':arrow_down:'} *${escapeMrkdwn(m.feature)}* ${escapeMrkdwn(m.delta)} (${escapeMrkdwn(m.change)}): ${escapeMrkdwn(m.previous)} → ${escapeMrkdwn(m.current)}`);
    blocks.push(section(`*Biggest moves vs ${escapeMrkdwn(v.previousMonthShort)}*\n${lines.join('\n')}`));
  }
  if (v.recommendationChanges.length) {
    blocks.push(section(`*Recommendation changes*\n${v.recommendationChanges.map((c) => `• *${escapeMrkdwn(c.feature)}*: ${escapeMrkdwn(c.from)} → ${escapeMrkdwn(c.to)}`).join('\n')}`));
  }
  if (opts.csvUrl) {
    blocks.push(section(`:page_facing_up: <${opts.csvUrl}|Download ${escapeMrkdwn(opts.csvFile)}> (per-feature figures)`));
  } else {
    blocks.push(section(csvPreview(report.csv, opts.csvFile)));
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `breakeven · ${escapeMrkdwn(v.monthTitle)} · inputs ${report.inputsDigest.slice(0, 12)}` }] });
  return { text: `${v.subject}: ${v.headline}`, blocks };
}

/** As many whole CSV lines as fit one section, in a code block, saying how many were left out. */
export function csvPreview(csv: string, csvFile: string): string {
  const lines = csv.split(/\r?\n/).filter(Boolean);
  const head = `*${escapeMrkdwn(csvFile)}*`;
  const kept: string[] = [];
  let size = head.length + 40;
  for (const line of lines) {
    const l = escapeMrkdwn(line.replace(/`/g, "'"));
    if (size + l.length + 1 > SECTION_MAX - 80) break;
    kept.push(l);
    size += l.length + 1;
  }
  const left = lines.length - kept.length;
  return `${head}\n\`\`\`${kept.join('\n')}\`\`\`${left > 0 ? `\n_${left} more row(s): the full file is attached to the email and written beside the report_` : ''}`;
}

export function alertBlocks(alert: AlertEvent): SlackPayload {
  const icon = alert.kind === 'budget' ? ':money_with_wings:' : ':chart_with_upwards_trend:';
  return {
    text: `${alert.title}: ${alert.message}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(alert.title, HEADER_MAX) } },
      section(`${icon} ${escapeMrkdwn(alert.message)}`),
      { type: 'context', elements: [{ type: 'mrkdwn', text: `breakeven alert \`${escapeMrkdwn(alert.key)}\` · ${alert.day}` }] },
    ],
  };
}
