import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { packagePath } from '../package-root.ts';
import { sha256 } from './digest.ts';
import { STYLES } from './styles.ts';
import type { ReportView } from './view-types.ts';

export const DEFAULT_TEMPLATES_DIR = packagePath('templates') + '/';

export interface HtmlContext extends ReportView {
  /** true: charts as inline SVG (the .html file); false: <img src="cid:…"> (the email). */
  inlineSvg: boolean;
}

export interface ReportTemplates {
  html(view: HtmlContext): string;
  text(view: ReportView): string;
  /** Digest of every template file: a template change is a different report. */
  hash: string;
}

/**
 * One Handlebars environment per template directory, every template compiled once with
 * `strict: true` (a key missing from the view model is an error, not an empty string). HTML
 * partials live in partials/*.html.hbs, text partials in partials/*.text.hbs (compiled with
 * `noEscape`); the layout wraps the HTML body.
 */
export function createReportTemplates(dir: string = DEFAULT_TEMPLATES_DIR): ReportTemplates {
  const hb = Handlebars.create();
  const read = (rel: string) => readFileSync(join(dir, rel), 'utf8');
  const sources: Array<[string, string]> = [];
  const load = (rel: string) => {
    const src = read(rel);
    sources.push([rel, src]);
    return src;
  };

  hb.registerHelper('s', (name: unknown) => {
    const style = typeof name === 'string' ? STYLES[name] : undefined;
    if (style === undefined) throw new Error(`unknown style ${String(name)} in report template`);
    return style;
  });
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  // Fixed-width columns for the plain-text version.
  hb.registerHelper('pad', (v: unknown, width: unknown) => String(v ?? '').padEnd(Number(width)));
  hb.registerHelper('padl', (v: unknown, width: unknown) => String(v ?? '').padStart(Number(width)));
  hb.registerHelper('upper', (v: unknown) => String(v ?? '').toUpperCase());
  hb.registerHelper('underline', (v: unknown, ch: unknown) => (typeof ch === 'string' ? ch : '=').repeat(String(v ?? '').length));

  const partialFiles = readdirSync(join(dir, 'partials')).filter((f) => f.endsWith('.hbs')).sort();
  for (const file of partialFiles) {
    const src = load(join('partials', file));
    const text = file.endsWith('.text.hbs');
    const name = file.replace(/\.(html|text)\.hbs$/, '').replace(/\.hbs$/, '');
    hb.registerPartial(text ? `text/${name}` : name, hb.compile(src, { strict: true, noEscape: text }));
  }
  const layout = hb.compile(load(join('layouts', 'email.html.hbs')), { strict: true });
  const body = hb.compile(load('monthly-report.html.hbs'), { strict: true });
  const text = hb.compile(load('monthly-report.text.hbs'), { strict: true, noEscape: true });
  const hash = sha256(sources.sort(([a], [b]) => (a < b ? -1 : 1)).map(([rel, src]) => `${rel}\n${src}`).join('\n\0'));

  return {
    html: (view) => layout({ ...view, body: new hb.SafeString(body(view)) }),
    text: (view) => text(view),
    hash,
  };
}

const cache = new Map<string, ReportTemplates>();

/** Templates are compiled once per process and directory. */
export function reportTemplates(dir: string = DEFAULT_TEMPLATES_DIR): ReportTemplates {
  let t = cache.get(dir);
  if (!t) {
    t = createReportTemplates(dir);
    cache.set(dir, t);
  }
  return t;
}
