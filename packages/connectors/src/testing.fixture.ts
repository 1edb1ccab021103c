/** Test builders: a valid SMS HubMessage and an SMPP connector config with defaults. Not part of the build. */
import { type SmppConnectorConfig, SmppConnector as SmppConnectorSchema } from '@hub/config';
import { type Address, createMessage, type HubMessage, IdGenerator, normalizeAddress } from '@hub/message';

const ids = new IdGenerator(1);

export function addr(raw: string, hints: { ton?: number; npi?: number } = {}): Address {
  const a = normalizeAddress(raw, hints);
  if (!a) throw new Error(`bad address ${raw}`);
  return a;
}

export function smppConfig(
  over: Partial<Record<keyof SmppConnectorConfig, unknown>> = {},
): SmppConnectorConfig {
  return SmppConnectorSchema.parse({
    id: 'up1',
    kind: 'smpp',
    host: '127.0.0.1',
    systemId: 'hub',
    password: 'secret',
    ...over,
  });
}

export interface SmsOptions {
  text?: string;
  dataCoding?: number;
  bytes?: Buffer;
  udh?: Buffer;
  from?: string;
  to?: string;
  options?: Record<string, unknown>;
}

export function sms(o: SmsOptions = {}): HubMessage {
  const dc = o.dataCoding ?? 0;
  const bytes = o.bytes ?? Buffer.from(o.text ?? 'hello', 'latin1');
  return createMessage({
    id: ids.next(),
    direction: 'mt',
    kind: 'sms',
    origin: { protocol: 'smpp', account: 'acme' },
    from: addr(o.from ?? '+4915100000001'),
    to: [addr(o.to ?? '+4915112345678')],
    content: {
      type: 'sms',
      dataCoding: dc,
      ...(o.text === undefined ? {} : { text: o.text }),
      bytes: bytes.toString('base64'),
      ...(o.udh === undefined ? {} : { udh: o.udh.toString('base64') }),
      segments: 1,
    },
    options: { receipt: 'none', priority: 0, ...(o.options ?? {}) },
  });
}
