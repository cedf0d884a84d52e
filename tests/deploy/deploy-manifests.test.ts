/**
 * deploy/ and nginx/ reference only what exists: roles the image can start,
 * config keys the schema accepts (the shared homeserver.yaml validates for
 * every process as it will run), ports the config listens on, services and
 * upstreams that are defined; the Kubernetes manifests validate against the
 * Kubernetes schemas (kubernetes-models).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { WORKER_ROLES, parseConfig, type HomeserverConfig } from '@lattice/core';
import { REPO_ROOT } from '../support/homeserver-process.js';

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');
const ROLES = new Set<string>(WORKER_ROLES);

/** The shared config as one process sees it: its role, name and secrets from the environment. */
function configFor(yamlText: string, role: string, name: string): HomeserverConfig {
  return parseConfig(yamlText, {
    configDir: '/config',
    env: {
      LATTICE_WORKER_APP: role,
      LATTICE_WORKER_NAME: name,
      LATTICE_DATABASE__ARGS__PASSWORD: 'pw',
      LATTICE_WORKER_REPLICATION_SECRET: 'secret',
      LATTICE_REGISTRATION_SHARED_SECRET: 'secret',
    },
  });
}

function listenerPorts(config: HomeserverConfig): { http: number; metrics: number } {
  return {
    http: config.listeners.find((l) => l.type === 'http')!.port,
    metrics: config.listeners.find((l) => l.type === 'metrics')!.port,
  };
}

