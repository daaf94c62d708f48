#!/usr/bin/python3
"""portforward_soak.py EDDY_BINARY [MEGABYTES] - move a lot of data through `eddy portforward`
into a deliberately slow reader and check that the forwarder's memory stays bounded.

A source writes MEGABYTES (default 1024) as fast as it can; the destination reads at most
RATE MB/s. Without backpressure the forwarder would queue the difference (hundreds of MB); with
it, reading from the source pauses while the destination's queue is above its high water mark.
Checks: every byte arrives, in order (CRC-32 of the stream); the source's half-close reaches the
destination; the forwarder's peak RSS (VmHWM) stays under LIMIT_MB; SIGTERM ends it with status 0.
Prints one "N passed, N failed" line. Run by CTest in the release build (label soak)."""
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import zlib

RATE_MB_S = 300          # the slow reader's pace
LIMIT_MB = 64            # the forwarder's peak RSS must stay under this
BLOCK = bytes((i * 7 + 13) % 251 for i in range(1 << 20))  # 1 MiB, period 251: no alignment luck


def main():
    eddy = sys.argv[1]
    megabytes = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
    total = megabytes << 20
    results = {}

    sink = socket.socket()
    sink.bind(("127.0.0.1", 0))
    sink.listen(1)
    sink_port = sink.getsockname()[1]

    def destination():
        conn, _ = sink.accept()
        conn.settimeout(60)
        buf = bytearray(256 << 10)
        view = memoryview(buf)
        got, crc, start = 0, 0, time.monotonic()
        while True:
            n = conn.recv_into(view)
            if n == 0:
                break
            crc = zlib.crc32(view[:n], crc)
            got += n
            ahead = got / (RATE_MB_S << 20) - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)  # pacing: this peer is slow on purpose
        results["received"], results["crc"] = got, crc
        results["eof"] = True
        conn.close()

    proc = subprocess.Popen([eddy, "portforward", "--listen", "tcp:0:interface=127.0.0.1",
                             "--dest", "tcp:127.0.0.1:%d" % sink_port],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    line = ""
    deadline = time.monotonic() + 10
    while "listening on" not in line and time.monotonic() < deadline:
        line = proc.stderr.readline()
    m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
    if not m:
        print("portforward soak: the forwarder did not start: %r" % line)
        proc.kill()
        return 1
    port = int(m.group(1))

    peak = [0]
    done = threading.Event()

    def watch_memory():
        while not done.wait(0.05):
            try:
                with open("/proc/%d/status" % proc.pid) as f:
                    for l in f:
                        if l.startswith("VmHWM:"):
                            peak[0] = max(peak[0], int(l.split()[1]))
            except OSError:
                return

    reader = threading.Thread(target=destination)
    reader.start()
    watcher = threading.Thread(target=watch_memory)
    watcher.start()

    src = socket.create_connection(("127.0.0.1", port))
    crc, sent, start = 0, 0, time.monotonic()
    while sent < total:
        chunk = BLOCK[: min(len(BLOCK), total - sent)]
        src.sendall(chunk)
        crc = zlib.crc32(chunk, crc)
        sent += len(chunk)
    src.shutdown(socket.SHUT_WR)
    reader.join(120)
    src.settimeout(10)
    closed = src.recv(1) == b""  # the destination closed: that close comes back to us
    elapsed = time.monotonic() - start
    done.set()
    watcher.join()
    proc.send_signal(signal.SIGTERM)
    status = proc.wait(10)

    checks = [
        ("all %d MB arrived" % megabytes, results.get("received") == total),
        ("in order (CRC-32)", results.get("crc") == crc),
        ("the half-close reached the destination", results.get("eof", False)),
        ("the destination's close came back", closed),
        ("peak RSS %.1f MB < %d MB" % (peak[0] / 1024, LIMIT_MB), 0 < peak[0] < LIMIT_MB * 1024),
        ("SIGTERM exits 0", status == 0),
    ]
    for name, ok in checks:
        print("  %s %s" % ("ok  " if ok else "FAIL", name))
    print("portforward soak: %d MB in %.1f s (reader limited to %d MB/s), forwarder peak RSS %.1f MB"
          % (megabytes, elapsed, RATE_MB_S, peak[0] / 1024))
    failed = sum(1 for _, ok in checks if not ok)
    print("%d passed, %d failed" % (len(checks) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
