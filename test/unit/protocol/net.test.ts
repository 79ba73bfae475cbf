import { describe, expect, it } from 'vitest';
import { dialableHost, hostUrl } from '../../../protocol/net.js';

describe('dialable API URLs', () => {
  it('a wildcard bind is dialled on loopback (what clients on the machine reach, and a certificate can name)', () => {
    expect(dialableHost('0.0.0.0')).toBe('127.0.0.1');
    expect(dialableHost('::')).toBe('::1');
    expect(dialableHost('10.1.2.3')).toBe('10.1.2.3');
    expect(hostUrl('https', '0.0.0.0', 8101)).toBe('https://127.0.0.1:8101');
    expect(hostUrl('http', '::', 8101)).toBe('http://[::1]:8101');
    expect(hostUrl('http', '[::]', 8101)).toBe('http://[::1]:8101');
    expect(hostUrl('http', '::1', 8101)).toBe('http://[::1]:8101');
    expect(hostUrl('https', '10.0.0.11', 8101)).toBe('https://10.0.0.11:8101');
    expect(hostUrl('http', 'fe80::1', 80)).toBe('http://[fe80::1]:80');
    expect(hostUrl('http', 'bj-node.example', 8101)).toBe('http://bj-node.example:8101');
  });
});
