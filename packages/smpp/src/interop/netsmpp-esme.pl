#!/usr/bin/perl
# An ESME written with Net::SMPP (Debian libnet-smpp-perl), driven by netsmpp.test.ts against Hub's SmppServer.
# Usage: perl -I packages/interop-kit/perl netsmpp-esme.pl HOST PORT SYSTEM_ID PASSWORD
# Prints one JSON object per line on stdout (binary values as hex); the test asserts on them and on what
# the server saw. Every blocking call is bounded by alarm(); a hung step dies with "timeout: <step>".
# Protocol:
#   conn 1 (3.4): bind_transceiver wrong password, then right; 4 x submit_sm; enquire_link;
#                 prints {"step":"await_deliver"} and waits for Hub's deliver_sm + enquire_link (answers both);
#                 unbind; expects the server to close.
#   conn 2 (3.4): bind_transmitter; submit_sm; 5 pipelined submit_sm (async), then their responses; unbind.
#   conn 3 (3.3): bind_transmitter interface_version 0x33 (bind_resp must carry no TLV); submit_sm; unbind.
#   conn 4:       bind_transceiver with an unknown system_id.
#   conn 5 (3.4): bind_receiver; prints {"step":"await_unbind"}, answers Hub's unbind, expects the close.
use strict;
use warnings;
use Net::SMPP;
use JSON::PP;
require 'netsmpp-peer.pl'; # out, timed, out_deliver, out_unexpected (@hub/interop-kit's perl/)

my ($host, $port, $system_id, $password) = peer_args();
our $STEP_TIMEOUT = 5;

sub connect_smpp {
    my $smpp = timed('connect', sub {
        Net::SMPP->new_connect($host, port => $port, timeout => $STEP_TIMEOUT, system_id => $system_id,
            password => $password, system_type => 'NETSMPP');
    });
    die "connect failed: $!\n" unless $smpp;
    return $smpp;
}

