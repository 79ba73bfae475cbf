/** The event types a node emits for local systems (README "Events and webhooks"), in one place. */
export const EVENT_TYPES = ['case.opened', 'case.handoff', 'case.updated', 'case.alert', 'case.closed', 'record.final'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const isEventType = (s: string): s is EventType => (EVENT_TYPES as readonly string[]).includes(s);

/** A webhook named in the node config: where to POST, which event types, and the HMAC-SHA256 key. */
export interface WebhookConfig {
  url: string;
  types: EventType[];
  secret: string;
}
