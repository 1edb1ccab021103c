import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  EsmClass,
  intermediateWanted,
  isReceiptEsmClass,
  parseEsmClass,
  parseRegisteredDelivery,
  priorityToQueue,
  receiptWanted,
} from './bits.js';

test('esm_class parsing', () => {
  assert.deepEqual(parseEsmClass(0x00), { mode: 'default', type: 'default', udhi: false, replyPath: false });
  assert.deepEqual(parseEsmClass(0x43), {
    mode: 'store-and-forward',
    type: 'default',
    udhi: true,
    replyPath: false,
  });
  assert.deepEqual(parseEsmClass(0x04), {
    mode: 'default',
    type: 'mc-delivery-receipt',
    udhi: false,
    replyPath: false,
  });
  assert.equal(parseEsmClass(0x20).type, 'intermediate-notification');
  assert.equal(parseEsmClass(0x08).type, 'sme-delivery-ack');
  assert.equal(parseEsmClass(0x10).type, 'sme-manual-ack');
  assert.equal(parseEsmClass(0x18).type, 'conversation-abort');
  assert.equal(parseEsmClass(0x0c).type, 'reserved');
  assert.equal(parseEsmClass(0x81).replyPath, true);
  assert.equal(parseEsmClass(0x81).mode, 'datagram');
  assert.equal(parseEsmClass(0x02).mode, 'forward');
  assert.equal(isReceiptEsmClass(0x04), true);
  assert.equal(isReceiptEsmClass(0x44), true);
  assert.equal(isReceiptEsmClass(0x20), true);
  assert.equal(isReceiptEsmClass(0x40), false);
  assert.equal(isReceiptEsmClass(0x08), false);
  assert.equal(EsmClass.UDHI | EsmClass.MODE_STORE_AND_FORWARD, 0x43);
});

test('registered_delivery and receiptWanted', () => {
  assert.deepEqual(parseRegisteredDelivery(0x1d), {
    receipt: 'success-or-failure',
    smeDeliveryAck: true,
    smeManualAck: true,
    intermediate: true,
  });
  const cases: Array<[number, boolean, boolean]> = [
    [0x00, false, false],
    [0x01, true, true],
    [0x02, false, true],
    [0x03, true, false],
    [0x11, true, true],
    [0x10, false, false],
  ];
  for (const [rd, success, failure] of cases) {
    assert.equal(receiptWanted(rd, 'success'), success, `rd ${rd} success`);
    assert.equal(receiptWanted(rd, 'failure'), failure, `rd ${rd} failure`);
  }
  assert.equal(intermediateWanted(0x11), true);
  assert.equal(intermediateWanted(0x01), false);
});

test('priority_flag to queue priority', () => {
  assert.deepEqual([0, 1, 2, 3, 4, -1, 255].map(priorityToQueue), [4, 3, 2, 1, 4, 4, 4]);
});
