// The fuzz targets fuzz_replay links (fuzz/CMakeLists.txt, tests/CMakeLists.txt):
// each fuzzer source compiled with LLVMFuzzerTestOneInput renamed
// snap_fuzz_NAME. Included with SNAP_REPLAY_TARGET(name) defined.
SNAP_REPLAY_TARGET(smaps)
SNAP_REPLAY_TARGET(smaps_rollup)
SNAP_REPLAY_TARGET(maps)
SNAP_REPLAY_TARGET(pmap)
SNAP_REPLAY_TARGET(pmap_x)
SNAP_REPLAY_TARGET(pmap_X)
SNAP_REPLAY_TARGET(pmap_d)
SNAP_REPLAY_TARGET(solaris_pmap_x)
SNAP_REPLAY_TARGET(detect)
SNAP_REPLAY_TARGET(diff)
SNAP_REPLAY_TARGET(nmt)
SNAP_REPLAY_TARGET(trend)
SNAP_REPLAY_TARGET(gdb)
SNAP_REPLAY_TARGET(manifest)
SNAP_REPLAY_TARGET(proc)
