import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SmppStatus } from '@hub/smpp';
import { classifyStatus, statusError } from './status-map.js';

test('error table: throttled, temporary and permanent upstream statuses', () => {
  const cases: Array<[number, string, string]> = [
    [SmppStatus.ESME_RTHROTTLED, 'throttled', 'HUB_ERR_CONNECTOR_THROTTLED'],
    [SmppStatus.ESME_RMSGQFUL, 'throttled', 'HUB_ERR_CONNECTOR_THROTTLED'],
    [SmppStatus.ESME_RSYSERR, 'temporary', 'HUB_ERR_CONNECTOR_TEMPORARY'],
    [SmppStatus.ESME_RX_T_APPN, 'temporary', 'HUB_ERR_CONNECTOR_TEMPORARY'],
    [SmppStatus.ESME_RUNKNOWNERR, 'temporary', 'HUB_ERR_CONNECTOR_TEMPORARY'],
    [0x400, 'temporary', 'HUB_ERR_CONNECTOR_TEMPORARY'],
    [SmppStatus.ESME_RINVDSTADR, 'permanent', 'HUB_ERR_CONNECTOR_REJECTED'],
    [SmppStatus.ESME_RINVSRCADR, 'permanent', 'HUB_ERR_CONNECTOR_REJECTED'],
    [SmppStatus.ESME_RINVDCS, 'permanent', 'HUB_ERR_CONNECTOR_REJECTED'],
    [SmppStatus.ESME_RSUBMITFAIL, 'permanent', 'HUB_ERR_CONNECTOR_REJECTED'],
  ];
  for (const [status, recovery, code] of cases) {
    const err = statusError('up1', status);
    assert.equal(err.recovery, recovery, `0x${status.toString(16)}`);
    assert.equal(err.code, code);
    assert.equal(err.details?.upstreamStatus, status);
  }
  assert.equal(classifyStatus(0), 'ok');
  assert.equal(statusError('up1', 0x0b).details?.upstreamStatusName, 'ESME_RINVDSTADR');
});
