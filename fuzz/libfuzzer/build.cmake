# build.cmake - configure (once) and build the clang libFuzzer sub-build; run by the eddy_libfuzzer
# target of fuzz/CMakeLists.txt as `cmake -D... -P build.cmake`.
#
# A failure here warns instead of failing the main build: the fuzz.libfuzzer.* tests then fail
# (their programs are missing), which is where it should show.
foreach(var CLANG SOURCE BINARY GENERATOR EDDY_ROOT EDDY_GENERATED EDDY_LAYERS EDDY_FUZZ_TARGETS)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "build.cmake: ${var} is not set")
    endif()
endforeach()

if(NOT EXISTS ${BINARY}/CMakeCache.txt)
    execute_process(
        COMMAND ${CMAKE_COMMAND} -S ${SOURCE} -B ${BINARY} -G ${GENERATOR}
            -DCMAKE_C_COMPILER=${CLANG} -DCMAKE_BUILD_TYPE=RelWithDebInfo
            -DEDDY_ROOT=${EDDY_ROOT} -DEDDY_GENERATED=${EDDY_GENERATED}
            -DEDDY_LAYERS=${EDDY_LAYERS} -DEDDY_FUZZ_TARGETS=${EDDY_FUZZ_TARGETS}
            -DEDDY_PLATFORM_LIBS=${EDDY_PLATFORM_LIBS}
        RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
        file(REMOVE ${BINARY}/CMakeCache.txt)
        message(WARNING "eddy fuzz: configuring the clang libFuzzer build failed:\n${out}")
        return()
    endif()
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BINARY}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
    message(WARNING "eddy fuzz: the clang libFuzzer build failed; the fuzz.libfuzzer.* tests "
                    "will fail until it builds:\n${out}")
endif()
