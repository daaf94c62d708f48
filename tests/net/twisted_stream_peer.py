"""A real Twisted peer for eddy's stream interoperability tests (test_real_peers.c).

Usage:
  twisted_stream_peer.py client PORT NBYTES
      Connect to 127.0.0.1:PORT, send NBYTES of the test pattern, half-close, and expect the
      answer b"received NBYTES bytes\\n" followed by a clean close from the server.
  twisted_stream_peer.py server NBYTES
      Standard input is a listening TCP socket (made by the test, so no port has to be passed
      back). Accept one connection, echo what arrives, and close once the client has half-closed
      and everything has been echoed; the client must have sent exactly NBYTES.

Both protocols implement IHalfCloseableProtocol, as the half-close is what is being tested: a plain
Twisted protocol is disconnected at the peer's EOF, dropping what it had not written yet.
The exit status is 0 when every check passed; otherwise the reasons are printed on stderr.
"""

import socket
import sys

from twisted.internet import error, reactor
from twisted.internet.interfaces import IHalfCloseableProtocol
from twisted.internet.protocol import ClientFactory, Factory, Protocol
from zope.interface import implementer

problems = []


def pattern(n):
    """The bytes fill_pattern() (tests/support/net_helpers.c) makes with seed 0."""
    return bytes((i * 31 + (i >> 8)) & 0xFF for i in range(n))


def fail(message):
    problems.append(message)


def finish():
    if reactor.running:
        reactor.stop()


@implementer(IHalfCloseableProtocol)
class SummaryClient(Protocol):
    """Sends the pattern, half-closes, and collects the server's one-line summary."""

    def __init__(self, nbytes):
        self.nbytes = nbytes
        self.received = b""
        self.events = []

    def connectionMade(self):
        self.transport.write(pattern(self.nbytes))
        self.transport.loseWriteConnection()

    def dataReceived(self, data):
        if "readConnectionLost" in self.events:
            fail("data after EOF")
        self.received += data

    def writeConnectionLost(self):
        self.events.append("writeConnectionLost")

    def readConnectionLost(self):
        # the server's FIN (a reset would have been connectionLost with ConnectionLost instead)
        self.events.append("readConnectionLost")
        self.transport.loseConnection()

    def connectionLost(self, reason):
        self.events.append("connectionLost")
        want = b"received %d bytes\n" % self.nbytes
        if self.received != want:
            fail("summary %r, expected %r" % (self.received, want))
        if not reason.check(error.ConnectionDone):
            fail("connectionLost with %s, expected ConnectionDone" % reason.value)
        if self.events != ["writeConnectionLost", "readConnectionLost", "connectionLost"]:
            fail("events %s" % self.events)
        finish()


class SummaryClientFactory(ClientFactory):
    def __init__(self, nbytes):
        self.nbytes = nbytes

    def buildProtocol(self, addr):
        return SummaryClient(self.nbytes)

    def clientConnectionFailed(self, connector, reason):
        fail("connection failed: %s" % reason.value)
        finish()


@implementer(IHalfCloseableProtocol)
class EchoServer(Protocol):
    """Echoes; closes (after writing everything) when the client has half-closed."""

    def __init__(self, nbytes):
        self.nbytes = nbytes
        self.count = 0
        self.eof = False

    def dataReceived(self, data):
        self.count += len(data)
        self.transport.write(data)

    def readConnectionLost(self):
        self.eof = True
        self.transport.loseConnection()  # Twisted writes what is buffered first

    def writeConnectionLost(self):
        pass

    def connectionLost(self, reason):
        if self.count != self.nbytes:
            fail("echoed %d bytes, expected %d" % (self.count, self.nbytes))
        if not self.eof:
            fail("the connection ended without the client's EOF")
        if not reason.check(error.ConnectionDone):
            fail("connectionLost with %s, expected ConnectionDone" % reason.value)
        finish()


class EchoServerFactory(Factory):
    def __init__(self, nbytes):
        self.nbytes = nbytes

    def buildProtocol(self, addr):
        return EchoServer(self.nbytes)


def timed_out():
    fail("timed out")
    finish()


def main():
    mode = sys.argv[1]
    if mode == "client":
        port, nbytes = int(sys.argv[2]), int(sys.argv[3])
        reactor.connectTCP("127.0.0.1", port, SummaryClientFactory(nbytes), timeout=10)
    elif mode == "server":
        nbytes = int(sys.argv[2])
        reactor.adoptStreamPort(sys.stdin.fileno(), socket.AF_INET, EchoServerFactory(nbytes))
    else:
        sys.exit("unknown mode %r" % mode)
    reactor.callLater(20, timed_out)  # never hang a test run
    reactor.run()
    for p in problems:
        sys.stderr.write("twisted_stream_peer %s: %s\n" % (mode, p))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
