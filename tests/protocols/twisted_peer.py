"""A real Twisted peer for eddy's wire-compatibility test (test_twisted_wire.c).

Usage: twisted_peer.py KIND, with standard input a connected stream socket and KIND one of
line, netstring, int8, int16, int32. It speaks KIND with Twisted's own receiver from
twisted.protocols.basic: every message it receives is answered with the same bytes reversed;
the message QUIT is answered with BYE and the connection is closed. Exit status 0 if the
connection ended cleanly.
"""

import socket
import sys

from twisted.internet import reactor
from twisted.internet.protocol import Factory
from twisted.protocols import basic


def answering(base, send_name, receive_name):
    """A subclass of `base` answering each message with its reverse."""

    def received(self, message):
        send = getattr(self, send_name)
        if message == b"QUIT":
            send(b"BYE")
            self.transport.loseConnection()
        else:
            send(message[::-1])

    def lost(self, reason):
        reactor.stop()

    return type("Answering" + base.__name__, (base,),
                {receive_name: received, "connectionLost": lost})


KINDS = {
    "line": answering(basic.LineReceiver, "sendLine", "lineReceived"),
    "netstring": answering(basic.NetstringReceiver, "sendString", "stringReceived"),
    "int8": answering(basic.Int8StringReceiver, "sendString", "stringReceived"),
    "int16": answering(basic.Int16StringReceiver, "sendString", "stringReceived"),
    "int32": answering(basic.Int32StringReceiver, "sendString", "stringReceived"),
}


def main():
    factory = Factory.forProtocol(KINDS[sys.argv[1]])
    reactor.callWhenRunning(
        reactor.adoptStreamConnection, sys.stdin.fileno(), socket.AF_UNIX, factory)
    reactor.callLater(20, reactor.stop)  # never hang a test run
    reactor.run()


if __name__ == "__main__":
    main()
