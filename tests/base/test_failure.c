/* test_failure.c - failures (eddy/failure.h). */
#include <criterion/criterion.h>

#include "eddy/failure.h"

TestSuite(failure, .timeout = 10);

Test(failure, a_non_negative_code_becomes_efailed_and_is_described_as_such)
{
    /* The message taken from the code must describe the code the failure reports, not "success". */
    eddy_failure *f = eddy_failure_from_code(0);
    cr_assert_eq(eddy_failure_code(f), EDDY_EFAILED);
    cr_assert_str_eq(eddy_failure_message(f), eddy_strerror(EDDY_EFAILED));
    eddy_failure_unref(f);
}
