#!/usr/bin/perl
# A Net::SMPP (Debian libnet-smpp-perl) ESME driven by netsmpp.test.ts against the whole SmppGateway.
# Usage: perl -I packages/interop-kit/perl netsmpp-gateway.pl HOST PORT SYSTEM_ID PASSWORD
# Prints one JSON object per line on stdout (binary values as hex). Every blocking call is bounded by alarm().
# Protocol: bind_transceiver (3.4); submit_sm GSM 03.38 and UCS-2, both registered_delivery 1; prints
# {"step":"await_receipts"} and reads until two deliver_sm arrived (answering each, and any enquire_link);
# unbind; {"step":"done"}.
use strict;
use warnings;
use Net::SMPP;
require 'netsmpp-peer.pl'; # out, timed, out_deliver, out_unexpected (@hub/interop-kit's perl/)

my ($host, $port, $system_id, $password) = peer_args();
our $STEP_TIMEOUT = 8;

my $smpp = timed('connect', sub {
    Net::SMPP->new_connect($host, port => $port, timeout => $STEP_TIMEOUT, system_id => $system_id,
        password => $password, system_type => '');
});
die "connect failed: $!\n" unless $smpp;
my $bind = timed('bind', sub { $smpp->bind_transceiver(interface_version => 0x34) });
die "no bind_resp\n" unless $bind;
out(step => 'bind', cmd => $bind->explain_cmd, status => $bind->status, system_id => $bind->{system_id});
die "bind refused\n" if $bind->status != 0;

sub submit {
    my ($step, %fields) = @_;
    my $resp = timed($step, sub {
        $smpp->submit_sm(source_addr_ton => 1, source_addr_npi => 1, source_addr => '4915123456789',
            dest_addr_ton => 1, dest_addr_npi => 1, destination_addr => '447700900001',
            registered_delivery => 0x01, esm_class => 0x00, %fields);
    });
    die "no response to $step\n" unless $resp;
    out(step => $step, cmd => $resp->explain_cmd, status => $resp->status, message_id => $resp->message_id);
}

# GSM 03.38 unpacked: "Hi @ £ € {}" = 48 69 20 00 20 01 20 1B65 20 1B28 1B29
submit('submit_gsm', data_coding => 0x00, short_message => pack('H*', '48692000200120' . '1b65' . '20' . '1b28' . '1b29'));
# UCS-2 (UTF-16BE, with a surrogate pair): "Привет ✓ 😀"
submit('submit_ucs2', data_coding => 0x08, short_message => pack('H*', '041f0440043804320435044200202713' . '0020d83dde00'));

out(step => 'await_receipts');
my $receipts = 0;
while ($receipts < 2) {
    my $pdu = timed('await_receipts', sub { $smpp->read_pdu() });
    die "connection closed while waiting for receipts\n" unless $pdu;
    my $cmd = $pdu->explain_cmd;
    if ($cmd eq 'deliver_sm') {
        out_deliver($pdu);
        $smpp->deliver_sm_resp(seq => $pdu->seq, message_id => '');
        $receipts++;
    } elsif ($cmd eq 'enquire_link') {
        $smpp->enquire_link_resp(seq => $pdu->seq);
    } else {
        out_unexpected($pdu);
    }
}

my $unbind = timed('unbind', sub { $smpp->unbind() });
die "no unbind_resp\n" unless $unbind;
out(step => 'unbind', cmd => $unbind->explain_cmd, status => $unbind->status);
close($smpp);
out(step => 'done');
exit 0;