# TLVs of a bind_resp: whatever follows system_id's terminating NUL.
sub bind_resp_facts {
    my ($step, $resp) = @_;
    my $data = $resp->{data} // '';
    my $after = length($resp->{system_id} // '') + 1;
    my %facts = (
        step => $step, cmd => $resp->explain_cmd, status => $resp->status, seq => $resp->seq,
        system_id => $resp->{system_id}, body_hex => unpack('H*', $data),
        tlv_bytes => length($data) > $after ? length($data) - $after : 0,
    );
    $facts{sc_interface_version} = unpack('C', $resp->{sc_interface_version})
        if defined $resp->{sc_interface_version};
    out(%facts);
}

sub submit {
    my ($smpp, $step, %fields) = @_;
    my $resp = timed($step, sub {
        $smpp->submit_sm(source_addr_ton => 1, source_addr_npi => 1, source_addr => '4915123456789',
            dest_addr_ton => 1, dest_addr_npi => 1, destination_addr => '447700900001', %fields);
    });
    die "no response to $step\n" unless $resp;
    out(step => $step, cmd => $resp->explain_cmd, status => $resp->status, seq => $resp->seq,
        message_id => $resp->message_id, body_hex => unpack('H*', $resp->{data} // ''),
        sent_hex => unpack('H*', $fields{short_message}));
    return $resp;
}

sub unbind_and_wait_close {
    my ($smpp, $step) = @_;
    my $resp = timed($step, sub { $smpp->unbind() });
    die "no response to $step\n" unless $resp;
    # After unbind_resp the MC closes: the next read must hit EOF.
    my $next = timed("$step-eof", sub { $smpp->read_pdu() });
    out(step => $step, cmd => $resp->explain_cmd, status => $resp->status, closed => defined($next) ? JSON::PP::false : JSON::PP::true);
    close($smpp);
}

# ---- conn 1: transceiver, 3.4 ----
{
    my $smpp = connect_smpp();
    my $bad = timed('bind_wrong_password', sub { $smpp->bind_transceiver(password => 'wrong-password') });
    die "no bind_resp\n" unless $bad;
    bind_resp_facts('bind_wrong_password', $bad);
    # The session stays OPEN after a refused bind: retry on the same connection.
    my $ok = timed('bind_trx', sub { $smpp->bind_transceiver() });
    die "no bind_resp\n" unless $ok;
    bind_resp_facts('bind_trx', $ok);

    # GSM 03.38 unpacked: "Hi @ £ € {}" = 48 69 20 00 20 01 20 1B65 20 1B28 1B29
    submit($smpp, 'submit_gsm', data_coding => 0x00, esm_class => 0x00, registered_delivery => 0x01,
        short_message => pack('H*', '48692000200120' . '1b65' . '20' . '1b28' . '1b29'));
    # UCS-2 (UTF-16BE, with a surrogate pair): "Привет ✓ 😀"
    submit($smpp, 'submit_ucs2', data_coding => 0x08, esm_class => 0x00,
        short_message => pack('H*', '041f0440043804320435044200202713' . '0020d83dde00'));
    # Concatenated message, 8-bit reference UDH (05 00 03 ref total seq), esm_class UDHI.
    my $part1 = substr('0123456789' x 16, 0, 153);
    submit($smpp, 'submit_long_1', data_coding => 0x00, esm_class => 0x40,
        short_message => pack('H*', '050003a70201') . $part1);
    submit($smpp, 'submit_long_2', data_coding => 0x00, esm_class => 0x40,
        short_message => pack('H*', '050003a70202') . 'tail of the long one');

    my $el = timed('enquire_link', sub { $smpp->enquire_link() });
    die "no enquire_link_resp\n" unless $el;
    out(step => 'enquire_link', cmd => $el->explain_cmd, status => $el->status, seq => $el->seq);

    # Hub now pushes a receipt (deliver_sm) and then an enquire_link; answer both.
    out(step => 'await_deliver');
    my ($got_deliver, $got_el) = (0, 0);
    while (!($got_deliver && $got_el)) {
        my $pdu = timed('await_deliver', sub { $smpp->read_pdu() });
        die "connection closed while waiting for deliver_sm\n" unless $pdu;
        my $cmd = $pdu->explain_cmd;
        if ($cmd eq 'deliver_sm') {
            out_deliver($pdu);
            $smpp->deliver_sm_resp(seq => $pdu->seq, message_id => '');
            $got_deliver = 1;
        } elsif ($cmd eq 'enquire_link') {
            $smpp->enquire_link_resp(seq => $pdu->seq);
            out(step => 'hub_enquire_link', seq => $pdu->seq, body_len => length($pdu->{data}));
            $got_el = 1;
        } else {
            out_unexpected($pdu);
        }
    }
    unbind_and_wait_close($smpp, 'unbind_trx');
}

# ---- conn 2: transmitter, 3.4 ----
{
    my $smpp = connect_smpp();
    my $ok = timed('bind_tx', sub { $smpp->bind_transmitter() });
    die "no bind_resp\n" unless $ok;
    bind_resp_facts('bind_tx', $ok);
    submit($smpp, 'submit_tx', data_coding => 0x00, short_message => 'plain ASCII from a transmitter');
    # Pipelining: five requests in flight before reading any response.
    my @seqs = map {
        my $n = $_;
        $smpp->submit_sm(async => 1, destination_addr => '447700900002', short_message => "pipelined $n");
    } 1 .. 5;
    my %ids;
    for (1 .. 5) {
        my $resp = timed('pipelined', sub { $smpp->read_pdu() });
        die "connection closed while reading pipelined responses\n" unless $resp;
        $ids{$resp->seq} = { cmd => $resp->explain_cmd, status => $resp->status, message_id => $resp->message_id };
    }
    out(step => 'pipelined', sent_seqs => \@seqs, responses => \%ids);
    unbind_and_wait_close($smpp, 'unbind_tx');
}

# ---- conn 3: SMPP 3.3 transmitter ----
{
    my $smpp = connect_smpp();
    my $ok = timed('bind_v33', sub { $smpp->bind_transmitter(interface_version => 0x33) });
    die "no bind_resp\n" unless $ok;
    bind_resp_facts('bind_v33', $ok);
    submit($smpp, 'submit_v33', data_coding => 0x00, short_message => 'hello from 3.3');
    unbind_and_wait_close($smpp, 'unbind_v33');
}

# ---- conn 4: unknown system_id ----
{
    my $smpp = connect_smpp();
    my $bad = timed('bind_unknown_id', sub { $smpp->bind_transceiver(system_id => 'nobody') });
    die "no bind_resp\n" unless $bad;
    bind_resp_facts('bind_unknown_id', $bad);
    close($smpp);
}

# ---- conn 5: receiver; Hub unbinds ----
{
    my $smpp = connect_smpp();
    my $ok = timed('bind_rx', sub { $smpp->bind_receiver() });
    die "no bind_resp\n" unless $ok;
    bind_resp_facts('bind_rx', $ok);
    out(step => 'await_unbind');
    my $pdu = timed('await_unbind', sub { $smpp->read_pdu() });
    die "connection closed while waiting for unbind\n" unless $pdu;
    my $cmd = $pdu->explain_cmd;
    $smpp->unbind_resp(seq => $pdu->seq) if $cmd eq 'unbind';
    my $next = timed('hub_unbind-eof', sub { $smpp->read_pdu() });
    out(step => 'hub_unbind', cmd => $cmd, seq => $pdu->seq, closed => defined($next) ? JSON::PP::false : JSON::PP::true);
    close($smpp);
}

out(step => 'done');
exit 0;
