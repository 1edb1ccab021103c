import { createMessage, type HubMessage, IdGenerator, type NewMessage, normalizeAddress } from '@hub/message';

const gen = new IdGenerator(7);

/** Test message builder: MT SMS from account `acme` to a German mobile unless overridden. */
export function msg(
  over: Partial<Omit<NewMessage, 'to' | 'from'>> & {
    to?: string | string[];
    from?: string;
    text?: string;
  } = {},
): HubMessage {
  const { to = '+4915112345678', from = '+4930123456', text = 'Hello there', ...rest } = over;
  const addr = (s: string) => {
    const a = normalizeAddress(s);
    if (a === undefined) throw new Error(`bad test address ${s}`);
    return a;
  };
  return createMessage(
    {
      id: gen.next(),
      direction: 'mt',
      kind: 'sms',
      origin: { protocol: 'smpp', account: 'acme' },
      from: addr(from),
      to: (Array.isArray(to) ? to : [to]).map(addr),
      content: { type: 'sms', dataCoding: 0, text, bytes: Buffer.from(text).toString('base64'), segments: 1 },
      options: {},
      ...rest,
    },
    1_000,
  );
}

/** MO SMS arriving on connector `vf-de` to short code 12345. */
export function mo(over: Parameters<typeof msg>[0] = {}): HubMessage {
  return msg({
    direction: 'mo',
    origin: { protocol: 'smpp', connector: 'vf-de' },
    from: '+4915112345678',
    to: '12345',
    ...over,
  });
}

/** Deterministic PRNG (mulberry32) for split tests. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
