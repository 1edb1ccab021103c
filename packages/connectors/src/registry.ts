import type { Connector as ConnectorConfig } from '@hub/config';
import { Errors } from '@hub/errors';
import { Mm4Connector } from './mm4/mm4-connector.js';
import { SmppConnector } from './smpp/smpp-connector.js';
import type { Connector, ConnectorDeps, ConnectorKind } from './types.js';

/** Builds a connector of one kind from its validated config. */
export type ConnectorFactory<K extends ConnectorKind = ConnectorKind> = (
  config: Extract<ConnectorConfig, { kind: K }>,
  deps: ConnectorDeps,
) => Connector;

/** Factories by kind; a kind without one (mm7 for now) cannot be created. */
export type ConnectorFactories = { readonly [K in ConnectorKind]?: ConnectorFactory<K> };

/** The built-in factories: `smpp` and `mm4` (mm7 comes in its own folder). */
export const connectorFactories: ConnectorFactories = Object.freeze({
  smpp: (config, deps) => new SmppConnector(config, deps),
  mm4: (config, deps) => new Mm4Connector(config, deps),
});

/**
 * Creates the connector for `config` (not started: call `start()`). Throws `HUB_ERR_CONNECTOR_UNKNOWN_KIND`
 * (permanent, a configuration problem) when no factory exists for its kind; pass `factories` to add kinds
 * or substitute fakes in tests.
 */
export function createConnector(
  config: ConnectorConfig,
  deps: ConnectorDeps = {},
  factories: ConnectorFactories = connectorFactories,
): Connector {
  const factory = factories[config.kind] as ConnectorFactory | undefined;
  if (factory === undefined) throw new Errors.HUB_ERR_CONNECTOR_UNKNOWN_KIND(config.kind, config.id);
  return factory(config as never, deps);
}
