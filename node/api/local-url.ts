/**
 * The URL this machine's clients (the CLI, via HOME/run/api.url) use for an API listening on `host:port`. A wildcard
 * bind (0.0.0.0, ::) is not an address to dial, nor one a certificate names: loopback reaches the same socket, and
 * a certificate made for the node (README "Securing the API") names IP:127.0.0.1.
 */
export function localApiUrl(tls: boolean, host: string, port: number): string {
  const h = host.replace(/^\[|\]$/g, '');
  const dial = h === '0.0.0.0' ? '127.0.0.1' : h === '::' || h === '::0' ? '::1' : h;
  return `${tls ? 'https' : 'http'}://${dial.includes(':') ? `[${dial}]` : dial}:${port}`;
}
