/**
 * Micro benchmark (not a test): decodes per second of a multipart/related SubmitReq carrying a 50 KB
 * image (plus SMIL and text, 5 recipients), and of a bare SubmitRsp encode.
 * Run: `pnpm --filter @hub/mm7 bench` (or `node --conditions=@hub/source --import tsx src/decode.bench.ts`).
 */
import { randomBytes } from 'node:crypto';
import { encodeSubmitReq, encodeSubmitRsp } from './encode.js';
import { decodeMm7Request } from './request.js';

const image = randomBytes(50 * 1024);
const request = encodeSubmitReq(
  { transactionId: 'bench-1' },
  {
    senderIdentification: {
      vaspId: 'vasp',
      vasId: 'svc',
      senderAddress: { kind: 'ShortCode', value: '12345' },
    },
    recipients: {
      to: Array.from({ length: 5 }, (_, i) => ({ kind: 'Number' as const, value: `+1202555010${i}` })),
      cc: [],
      bcc: [],
    },
    subject: 'Hello',
    deliveryReport: true,
    priority: 'Normal',
  },
  {
    contentType: 'multipart/related; type="application/smil"; start="<smil>"',
    parts: [
      {
        contentType: 'application/smil',
        contentId: 'smil',
        body: '<smil><body><par><img src="cid:img"/></par></body></smil>',
      },
      { contentType: 'text/plain; charset=utf-8', contentId: 'txt', body: 'hello world' },
      { contentType: 'image/jpeg', contentId: 'img', body: image },
    ],
  },
);

function rate(label: string, fn: () => unknown): void {
  for (let i = 0; i < 200; i++) fn();
  let n = 0;
  const t0 = process.hrtime.bigint();
  while (process.hrtime.bigint() - t0 < 2_000_000_000n) {
    fn();
    n++;
  }
  console.log(`${label}: ${Math.round(n / 2)}/s`);
}

console.log(`SubmitReq body: ${request.body.length} bytes`);
const decoded = decodeMm7Request(request.contentType, request.body);
console.log(`image intact: ${decoded.attachments[0]?.part.parts?.[2]?.body.equals(image)}`);
rate('decode SubmitReq (50 KB image)', () => decodeMm7Request(request.contentType, request.body));
rate('encode SubmitRsp', () => encodeSubmitRsp(decoded.envelope, { messageId: 'm-1' }));
