import { NodeClient } from '../client.js';
import { nodeUrl } from '../home.js';

/** Where a client command talks to: the node of a home, or a URL. */
export type Target = { home?: string; node?: string };
export const client = (o: Target) => new NodeClient(nodeUrl(o));
