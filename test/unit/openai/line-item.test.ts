import { describe, expect, it } from 'vitest';
import { parseLineItem } from '../../../src/sources/openai/line-item.ts';

describe('parseLineItem', () => {
  it.each([
    ['gpt-4.1-2025-04-14, input', 'gpt-4.1-2025-04-14', 'input'],
    ['gpt-4.1-2025-04-14, output', 'gpt-4.1-2025-04-14', 'output'],
    ['gpt-4o-2024-08-06, cached input', 'gpt-4o-2024-08-06', 'cached_input'],
    ['gpt-4o-mini-2024-07-18, input, batch', 'gpt-4o-mini-2024-07-18', 'input'],
    ['gpt-4o-realtime-preview, audio output', 'gpt-4o-realtime-preview', 'audio_output'],
    ['o3-2025-04-16 ,  Input ', 'o3-2025-04-16', 'input'],
    ['tts-1, characters', 'tts-1', null],
    ['input_tokens', null, 'input'],
    ['cached_input_tokens', null, 'cached_input'],
    ['web search tool calls', null, null],
    ['gpt-4o input', null, null],
    ['', null, null],
    [null, null, null],
  ])('%j -> model %j, token type %j', (text, model, tokenType) => {
    expect(parseLineItem(text)).toEqual({ model, tokenType });
  });
});
