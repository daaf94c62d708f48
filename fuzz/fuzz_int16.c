/* fuzz_int16.c - libFuzzer target for the 16-bit length-prefixed receiver; see fuzz_common.h. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_run(FZ_INT16, data, size);
}
