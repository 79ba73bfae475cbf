import { describe, expect, it } from 'vitest';
import { parseNodeConfig } from '../../../cli/config.js';

const base = `member: bj-haidian
consortium: test.gov.example
`;
const parse = (extra: string) => parseNodeConfig(base + extra, '/home', {});

describe('node config: webhooks', () => {
  it('takes webhooks with url, types and secret; none by default', () => {
    expect(parse('').webhooks).toEqual([]);
    const cfg = parse(`webhooks:
  - url: https://shenguan.example.gov.cn/tongban/events
    types: [case.opened, case.alert, record.final]
    secret: 0123456789abcdef0123
`);
    expect(cfg.webhooks).toEqual([{ url: 'https://shenguan.example.gov.cn/tongban/events', types: ['case.opened', 'case.alert', 'record.final'], secret: '0123456789abcdef0123' }]);
  });

  it('names the field that is wrong', () => {
    const hook = (fields: string) => `webhooks:\n  - ${fields.split('\n').join('\n    ')}\n`;
    const ok = { url: 'url: http://127.0.0.1:9000/h', types: 'types: [case.closed]', secret: 'secret: 0123456789abcdef' };
    const bad = (o: Partial<typeof ok>) => () =>
      parse(
        hook(
          Object.values({ ...ok, ...o })
            .filter(Boolean)
            .join('\n'),
        ),
      );
    expect(bad({ types: 'types: [case.nope]' })).toThrow(/node config field webhooks\.0\.types\.0/);
    expect(bad({ types: 'types: []' })).toThrow(/node config field webhooks\.0\.types/);
    expect(bad({ url: 'url: ftp://x/y' })).toThrow(/node config field webhooks\.0\.url/);
    expect(bad({ secret: 'secret: short' })).toThrow(/node config field webhooks\.0\.secret/);
    expect(bad({ secret: '' })).toThrow(/node config field webhooks\.0\.secret/);
    expect(() => parse(hook([ok.url, ok.types, ok.secret, 'extra: 1'].join('\n')))).toThrow(/node config field webhooks\.0\.extra: is not a known field/);
    expect(() => parse('webhooks: {url: x}\n')).toThrow(/node config field webhooks: expected array/);
    const twice = `webhooks:\n  - {url: 'http://a/x', types: [case.alert], secret: 0123456789abcdef}\n  - {url: 'http://a/x', types: [case.closed], secret: 0123456789abcdef}\n`;
    expect(() => parse(twice)).toThrow(/node config field webhooks\.1\.url: the same URL as webhooks\.0\.url/);
  });
});