describe('docker-compose', () => {
  type ComposeService = { command?: string[]; environment?: Record<string, string>; depends_on?: Record<string, unknown> };
  const compose = parseYaml(read('deploy/docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
  const sharedConfig = read('deploy/homeserver.workers.yaml');
  const workers = Object.entries(compose.services).filter(([, s]) => s.environment?.LATTICE_WORKER_NAME);

  it('runs postgres, redis, nginx and every role of the split, 2 client readers, 2 syncs, 2 persisters', () => {
    for (const s of ['postgres', 'redis', 'nginx']) expect(compose.services[s]).toBeDefined();
    const roles = workers.map(([, s]) => s.command![0]!);
    for (const role of roles) expect(ROLES.has(role)).toBe(true);
    const count = (role: string) => roles.filter((r) => r === role).length;
    expect(count('client-reader')).toBe(2);
    expect(count('sync')).toBe(2);
    expect(count('event-persister')).toBe(2);
    for (const role of ['media', 'federation-inbound', 'federation-sender']) expect(count(role)).toBe(1);
  });

  it('every worker has a unique name, and the shared config validates for it', () => {
    const names = workers.map(([, s]) => s.environment!.LATTICE_WORKER_NAME!);
    expect(new Set(names).size).toBe(names.length);
    for (const [service, s] of workers) {
      expect(s.environment!.LATTICE_WORKER_NAME).toBe(service);
      const config = configFor(sharedConfig, s.command![0]!, service);
      expect(config.redis.host).toBe('redis');
      expect(config.database.name).toBe('postgres');
      expect((config.database.args as { host?: string }).host).toBe('postgres');
    }
  });

  it('instance_map and stream_writers name compose services', () => {
    const config = configFor(sharedConfig, 'sync', 'sync-1');
    for (const [instance, location] of Object.entries(config.instance_map)) {
      expect(compose.services[instance]).toBeDefined();
      expect(location.host).toBe(instance);
    }
    const persisters = workers.filter(([, s]) => s.command![0] === 'event-persister').map(([n]) => n);
    expect(new Set(config.stream_writers.events)).toEqual(new Set(persisters));
    for (const writers of Object.values(config.stream_writers)) for (const w of writers) expect(compose.services[w]).toBeDefined();
  });

  it('nginx upstreams point at compose services on the listener port, and define every upstream the routing uses', () => {
    const upstreams = read('nginx/upstreams-compose.conf');
    const routing = read('nginx/lattice-workers.conf');
    const { http } = listenerPorts(configFor(sharedConfig, 'sync', 'sync-1'));
    const servers = [...upstreams.matchAll(/server\s+([\w-]+):(\d+);/g)];
    expect(servers.length).toBeGreaterThan(0);
    for (const [, host, port] of servers) {
      expect(compose.services[host!]).toBeDefined();
      expect(Number(port)).toBe(http);
    }
    const defined = new Set([...upstreams.matchAll(/upstream\s+(\w+)\s*{/g)].map((m) => m[1]));
    const used = new Set([...routing.matchAll(/proxy_pass\s+http:\/\/(\w+);/g)].map((m) => m[1]));
    expect(used.size).toBeGreaterThan(0);
    for (const u of used) expect(defined.has(u)).toBe(true);
    // Typing goes to the typing writer alone.
    const typingWriter = configFor(sharedConfig, 'sync', 'sync-1').stream_writers.typing[0];
    expect(upstreams).toMatch(new RegExp(`upstream lattice_typing \\{\\s*server ${typingWriter}:`));
  });
});

describe('Kubernetes manifests', () => {
  type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; [k: string]: unknown };
  const files = ['config.yaml', 'workers.yaml', 'hpa.yaml', 'ingress.yaml'];
  const manifests: Manifest[] = files.flatMap((f) =>
    parseAllDocuments(read(`deploy/k8s/${f}`)).map((d) => {
      expect(d.errors).toEqual([]);
      return d.toJS() as Manifest;
    }),
  );
  const ofKind = <T = Manifest>(kind: string) => manifests.filter((m) => m.kind === kind) as unknown as T[];
  const models: Record<string, new (data: never) => { validate(): void }> = {
    Namespace,
    ConfigMap,
    Secret,
    Service,
    PersistentVolumeClaim,
    Deployment,
    HorizontalPodAutoscaler,
    Ingress,
  };

  it('every manifest validates against its Kubernetes schema', () => {
    expect(manifests.length).toBeGreaterThan(10);
    for (const m of manifests) {
      const Model = models[m.kind];
      expect(Model).toBeDefined();
      expect(() => new Model!(m as never).validate()).not.toThrow();
    }
  });

  type Container = {
    args?: string[];
    env?: Array<{ name: string; value?: string }>;
    ports?: Array<{ name: string; containerPort: number }>;
    livenessProbe?: { httpGet?: { path: string; port: string } };
    readinessProbe?: { httpGet?: { path: string; port: string } };
  };
  type DeploymentManifest = Manifest & {
    spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { spec: { containers: Container[] } } };
  };
  const configMap = ofKind<Manifest & { data: Record<string, string> }>('ConfigMap')[0]!;
  const lattice = ofKind<DeploymentManifest>('Deployment').filter((d) => d.spec.template.spec.containers[0]!.args?.[0] !== '--save');

  it('a Deployment per role, each starting a real role with probes on the metrics listener', () => {
    const roles = new Set(lattice.map((d) => d.spec.template.spec.containers[0]!.args![0]!));
    expect(roles).toEqual(new Set(WORKER_ROLES.filter((r) => r !== 'homeserver')));
    for (const d of lattice) {
      const c = d.spec.template.spec.containers[0]!;
      const role = c.args![0]!;
      const name = c.env!.find((e) => e.name === 'LATTICE_WORKER_NAME')!.value ?? `${d.metadata.name}-pod`;
      const { http, metrics } = listenerPorts(configFor(configMap.data['homeserver.yaml']!, role, name));
      const port = (n: string) => c.ports!.find((p) => p.name === n)?.containerPort;
      expect(port('metrics')).toBe(metrics);
      if (port('http') !== undefined) expect(port('http')).toBe(http);
      expect(c.livenessProbe?.httpGet).toEqual({ path: '/health', port: 'metrics' });
      expect(c.readinessProbe?.httpGet).toEqual({ path: '/ready', port: 'metrics' });
    }
  });

  it('named stream writers are single-replica Deployments with a Service on their instance_map port', () => {
    const config = configFor(configMap.data['homeserver.yaml']!, 'sync', 'sync-x');
    const services = ofKind<Manifest & { spec: { selector: Record<string, string>; ports: Array<{ name: string; port: number }> } }>('Service');
    for (const [instance, location] of Object.entries(config.instance_map)) {
      const d = lattice.find((x) => x.metadata.name === instance)!;
      expect(d.spec.replicas).toBe(1);
      expect(d.spec.template.spec.containers[0]!.env!.find((e) => e.name === 'LATTICE_WORKER_NAME')!.value).toBe(instance);
      const svc = services.find((s) => s.metadata.name === location.host)!;
      expect(svc.spec.ports.find((p) => p.name === 'internal')!.port).toBe(location.port);
      expect(svc.spec.selector).toEqual(d.spec.selector.matchLabels);
    }
  });

  it('the ConfigMap has the topology of deploy/homeserver.workers.yaml (instance_map, stream_writers)', () => {
    const k8s = configFor(configMap.data['homeserver.yaml']!, 'sync', 'sync-x');
    const compose = configFor(read('deploy/homeserver.workers.yaml'), 'sync', 'sync-x');
    expect(k8s.instance_map).toEqual(compose.instance_map);
    expect(k8s.stream_writers).toEqual(compose.stream_writers);
    // Other servers' EDUs are written where they arrive.
    for (const stream of ['receipts', 'to_device', 'device_lists'] as const) expect(k8s.stream_writers[stream]).toContain('federation-inbound');
  });

  it('Services select existing pods; the Ingress and HPAs reference what exists', () => {
    const services = ofKind<Manifest & { spec: { selector: Record<string, string>; ports: Array<{ name: string }> } }>('Service');
    const allDeployments = ofKind<DeploymentManifest>('Deployment');
    for (const s of services) {
      const matches = allDeployments.filter((d) =>
        Object.entries(s.spec.selector).every(([k, v]) => d.spec.selector.matchLabels[k] === v),
      );
      expect(matches.length).toBeGreaterThan(0);
    }
    const ingress = ofKind<Manifest & { spec: { rules: Array<{ http: { paths: Array<{ backend: { service: { name: string; port: { name: string } } } }> } }> } }>('Ingress')[0]!;
    for (const p of ingress.spec.rules[0]!.http.paths) {
      const svc = services.find((s) => s.metadata.name === p.backend.service.name);
      expect(svc).toBeDefined();
      expect(svc!.spec.ports.map((x) => x.name)).toContain(p.backend.service.port.name);
    }
    const hpas = ofKind<Manifest & { spec: { scaleTargetRef: { name: string } } }>('HorizontalPodAutoscaler');
    // federation-inbound writes receipts, to-device messages and device lists: a named writer, not autoscaled.
    const stateless = new Set(['sync', 'media']);
    expect(new Set(hpas.map((h) => h.spec.scaleTargetRef.name))).toEqual(stateless);
    for (const h of hpas) {
      const d = lattice.find((x) => x.metadata.name === h.spec.scaleTargetRef.name)!;
      // Autoscaled replicas are named after their pod: they must write no stream.
      expect(d.spec.template.spec.containers[0]!.env!.find((e) => e.name === 'LATTICE_WORKER_NAME')!.value).toBeUndefined();
    }
  });
});
