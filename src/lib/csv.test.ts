import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from './csv.ts';

describe('CSV', () => {
  it.each([
    ['plain', 'plain'],
    ['with, comma', '"with, comma"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['=HYPERLINK("http://evil","x")', '"\'=HYPERLINK(""http://evil"",""x"")"'],
    ['=1+1', "'=1+1"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\r=1', '"\'\r=1"'],
    ['a=b', 'a=b'],
    ['', ''],
    [null, ''],
    [undefined, ''],
    [42, '42'],
    [-5, '-5'],
    [NaN, ''],
    [true, 'true'],
  ])('%j → %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('writes a header and CRLF-terminated lines (RFC 4180)', () => {
    const csv = toCsv(
      [
        { header: 'domain', value: (row: { domain: string; score: number }) => row.domain },
        { header: 'score', value: (row) => row.score },
      ],
      [
        { domain: 'acme.example', score: 84 },
        { domain: 'a,b', score: 0 },
      ],
    );
    expect(csv).toBe('domain,score\r\nacme.example,84\r\n"a,b",0\r\n');
  });

  it('writes only a header for no rows', () => {
    expect(toCsv([{ header: 'x', value: () => 1 }], [])).toBe('x\r\n');
  });
});
