#!/usr/bin/env node
// Checks the deployment files without Docker or a cluster: every YAML file parses, compose services and
// Kubernetes objects have the expected shape and agree with each other (selectors, port names, files named
// by kustomization.yaml), and both Hub configurations (config/hub.example.yaml, the ConfigMap's hub.yaml)
// pass Hub's own config loader.
//   node --conditions=@hub/source --import tsx infra/check.mjs        (from the repository root)
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const infra = join(root, 'infra');
const YAML = createRequire(join(root, 'packages/config/package.json'))('yaml');
const { loadConfig } = await import(join(root, 'packages/config/src/index.ts'));

const problems = [];
const check = (ok, what) => {
  if (!ok) problems.push(what);
};
const parseAll = (file) =>
  YAML.parseAllDocuments(readFileSync(file, 'utf8'), { merge: true }).map((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0].message}`);
    return d.toJS({ maxAliasCount: 1000 });
  });

const APPS = ['router', 'connectors', 'smpp', 'mm4', 'mm7', 'api'];
const LISTENERS = { smpp: 2775, mm4: 2525, mm7: 8070, api: 8080 };
// A real hash of 'test' (the loader checks the format).
const fakeEnv = {
  ACME_SMPP_HASH: 'scrypt$16384$8$1$SAmmFlwbYp6h9shFjqpcQA==$niGegT8pGk0suUynpiz5M+KwY2om67k+my5KzCp0X5U=',
  SMSC_A_PASSWORD: 'x',
  SMSC_B_PASSWORD: 'x',
};

// docker compose
const [compose] = parseAll(join(infra, 'docker-compose.yml'));
check(compose.services.redis.command.includes('--appendonly'), 'compose: redis without --appendonly');
check(compose.services.redis.volumes?.[0]?.startsWith('redis-data:'), 'compose: redis without its volume');
for (const app of APPS) {
  const s = compose.services[app];
  check(s !== undefined, `compose: no service ${app}`);
  if (s === undefined) continue;
  check(s.command?.join(' ') === `start ${app}`, `compose: ${app} does not run 'hub start ${app}'`);
  check(s.deploy?.replicas >= 1, `compose: ${app} has no deploy.replicas`);
  check(s.env_file !== undefined, `compose: ${app} reads no env file`);
  check(
    s.volumes?.some((v) => v.endsWith(':/etc/hub/hub.yaml:ro')),
    `compose: ${app} mounts no config`,
  );
  if (LISTENERS[app] !== undefined) {
    check(s.healthcheck?.test?.join(' ').includes(String(LISTENERS[app])), `compose: ${app} healthcheck`);
    check(s.ports?.[0]?.endsWith(`:${LISTENERS[app]}`), `compose: ${app} port`);
  }
}

// Kubernetes
const k8s = join(infra, 'k8s');
const objects = [];
for (const f of readdirSync(k8s).filter((f) => f.endsWith('.yaml'))) {
  for (const o of parseAll(join(k8s, f))) {
    check(
      typeof o.apiVersion === 'string' && typeof o.kind === 'string',
      `${f}: object without apiVersion/kind`,
    );
    objects.push({ file: f, o });
  }
}
const kust = objects.find((x) => x.o.kind === 'Kustomization')?.o;
const files = new Set(readdirSync(k8s));
for (const r of kust.resources) check(files.has(r), `kustomization: missing ${r}`);
const deployments = objects.filter((x) => x.o.kind === 'Deployment').map((x) => x.o);
for (const app of APPS) {
  const d = deployments.find((d) => d.metadata.name === `hub-${app}`);
  check(d !== undefined, `k8s: no deployment hub-${app}`);
  if (d === undefined) continue;
  const labels = d.spec.template.metadata.labels;
  for (const [k, v] of Object.entries(d.spec.selector.matchLabels))
    check(labels[k] === v, `k8s: hub-${app} selector does not match its pods`);
  const c = d.spec.template.spec.containers[0];
  check(c.args.join(' ') === `start ${app}`, `k8s: hub-${app} does not run 'hub start ${app}'`);
  check(c.envFrom?.[0]?.secretRef?.name === 'hub-secrets', `k8s: hub-${app} without the secret`);
  check(
    d.spec.template.spec.volumes.some((v) => v.configMap?.name === 'hub-config'),
    `k8s: hub-${app} config`,
  );
}
for (const { o } of objects.filter((x) => x.o.kind === 'Service' && x.o.metadata.name.startsWith('hub-'))) {
  const d = deployments.find((d) =>
    Object.entries(o.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v),
  );
  check(d !== undefined, `k8s: service ${o.metadata.name} selects no deployment`);
  const names = d?.spec.template.spec.containers[0].ports?.map((p) => p.name) ?? [];
  for (const p of o.spec.ports)
    check(names.includes(p.targetPort), `k8s: ${o.metadata.name} targetPort ${p.targetPort}`);
}
const cm = objects.find((x) => x.o.kind === 'ConfigMap' && x.o.metadata.name === 'hub-config')?.o;

// Hub configurations through Hub's loader.
for (const [name, object] of [
  ['config/hub.example.yaml', YAML.parse(readFileSync(join(infra, 'config/hub.example.yaml'), 'utf8'))],
  ['k8s/configmap.yaml hub.yaml', YAML.parse(cm.data['hub.yaml'])],
]) {
  try {
    loadConfig({ object, env: fakeEnv });
  } catch (err) {
    problems.push(`${name}: ${err.message}`);
  }
}

// Prometheus
const [prom] = parseAll(join(infra, 'prometheus/prometheus.yml'));
check(prom.scrape_configs.length >= 3, 'prometheus: scrape configs missing');

// systemd
const unit = readFileSync(join(infra, 'systemd/hub@.service'), 'utf8');
check(/^ExecStart=.* start %i$/m.test(unit), 'systemd: hub@.service does not run hub start %i');
// The heap flag the figures in docs/performance.md were measured with (docs/operations.md "Node heap").
check(
  /^ExecStart=\S+ --initial-old-space-size=\d+ /m.test(unit),
  'systemd: node without --initial-old-space-size',
);
const dockerfile = readFileSync(join(infra, 'Dockerfile'), 'utf8');
check(
  /^ENTRYPOINT \["node", "--initial-old-space-size=\d+"/m.test(dockerfile),
  'Dockerfile: node without --initial-old-space-size',
);

if (problems.length > 0) {
  console.error(problems.map((p) => `✖ ${p}`).join('\n'));
  process.exit(1);
}
console.log(
  `infra ok: compose ${Object.keys(compose.services).length} services, k8s ${objects.length} objects, 2 configs valid`,
);
