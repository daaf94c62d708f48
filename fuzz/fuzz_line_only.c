/* fuzz_line_only.c - libFuzzer target for the line-only receiver; see fuzz_common.h. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_run(FZ_LINE_ONLY, data, size);
}
