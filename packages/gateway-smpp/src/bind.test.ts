import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { loadAccounts } from '@hub/config';
import { SmppStatus } from '@hub/smpp';
import { ConfigStore, verifySecret } from '@hub/store';
import { EsmeClient, SmppSimError, waitFor } from '@hub/testkit';
import { account, Harness, PASSWORD, PduClient, type StartedGateway, tlvTags } from './harness.fixture.js';

let h: Harness;
let g: StartedGateway;

before(async () => {
  h = await Harness.start();
  g = await h.gateway([
    await account('acme'),
    await account('typed', {}, { systemType: 'VMA' }),
    await account('fenced', { allowedIps: ['10.0.0.0/8'] }),
    await account('two', {}, { maxBinds: 2 }),
    await account('off', { enabled: false }),
  ]);
});
after(async () => {
  await h.close();
});

async function bindStatus(systemId: string, opts: Parameters<PduClient['bind']>[1] = {}): Promise<number> {
  const c = await PduClient.connect(g.port);
  try {
    return (await c.bind(systemId, opts)).pdu.command_status;
  } finally {
    c.close();
  }
}

describe('binds', () => {
  for (const type of ['tx', 'rx', 'trx'] as const) {
    test(`bind ${type} succeeds with system_id hub`, async () => {
      const c = await EsmeClient.connect({
        port: g.port,
        systemId: 'acme',
        password: PASSWORD,
        bindType: type,
      });
      assert.equal(c.peerSystemId, 'hub');
      assert.equal(await c.enquireLink(), 0);
      assert.equal(await c.unbind(), 0);
    });
  }

  test('wrong password → ESME_RINVPASWD', async () => {
    assert.equal(await bindStatus('acme', { password: 'nope' }), SmppStatus.ESME_RINVPASWD);
  });

  test('unknown system_id → ESME_RINVSYSID', async () => {
    assert.equal(await bindStatus('nobody'), SmppStatus.ESME_RINVSYSID);
  });

  test('wrong system_type → ESME_RINVSYSTYP; the right one binds', async () => {
    assert.equal(await bindStatus('typed', { systemType: 'OTHER' }), SmppStatus.ESME_RINVSYSTYP);
    assert.equal(await bindStatus('typed', { systemType: 'VMA' }), 0);
  });

  test('IP outside the allowlist → ESME_RBINDFAIL', async () => {
    assert.equal(await bindStatus('fenced'), SmppStatus.ESME_RBINDFAIL);
  });

  test('disabled account → ESME_RBINDFAIL', async () => {
    assert.equal(await bindStatus('off'), SmppStatus.ESME_RBINDFAIL);
  });

  test('a refused bind leaves the session open for another try', async () => {
    const c = await PduClient.connect(g.port);
    assert.equal((await c.bind('acme', { password: 'bad' })).pdu.command_status, SmppStatus.ESME_RINVPASWD);
    assert.equal((await c.bind('acme')).pdu.command_status, 0);
    c.close();
  });

  test('max binds per account → ESME_RBINDFAIL; a freed slot binds again', async () => {
    const a = await EsmeClient.connect({ port: g.port, systemId: 'two', password: PASSWORD });
    const b = await EsmeClient.connect({ port: g.port, systemId: 'two', password: PASSWORD, bindType: 'rx' });
    await assert.rejects(
      EsmeClient.connect({ port: g.port, systemId: 'two', password: PASSWORD }),
      (e: unknown) => e instanceof SmppSimError && e.status === SmppStatus.ESME_RBINDFAIL,
    );
    await a.unbind();
    // The slot frees when the session closes on the server side.
    const c = await waitFor(async () => {
      try {
        return await EsmeClient.connect({ port: g.port, systemId: 'two', password: PASSWORD });
      } catch {
        return undefined;
      }
    });
    await b.close();
    await c.close();
  });

  test('max binds count across gateway instances sharing Redis', async () => {
    const other = await h.gateway([await account('two', {}, { maxBinds: 2 })]);
    const a = await EsmeClient.connect({ port: g.port, systemId: 'two', password: PASSWORD });
    const b = await EsmeClient.connect({ port: other.port, systemId: 'two', password: PASSWORD });
    await assert.rejects(
      EsmeClient.connect({ port: other.port, systemId: 'two', password: PASSWORD }),
      (e: unknown) => e instanceof SmppSimError && e.status === SmppStatus.ESME_RBINDFAIL,
    );
    await a.close();
    await b.close();
  });

  test('an ESME that disconnects while its bind is checked does not keep the slot it was given', async () => {
    // The password check of the first bind waits until the test lets it go; later binds check at once.
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let entered!: () => void;
    const checking = new Promise<void>((r) => {
      entered = r;
    });
    let calls = 0;
    const gw = await h.gateway([await account('solo', {}, { maxBinds: 1 })], {
      extra: {
        verifyPassword: async (plain, hash) => {
          if (calls++ === 0) {
            entered();
            await gate;
          }
          return await verifySecret(plain, hash);
        },
      },
    });
    const slots = (): Promise<number> => h.client.zcard('hub:binds:{solo}');
    const c = await PduClient.connect(gw.port);
    const pending = c.bind('solo').catch(() => undefined);
    await checking;
    const closed = once(gw.gateway.server, 'closed');
    c.close();
    await closed; // the server saw the disconnect before the bind was decided
    release();
    await pending;
    // The decision (ok, a slot taken in Redis) arrives for a closed session and is handed back.
    await waitFor(async () => (await slots()) === 0, { what: 'the abandoned slot to be released' });
    const a = await EsmeClient.connect({ port: gw.port, systemId: 'solo', password: PASSWORD });
    assert.equal(await slots(), 1);
    await assert.rejects(
      EsmeClient.connect({ port: gw.port, systemId: 'solo', password: PASSWORD }),
      (e: unknown) => e instanceof SmppSimError && e.status === SmppStatus.ESME_RBINDFAIL,
      'maxBinds still holds',
    );
    await a.close();
    await waitFor(async () => (await slots()) === 0, { what: 'the bound slot to be released' });
  });

  test('second bind on a bound session → ESME_RALYBND', async () => {
    const c = await PduClient.connect(g.port);
    assert.equal((await c.bind('acme')).pdu.command_status, 0);
    assert.equal((await c.bind('acme')).pdu.command_status, SmppStatus.ESME_RALYBND);
    c.close();
  });

  test('submit_sm before bind → ESME_RINVBNDSTS; on an RX bind too', async () => {
    const c = await PduClient.connect(g.port);
    const sm = {
      source_addr: '12345',
      destination_addr: '821055551234',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      short_message: Buffer.from('hi'),
    };
    assert.equal((await c.request('submit_sm', sm)).pdu.command_status, SmppStatus.ESME_RINVBNDSTS);
    assert.equal((await c.bind('acme', { type: 'rx' })).pdu.command_status, 0);
    assert.equal((await c.request('submit_sm', sm)).pdu.command_status, SmppStatus.ESME_RINVBNDSTS);
    c.close();
  });
});

