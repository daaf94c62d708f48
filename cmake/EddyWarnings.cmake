# eddy_warnings(target): the house warning set; -Werror when EDDY_WERROR is on (CI and make test).
function(eddy_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes
        -Wmissing-prototypes -Wno-unused-parameter)
    if(EDDY_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
endfunction()
