/**
 * Best-effort reading of an OpenAI costs `line_item`. The field is free text: usually
 * "<model>, <token type>" ("gpt-4.1-2025-04-14, input", "gpt-4o-2024-08-06, cached input"), sometimes
 * only a token type ("input_tokens") or a product ("web search tool calls"). What cannot be read is
 * left null; the raw text is always kept next to the parsed parts (x_line_item).
 */
export interface ParsedLineItem {
  model: string | null;
  /** Normalized snake_case: input, cached_input, output, cache_write_input, audio_input, … */
  tokenType: string | null;
}

/** A token-type phrase: known qualifiers, then input or output ("cached input", "audio_output_tokens"). */
const TOKEN_TYPE_RE = /^(?:(?:cached|cache|uncached|write|audio|image|text|batch)[ _-])*(?:input|output)(?:[ _-]tokens?)?$/;

export function normalizeTokenType(text: string): string | null {
  const t = text.trim().toLowerCase();
  if (!TOKEN_TYPE_RE.test(t)) return null;
  return t.replace(/[ _-]tokens?$/, '').replace(/[\s-]+/g, '_');
}

export function parseLineItem(lineItem: string | null | undefined): ParsedLineItem {
  const raw = lineItem?.trim();
  if (!raw) return { model: null, tokenType: null };
  const parts = raw.split(',').map((p) => p.trim());
  if (parts.length >= 2 && parts[0]) {
    // Extra trailing parts (e.g. a ", batch" qualifier) stay only in the raw text.
    return { model: parts[0], tokenType: normalizeTokenType(parts[1] ?? '') };
  }
  return { model: null, tokenType: normalizeTokenType(raw) };
}