describe('account reload', () => {
  test('accounts edited in the config store apply to new binds without a restart', async () => {
    const cfg = new ConfigStore({
      redis: h.client,
      prefix: 'hub',
      subscriber: () => h.connection.client('subscriber'),
    });
    assert.equal(await bindStatus('late'), SmppStatus.ESME_RINVSYSID);
    await cfg.put('accounts', 'late', await account('late'));
    await cfg.put('accounts', 'broken', { id: 'broken', smpp: { systemId: 'broken' } });
    const invalid: string[] = [];
    g.accounts.replace(
      await loadAccounts(g.accounts.byId('acme') ? [g.accounts.byId('acme')!] : [], cfg, (id) =>
        invalid.push(id),
      ),
    );
    assert.deepEqual(invalid, ['broken']);
    assert.equal(await bindStatus('late'), 0);
    assert.equal(await bindStatus('acme'), 0, 'file accounts kept');
  });
});

describe('interface versions', () => {
  const sm = {
    source_addr: '12345',
    dest_addr_ton: 1,
    dest_addr_npi: 1,
    destination_addr: '821055551234',
    registered_delivery: 1,
    short_message: Buffer.from('hello'),
  };

  test('3.3: no sc_interface_version, no TLV in bind_resp nor submit_sm_resp (raw bytes)', async () => {
    const c = await PduClient.connect(g.port);
    const bind = await c.bind('acme', { version: 0x33 });
    assert.equal(bind.pdu.command_status, 0);
    // bind_resp body = system_id C-string only.
    assert.equal(bind.frame.length, 16 + 'hub'.length + 1);
    const r = await c.request('submit_sm', sm);
    assert.equal(r.pdu.command_status, 0);
    const id = String(r.pdu.message_id);
    assert.equal(r.frame.length, 16 + id.length + 1, 'submit_sm_resp carries message_id only');
    assert.ok(id.length > 0);
    c.close();
  });

  test('3.4: sc_interface_version 0x34, no congestion_state', async () => {
    const c = await PduClient.connect(g.port);
    const bind = await c.bind('acme', { version: 0x34 });
    assert.equal(bind.pdu.sc_interface_version, 0x34);
    const r = await c.request('submit_sm', sm);
    assert.equal(r.pdu.command_status, 0);
    assert.equal(r.pdu.congestion_state, undefined);
    c.close();
  });

  test('5.0: sc_interface_version 0x50 and congestion_state in submit_sm_resp', async () => {
    const c = await PduClient.connect(g.port);
    const bind = await c.bind('acme', { version: 0x50 });
    assert.equal(bind.pdu.sc_interface_version, 0x50);
    const r = await c.request('submit_sm', sm);
    assert.equal(r.pdu.command_status, 0);
    assert.equal(typeof r.pdu.congestion_state, 'number');
    const id = String(r.pdu.message_id);
    assert.deepEqual(tlvTags(r.frame, 16 + id.length + 1), [0x0428]);
    c.close();
  });

  test('TLS listener binds and submits', async (t) => {
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { execFileSync } = await import('node:child_process');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'hub-tls-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const tg = await h.gateway([await account('acme')], {
      tls: {
        key: readFileSync(join(dir, 'key.pem'), 'utf8'),
        cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
      },
    });
    assert.ok(tg.tlsPort !== undefined && tg.tlsPort > 0);
    const c = await EsmeClient.connect({
      port: tg.tlsPort,
      systemId: 'acme',
      password: PASSWORD,
      tls: { ca: readFileSync(join(dir, 'cert.pem')), rejectUnauthorized: true },
    });
    const r = await c.submit({ from: '12345', to: '821055551234', text: 'over tls' });
    assert.equal(r.status, 0);
    await c.unbind();
    // The plain listener of the same gateway still works.
    const p = await EsmeClient.connect({ port: tg.port, systemId: 'acme', password: PASSWORD });
    await p.close();
  });
});
