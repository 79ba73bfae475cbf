/**
 * The host a client on the same machine dials for a server bound to `host`: a wildcard bind (0.0.0.0, ::)
 * listens on every interface but is no address to connect to, nor one a TLS certificate names.
 */
export function dialableHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host;
}

/** `scheme://host:port` with an IPv6 host in brackets and a wildcard host made dialable. */
export function hostUrl(scheme: 'http' | 'https', host: string, port: number): string {
  const h = dialableHost(host);
  return `${scheme}://${h.includes(':') ? `[${h}]` : h}:${port}`;
}
