/* fuzz_int8.c - libFuzzer target for the 8-bit length-prefixed receiver; see fuzz_common.h. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_run(FZ_INT8, data, size);
}
