import { statfsSync } from 'node:fs';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Node metrics behind one object; the HTTP API serves `registry` at /metrics. */
export class Metrics {
  readonly registry = new Registry();
  readonly appends = new Counter({ name: 'tongban_appends_total', help: "Records appended to this node's own log", registers: [this.registry] });
  readonly appendRejects = new Counter({ name: 'tongban_append_rejections_total', help: 'Append requests rejected, by rule', labelNames: ['rule'], registers: [this.registry] });
  readonly foreignAccepted = new Counter({ name: 'tongban_foreign_records_total', help: 'Records of other members accepted', labelNames: ['author'], registers: [this.registry] });
  readonly validationFailures = new Counter({ name: 'tongban_validation_failures_total', help: 'Records or messages from peers rejected, by rule', labelNames: ['rule'], registers: [this.registry] });
  readonly finalityLag = new Gauge({ name: 'tongban_finality_lag_records', help: 'Records of a log held but not yet final', labelNames: ['author'], registers: [this.registry] });
  readonly logSize = new Gauge({ name: 'tongban_log_size', help: 'Records held per log', labelNames: ['author'], registers: [this.registry] });
  readonly peers = new Gauge({ name: 'tongban_peers', help: 'Connected member peers', registers: [this.registry] });
  readonly members = new Gauge({ name: 'tongban_members', help: 'Members of the current epoch, this node included (alerts compare tongban_peers with it)', registers: [this.registry] });
  /** The store's directory (`watchDisk`): its file system's space is read at each scrape. */
  private storeDir?: string;
  readonly diskFree = new Gauge({
    name: 'tongban_store_disk_free_bytes',
    help: 'Bytes free to this node on the file system holding its store',
    registers: [this.registry],
    collect: () => this.readDisk(),
  });
  readonly diskSize = new Gauge({ name: 'tongban_store_disk_size_bytes', help: 'Size in bytes of the file system holding the store', registers: [this.registry], collect: () => this.readDisk() });
  readonly forks = new Gauge({ name: 'tongban_forked_logs', help: 'Logs with fork evidence', registers: [this.registry] });
  readonly clockSkew = new Gauge({
    name: 'tongban_clock_skew_seconds',
    help: "This node's clock minus a member's signed clock (positive: this node is ahead)",
    labelNames: ['peer'],
    registers: [this.registry],
  });
  readonly epoch = new Gauge({ name: 'tongban_epoch', help: 'Current governance epoch', registers: [this.registry] });
  readonly cosignatures = new Counter({ name: 'tongban_cosignatures_total', help: 'Checkpoints this node cosigned', registers: [this.registry] });
  readonly gossip = new Counter({
    name: 'tongban_gossip_messages_total',
    help: 'Heads gossip messages, by direction (in, out) and reason',
    labelNames: ['direction', 'reason'],
    registers: [this.registry],
  });
  readonly witnessRequests = new Counter({
    name: 'tongban_witness_requests_total',
    help: 'Cosignature requests, by direction (in, out) and outcome',
    labelNames: ['direction', 'outcome'],
    registers: [this.registry],
  });
  readonly cosignRound = new Histogram({
    name: 'tongban_cosign_round_seconds',
    help: 'From signing an own checkpoint to a quorum of cosignatures (or every witness answering)',
    labelNames: ['quorum'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly events = new Counter({ name: 'tongban_events_total', help: 'Events written to the outbox, by type (README "Events and webhooks")', labelNames: ['type'], registers: [this.registry] });
  readonly webhookDeliveries = new Counter({
    name: 'tongban_webhook_deliveries_total',
    help: 'Webhook POSTs, by webhook and outcome (ok, failed)',
    labelNames: ['webhook', 'outcome'],
    registers: [this.registry],
  });
  readonly outboxLag = new Gauge({ name: 'tongban_webhook_outbox_lag_events', help: 'Events in the outbox not yet delivered to a webhook', labelNames: ['webhook'], registers: [this.registry] });
  readonly sseClients = new Gauge({ name: 'tongban_sse_clients', help: 'Open GET /v1/events streams', registers: [this.registry] });
  readonly eventsSkipped = new Counter({
    name: 'tongban_webhook_events_skipped_total',
    help: 'Events a webhook never got: outside the outbox retention before delivery',
    labelNames: ['webhook'],
    registers: [this.registry],
  });
  readonly http = new Histogram({
    name: 'tongban_http_request_seconds',
    help: 'HTTP API latency',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });

  readonly tlsNotAfter = new Gauge({
    name: 'tongban_http_tls_cert_not_after_seconds',
    help: 'Expiry (notAfter) of the certificate the HTTP API serves (label cert: its file), Unix time in seconds; absent without TLS',
    labelNames: ['cert'],
    registers: [this.registry],
  });
  readonly authRefusals = new Counter({
    name: 'tongban_http_auth_refusals_total',
    help: 'HTTP API requests refused for a missing, unknown or insufficient token, by code',
    labelNames: ['code'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tongban_process_' });
  }

  /** Report the free and total space of the file system holding `dir` (statfs at each scrape: one system call). */
  watchDisk(dir: string): void {
    this.storeDir = dir;
  }

  private readDisk(): void {
    if (!this.storeDir) return;
    try {
      const s = statfsSync(this.storeDir);
      this.diskFree.set(s.bavail * s.bsize);
      this.diskSize.set(s.blocks * s.bsize);
    } catch {
      // The directory is gone: the gauges keep their last values; the node fails loudly on its next write.
    }
  }
}
