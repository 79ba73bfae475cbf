import { describe, expect, it } from 'vitest';
import { localApiUrl } from '../../../node/api/local-url.js';

describe('the API URL the node writes to HOME/run/api.url', () => {
  it('dials loopback for a wildcard bind, which a certificate for IP:127.0.0.1 matches', () => {
    expect(localApiUrl(true, '0.0.0.0', 8101)).toBe('https://127.0.0.1:8101');
    expect(localApiUrl(false, '::', 8101)).toBe('http://[::1]:8101');
    expect(localApiUrl(false, '[::]', 8101)).toBe('http://[::1]:8101');
  });

  it('keeps a named address as it is', () => {
    expect(localApiUrl(false, '127.0.0.1', 0)).toBe('http://127.0.0.1:0');
    expect(localApiUrl(true, '10.0.0.11', 8101)).toBe('https://10.0.0.11:8101');
    expect(localApiUrl(false, '::1', 8101)).toBe('http://[::1]:8101');
  });
});
