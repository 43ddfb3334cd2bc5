import { describe, expect, it } from 'vitest';
import { neutralise, quote, toCsv } from '../../../src/reports/csv.ts';

describe('CSV', () => {
  it('neutralises formula cells with a leading apostrophe and quotes per RFC 4180', () => {
    expect(toCsv(['a'], [['=HYPERLINK("http://x")']])).toBe('a\r\n"\'=HYPERLINK(""http://x"")"\r\n');
  });

  it.each([
    ['+1+cmd', "'+1+cmd"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\rx', "'\rx"],
    ['-12.50', '-12.50'],
    ['plain', 'plain'],
  ])('neutralise(%j) = %j', (input, expected) => {
    expect(neutralise(input)).toBe(expected);
  });

  it('quotes commas, quotes, newlines and edge spaces', () => {
    expect(quote('a,b')).toBe('"a,b"');
    expect(quote('say "hi"')).toBe('"say ""hi"""');
    expect(quote('two\nlines')).toBe('"two\nlines"');
    expect(quote(' pad')).toBe('" pad"');
    expect(quote('ok')).toBe('ok');
  });

  it('quotes a lone CR or LF inside a cell of a CRLF file', () => {
    expect(toCsv(['a', 'b'], [['x\ny', 'p\rq']])).toBe('a,b\r\n"x\ny","p\rq"\r\n');
  });

  it('writes empty cells for null and undefined', () => {
    expect(toCsv(['a', 'b', 'c'], [[null, undefined, 0]])).toBe('a,b,c\r\n,,0\r\n');
  });
});
