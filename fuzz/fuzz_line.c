/* fuzz_line.c - libFuzzer target for the line receiver (lines, raw mode, limits); see
 * fuzz_common.h. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_run(FZ_LINE, data, size);
}
