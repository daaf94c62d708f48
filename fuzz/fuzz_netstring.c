/* fuzz_netstring.c - libFuzzer target for the netstring receiver; see fuzz_common.h. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_run(FZ_NETSTRING, data, size);
}
