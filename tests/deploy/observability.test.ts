/**
 * deploy/grafana, deploy/prometheus and docs/operations.md chart and alert on
 * metrics the code really exports: every metric name an expression of the
 * dashboard or of an alert rule uses is registered by createMetrics and the
 * gauges the processes add (a typo or a renamed metric fails here, not on an
 * operator's empty panel). The dashboard is importable Grafana JSON with its
 * datasource as an input, Prometheus scrapes every role of the compose file on
 * its metrics listener, and every alert is documented.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createMetrics, parseConfig, type Metrics } from '@lattice/core';
import { registerFederationOutboxMetrics } from '@lattice/federation';
import { createTestDatabase, migrate, type Database } from '@lattice/storage';
import { registerDatabaseMetrics } from '@lattice/worker-runtime';
import { REPO_ROOT } from '../support/homeserver-process.js';

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');

interface Panel {
  type: string;
  id: number;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Array<{ expr: string; refId: string; datasource?: { uid: string } }>;
}
interface Dashboard {
  __inputs: Array<{ name: string; type: string; pluginId: string }>;
  title: string;
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; query: { query: string } | string }> };
}
interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}

const dashboard = JSON.parse(read('deploy/grafana/lattice-dashboard.json')) as Dashboard;
const alerts = (parseYaml(read('deploy/prometheus/alerts.yml')) as { groups: Array<{ name: string; rules: AlertRule[] }> }).groups.flatMap((g) => g.rules);
const panels = dashboard.panels.filter((p) => p.type !== 'row');
const dashboardExprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

/** Metric names an expression uses: identifiers outside quoted strings that name Lattice, Node or process series, or `up`. */
function metricNames(expr: string): string[] {
  const unquoted = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...unquoted.matchAll(/\b(?:lattice|process|nodejs)_[a-zA-Z0-9_]+\b|\bup\b(?=\s*\{)/g)].map((m) => m[0]);
}

function balanced(expr: string): boolean {
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: string[] = [];
  for (const c of expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if ('([{'.includes(c)) stack.push(c);
    else if (c in pairs && stack.pop() !== pairs[c]) return false;
  }
  return stack.length === 0;
}

describe('metric names of the dashboard and the alert rules', () => {
  let db: Database;
  let metrics: Metrics;
  const exported = new Set<string>(['up']); // `up` is Prometheus's own, per scrape target

  beforeAll(async () => {
    db = await createTestDatabase('pglite');
    await migrate(db);
    // What a process registers: createMetrics, then its database pool and (where the sender runs) the outbox.
    metrics = createMetrics('homeserver');
    registerDatabaseMetrics(metrics, db);
    registerFederationOutboxMetrics(metrics, db);
    for (const metric of (await metrics.registry.getMetricsAsJSON()) as unknown as Array<{ name: string; type: string }>) {
      exported.add(metric.name);
      if (metric.type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(metric.name + suffix);
      if (metric.type === 'summary') for (const suffix of ['_sum', '_count']) exported.add(metric.name + suffix);
    }
  });
  afterAll(async () => {
    metrics?.close();
    await db?.close();
  });

  it('every name used is exported', () => {
    const used = new Set([...dashboardExprs, ...alerts.map((a) => a.expr)].flatMap(metricNames));
    expect(used.size).toBeGreaterThan(15);
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
  });

  it('the dashboard charts every metric group, and the alerts cover the failure modes', () => {
    const charted = new Set(dashboardExprs.flatMap(metricNames));
    for (const name of [
      'lattice_http_request_duration_seconds_count',
      'lattice_http_request_duration_seconds_bucket',
      'lattice_stream_position',
      'lattice_stream_lag',
      'lattice_events_persisted_total',
      'lattice_event_persist_batch_duration_seconds_bucket',
      'lattice_federation_outbox_depth',
      'lattice_federation_outbox_destination_depth',
      'lattice_federation_destinations_backing_off',
      'lattice_federation_transactions_total',
      'lattice_cache_requests_total',
      'lattice_db_pool_connections',
      'lattice_event_loop_delay_seconds',
      'process_resident_memory_bytes',
    ]) {
      expect([name, charted.has(name)]).toEqual([name, true]);
    }
    const alerted = new Set(alerts.flatMap((a) => metricNames(a.expr)));
    for (const name of [
      'lattice_stream_lag',
      'lattice_event_persist_failures_total',
      'lattice_federation_outbox_oldest_age_seconds',
      'lattice_event_loop_delay_seconds',
      'lattice_http_request_duration_seconds_count',
      'lattice_db_pool_connections',
    ]) {
      expect([name, alerted.has(name)]).toEqual([name, true]);
    }
  });
});

describe('the Grafana dashboard', () => {
  it('takes its Prometheus datasource as an input, used by every panel and query', () => {
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' })]);
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    for (const panel of panels) {
      expect([panel.title, panel.datasource]).toEqual([panel.title, { type: 'prometheus', uid: '${DS_PROMETHEUS}' }]);
      expect(panel.targets!.length).toBeGreaterThan(0);
      for (const target of panel.targets!) expect(target.datasource?.uid).toBe('${DS_PROMETHEUS}');
    }
  });

  it('panels have unique ids, fit the 24-column grid, do not overlap, and filter by role and instance', () => {
    const all = dashboard.panels;
    expect(new Set(all.map((p) => p.id)).size).toBe(all.length);
    const cells = new Set<string>();
    for (const { gridPos: g, title } of all) {
      expect([title, g.x >= 0 && g.w > 0 && g.x + g.w <= 24]).toEqual([title, true]);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          expect([title, cells.has(`${x},${y}`)]).toEqual([title, false]);
          cells.add(`${x},${y}`);
        }
      }
    }
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['role', 'instance']);
    for (const expr of dashboardExprs) {
      expect([expr, balanced(expr), expr.includes('role=~"$role"') && expr.includes('instance=~"$instance"')]).toEqual([expr, true, true]);
    }
  });
});

