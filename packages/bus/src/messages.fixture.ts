import { createMessage, type HubMessage, type IdGenerator, normalizeAddress } from '@hub/message';

/** A routed MT SMS for bus tests, with the priority, schedule and text asked for. */
export function testMessage(
  gen: IdGenerator,
  over: { priority?: number; scheduleAt?: number; text?: string } = {},
): HubMessage {
  const text = over.text ?? 'hello';
  const m = createMessage({
    id: gen.next(),
    direction: 'mt',
    kind: 'sms',
    origin: { protocol: 'smpp', account: 'acme' },
    from: normalizeAddress('HUB', { ton: 5 })!,
    to: [normalizeAddress('+821055551234')!],
    content: { type: 'sms', dataCoding: 0, text, bytes: Buffer.from(text).toString('base64'), segments: 1 },
    options: {
      receipt: 'final',
      priority: over.priority ?? 0,
      ...(over.scheduleAt === undefined ? {} : { scheduleAt: over.scheduleAt }),
    },
  });
  return { ...m, route: { routeId: 'r1', connector: 'c1' } };
}
