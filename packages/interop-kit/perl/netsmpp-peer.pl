# Helpers shared by the Net::SMPP peer scripts of the interop tests (packages/*/src/interop/netsmpp-*.pl).
# runPerl (src/perl.ts) puts this directory on @INC; a script loads it with `require 'netsmpp-peer.pl';`
# and may set `$STEP_TIMEOUT` (seconds, default 5) afterwards. Everything lands in package main.
use strict;
use warnings;
use JSON::PP;

$| = 1;
our $STEP_TIMEOUT = 5;
my $json = JSON::PP->new->canonical;

# HOST PORT SYSTEM_ID PASSWORD from the command line, or a usage error.
sub peer_args {
    my ($host, $port, $system_id, $password) = @ARGV;
    die "usage: $0 HOST PORT SYSTEM_ID PASSWORD\n" unless defined $password;
    return ($host, $port, $system_id, $password);
}

# One JSON object per line on stdout: what the test asserts on.
sub out { print $json->encode({@_}), "\n" }

# Runs $code with an alarm; the message must not be "alarm\n" (Net::SMPP::read_hard would swallow it).
sub timed {
    my ($what, $code) = @_;
    local $SIG{ALRM} = sub { die "timeout: $what\n" };
    alarm $STEP_TIMEOUT;
    my @r = eval { $code->() };
    my $err = $@;
    alarm 0;
    die $err if $err;
    return wantarray ? @r : $r[0];
}

# Prints what Net::SMPP decoded of a deliver_sm (binary values as hex).
sub out_deliver {
    my ($pdu) = @_;
    my $rmid = $pdu->{receipted_message_id};
    my $state = $pdu->{message_state};
    out(step => 'deliver_sm', seq => $pdu->seq, esm_class => $pdu->{esm_class},
        data_coding => $pdu->{data_coding}, source_addr => $pdu->{source_addr},
        destination_addr => $pdu->{destination_addr},
        short_message => $pdu->{short_message}, short_message_hex => unpack('H*', $pdu->{short_message}),
        receipted_message_id_hex => defined $rmid ? unpack('H*', $rmid) : undef,
        message_state => defined $state ? unpack('C', $state) : undef);
}

# Prints a PDU the script did not expect; the tests assert there is none.
sub out_unexpected {
    my ($pdu) = @_;
    out(step => 'unexpected', cmd => $pdu->explain_cmd, seq => $pdu->seq, status => $pdu->status);
}

1;