describe('Prometheus', () => {
  type ComposeService = { command?: string[]; environment?: Record<string, string>; profiles?: string[]; volumes?: string[] };
  const compose = parseYaml(read('deploy/docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
  const prometheus = parseYaml(read('deploy/prometheus/prometheus.yml')) as {
    rule_files: string[];
    scrape_configs: Array<{ job_name: string; metrics_path?: string; static_configs: Array<{ targets: string[] }> }>;
  };

  it('scrapes every worker of the compose file on its metrics listener', () => {
    const config = parseConfig(read('deploy/homeserver.workers.yaml'), {
      configDir: '/config',
      env: {
        LATTICE_WORKER_APP: 'sync',
        LATTICE_WORKER_NAME: 'sync-1',
        LATTICE_DATABASE__ARGS__PASSWORD: 'pw',
        LATTICE_WORKER_REPLICATION_SECRET: 'secret',
        LATTICE_REGISTRATION_SHARED_SECRET: 'secret',
      },
    });
    const metricsPort = config.listeners.find((l) => l.type === 'metrics')!.port;
    const workers = Object.entries(compose.services).filter(([, s]) => s.environment?.LATTICE_WORKER_NAME).map(([name]) => name);
    const job = prometheus.scrape_configs.find((j) => j.job_name === 'lattice')!;
    expect(job.metrics_path ?? '/metrics').toBe('/metrics');
    const targets = job.static_configs.flatMap((c) => c.targets);
    expect(new Set(targets)).toEqual(new Set(workers.map((w) => `${w}:${metricsPort}`)));
    // Alert rules reference the job by name.
    expect(alerts.find((a) => a.alert === 'LatticeInstanceDown')!.expr).toContain('job="lattice"');
  });

  it('the compose monitoring profile mounts the scrape config and the rules it loads', () => {
    const service = compose.services['prometheus']!;
    expect(service.profiles).toEqual(['monitoring']);
    const mounts = new Map(service.volumes!.map((v) => v.split(':') as [string, string, string?]).map(([from, to]) => [to, from]));
    expect(mounts.get('/etc/prometheus/prometheus.yml')).toBe('./prometheus/prometheus.yml');
    for (const file of prometheus.rule_files) expect(mounts.get(file)).toBe(`./prometheus/${path.basename(file)}`);
  });

  it('every alert rule is complete, well-formed and documented in docs/operations.md', () => {
    const docs = read('docs/operations.md');
    expect(alerts.length).toBeGreaterThanOrEqual(8);
    expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
    for (const rule of alerts) {
      expect([rule.alert, balanced(rule.expr)]).toEqual([rule.alert, true]);
      expect(['warning', 'critical']).toContain(rule.labels.severity);
      expect(rule.annotations.summary.length).toBeGreaterThan(10);
      expect(rule.annotations.description.length).toBeGreaterThan(20);
      if (rule.for !== undefined) expect(rule.for).toMatch(/^\d+[smh]$/);
      expect([rule.alert, docs.includes(`### ${rule.alert}`)]).toEqual([rule.alert, true]);
    }
  });
});
