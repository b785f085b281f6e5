# Applies callcoach's patches to the copy of whisper.cpp that whisper-rs-sys
# builds (target/*/build/whisper-rs-sys-*/out/whisper.cpp; the sources in
# ~/.cargo/registry are never touched).
#
# How it gets here: whisper-rs-sys hands every CMAKE_* variable of its
# environment to whisper.cpp's CMake build, and .cargo/config.toml sets
# CMAKE_PROJECT_INCLUDE to this file, so CMake runs it right after each
# project() call, before anything is compiled. Other CMake builds that see
# the variable are left alone.
#
# Each *.patch beside this file is applied in name order with `patch -p1`;
# one that is already applied is skipped; one that fits neither way stops
# the build, since it means whisper-rs-sys now ships another whisper.cpp and
# the patch must be redone (docs/performance.md says what each one gives).
#
# After changing a patch, or in a target/ built before a patch was added
# (cargo does not re-run whisper-rs-sys's build script for a new CMAKE_*
# variable), rebuild whisper.cpp: cargo clean -p whisper-rs-sys

if(NOT PROJECT_NAME STREQUAL "whisper.cpp")
    return()
endif()

find_program(CALLCOACH_PATCH patch)
if(NOT CALLCOACH_PATCH)
    message(FATAL_ERROR "callcoach: the program `patch` is missing; install it (apt-get install patch) and build again")
endif()

file(GLOB callcoach_patches "${CMAKE_CURRENT_LIST_DIR}/*.patch")
list(SORT callcoach_patches)
foreach(p IN LISTS callcoach_patches)
    get_filename_component(name "${p}" NAME)
    execute_process(
        COMMAND "${CALLCOACH_PATCH}" -p1 -N --dry-run --silent -i "${p}"
        WORKING_DIRECTORY "${CMAKE_SOURCE_DIR}"
        RESULT_VARIABLE forward OUTPUT_QUIET ERROR_QUIET)
    if(forward EQUAL 0)
        execute_process(
            COMMAND "${CALLCOACH_PATCH}" -p1 -N --silent -i "${p}"
            WORKING_DIRECTORY "${CMAKE_SOURCE_DIR}"
            RESULT_VARIABLE applied)
        if(NOT applied EQUAL 0)
            message(FATAL_ERROR "callcoach: ${name} failed to apply to ${CMAKE_SOURCE_DIR}")
        endif()
        message(STATUS "callcoach: applied ${name}")
        continue()
    endif()
    execute_process(
        COMMAND "${CALLCOACH_PATCH}" -p1 -R --dry-run --silent -i "${p}"
        WORKING_DIRECTORY "${CMAKE_SOURCE_DIR}"
        RESULT_VARIABLE reverse OUTPUT_QUIET ERROR_QUIET)
    if(reverse EQUAL 0)
        message(STATUS "callcoach: ${name} already applied")
    else()
        message(FATAL_ERROR "callcoach: ${name} does not fit the whisper.cpp in ${CMAKE_SOURCE_DIR}; whisper-rs-sys has changed, redo the patch")
    endif()
endforeach()
