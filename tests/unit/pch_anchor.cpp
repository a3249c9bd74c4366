// The source of upgate_unit_pch, the target that owns the unit tests' shared precompiled
// header (tests/CMakeLists.txt): a target needs one source to compile its header with.
