/* fuzz_common.h - the driver every framing fuzz target shares (fuzz_common.c).
 *
 * Input layout: byte 0 picks the configuration, byte 1 the chunking, the rest is what the peer
 * sends. Each input is run three times against a receiver over the testing kit's string transport:
 *   1. in one piece, and
 *   2. in chunks; both runs must log the same events (messages, raw bytes, close reason), and
 *      the receiver must never buffer more than its limits allow;
 *   3. "chaos": chunks again, with custom limit hooks that keep going, bytes fed back in from
 *      callbacks, buffers cleared, pauses and resumes at random, where only memory safety and
 *      the absence of leaks are checked (by the sanitizers).
 * Messages may carry commands (see fuzz_common.c) that switch to raw mode, pause, close or
 * answer, so the fuzzer reaches those paths too. A broken invariant calls abort(). */
#ifndef EDDY_FUZZ_COMMON_H
#define EDDY_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

typedef enum fz_kind {
    FZ_LINE,
    FZ_LINE_ONLY,
    FZ_NETSTRING,
    FZ_INT8,
    FZ_INT16,
    FZ_INT32,
} fz_kind;

/** Run one input against a receiver of `kind`. Returns 0 (libFuzzer's convention). */
int fz_run(fz_kind kind, const uint8_t *data, size_t size);

/** libFuzzer's entry point, defined by each fuzz_*.c. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
