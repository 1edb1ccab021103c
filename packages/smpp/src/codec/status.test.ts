import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import {
  CommandId,
  commandName,
  downgradeStatus,
  isResponseId,
  isV5OnlyStatus,
  responseIdFor,
  SmppStatus,
  statusName,
} from './status.js';

const smpp = createRequire(import.meta.url)('smpp') as {
  errors: Record<string, number>;
  commands: Record<string, { id: number }>;
};

test('status table equals node-smpp errors both ways', () => {
  assert.deepEqual({ ...SmppStatus }, smpp.errors);
});

test('command ids equal node-smpp commands', () => {
  const theirs: Record<string, number> = {};
  for (const [name, c] of Object.entries(smpp.commands)) theirs[name] = c.id;
  assert.deepEqual({ ...CommandId }, theirs);
});

test('statusName and commandName', () => {
  assert.equal(statusName(0x58), 'ESME_RTHROTTLED');
  assert.equal(statusName(0x104), 'ESME_RINVDCS');
  assert.equal(statusName(0x400), 'UNKNOWN_0x00000400');
  assert.equal(commandName(0x80000004), 'submit_sm_resp');
  assert.equal(commandName(0x00000099), undefined);
  assert.equal(isResponseId(CommandId.generic_nack), true);
  assert.equal(isResponseId(CommandId.submit_sm), false);
  assert.equal(responseIdFor(CommandId.data_sm), 0x80000103);
});

test('v5-only statuses are downgraded for 3.4 and 3.3 peers only', () => {
  assert.equal(isV5OnlyStatus(0x104), true);
  assert.equal(isV5OnlyStatus(0xff), false);
  assert.equal(downgradeStatus(0x104, 0x50), 0x104);
  assert.equal(downgradeStatus(0x104, 0x34), 0x45);
  assert.equal(downgradeStatus(0x104, 0x33, 0x08), 0x08);
  assert.equal(downgradeStatus(0x61, 0x34), 0x61);
});
