import type { HubMessage, IdGenerator } from '@hub/message';
import { mtSms } from '@hub/testkit';

/** A routed MT SMS for bus tests (`mtSms` of @hub/testkit), with the priority, schedule and text asked for. */
export function testMessage(
  gen: IdGenerator,
  over: { priority?: number; scheduleAt?: number; text?: string } = {},
): HubMessage {
  const text = over.text ?? 'hello';
  const m = mtSms({
    id: gen.next(),
    origin: { protocol: 'smpp', account: 'acme' },
    content: { type: 'sms', dataCoding: 0, text, bytes: Buffer.from(text).toString('base64'), segments: 1 },
    options: {
      receipt: 'final',
      priority: over.priority ?? 0,
      ...(over.scheduleAt === undefined ? {} : { scheduleAt: over.scheduleAt }),
    },
  });
  return { ...m, route: { routeId: 'r1', connector: 'c1' } };
}
