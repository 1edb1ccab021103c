import type { ServiceFactory } from '@hub/runtime';

/**
 * The apps `hub start` can run, in start order: consumers first (so nothing waits), listeners last
 * (so traffic only arrives once everything behind it runs). Stopped in reverse: listeners first.
 * Each is loaded lazily so `hub start smpp` does not load the MM7 stack.
 */
export const APPS: ReadonlyArray<{ name: string; summary: string; load: () => Promise<ServiceFactory> }> = [
  {
    name: 'router',
    summary: 'routes every message by the route table to a connector (MT) or an account (MO)',
    load: async () => (await import('@hub/router')).createRouterService,
  },
  {
    name: 'connectors',
    summary: 'carrier connectors (SMPP upstreams) and the status worker',
    load: async () => (await import('@hub/connector-worker')).createConnectorWorkerService,
  },
  {
    name: 'smpp',
    summary: 'SMPP 3.4/5.0 server for ESMEs: submits in; MO and receipts out',
    load: async () => (await import('@hub/gateway-smpp')).createSmppGatewayService,
  },
  {
    name: 'mm7',
    summary: 'MM7 (SOAP over HTTP) endpoint for VASPs; DeliverReq and reports delivered to them',
    load: async () => (await import('@hub/gateway-mm7')).createMm7GatewayService,
  },
  {
    name: 'mm4',
    summary: 'MM4 (MMS over SMTP) interconnect with peer MMSCs: forward.REQ in, .RES and reports out',
    load: async () => (await import('@hub/gateway-mm4')).createMm4GatewayService,
  },
  {
    name: 'api',
    summary: 'REST API for operators (routes, accounts, connectors, messages, stats), OpenAPI at /docs',
    load: async () => (await import('@hub/api')).createApiService,
  },
];

export function appNames(): string[] {
  return APPS.map((a) => a.name);
}
