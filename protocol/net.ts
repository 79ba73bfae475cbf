/**
 * The host a client on the same machine dials for a server bound to `host`: a wildcard bind (0.0.0.0, ::)
 * listens on every interface but is no address to connect to, nor one a TLS certificate names.
 */
export function dialableHost(host: string): string {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === '0.0.0.0' || h === '') return '127.0.0.1';
  if (h === '::' || h === '::0') return '::1';
  return h;
}

/** `scheme://host:port` with an IPv6 host in brackets and a wildcard host made dialable. */
export function hostUrl(scheme: 'http' | 'https', host: string, port: number): string {
  const h = dialableHost(host);
  return `${scheme}://${h.includes(':') ? `[${h}]` : h}:${port}`;
}
