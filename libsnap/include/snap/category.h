// What a mapping is, from its name and shape: the words a leak hunter uses.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "snap/snapshot.h"

namespace snap {

enum class Category : std::uint8_t {
  heap,          // [heap]: the brk heap, glibc's main arena
  stack,         // [stack]: the main thread's stack
  thread_stack,  // anon rw right above a small ---p guard (glibc 8 MiB, JVM ~1 MiB)
  arena,         // glibc per-thread malloc arena: anon in a 64 MiB-aligned reservation
  java_heap,     // named so ([anon:java heap]), or NMT's "Java Heap"
  anon,          // any other anonymous memory
  file,          // a mapped file
  shm,           // shared memory: /dev/shm, SysV, memfd, shared anon and /dev/zero
  deleted,       // a file mapping whose file was deleted
  special,       // [vdso], [vvar], [vsyscall]
  guard,         // ---p anonymous: guard pages and reservations
  // Only from NMT (nmt_join.h): the JVM's own regions, by their NMT names.
  class_space,  // "Class": compressed class space
  code_cache,   // "Code": JIT-compiled code
  metaspace,    // "Metaspace"
  jvm,          // any other NMT region: GC structures, Internal, ...
};

/// "thread-stack", "java-heap", ...
std::string_view category_name(Category c);
std::optional<Category> category_from_name(std::string_view name);

/// One category per region of `s`, in order. Shape rules need neighbours,
/// so this classifies a whole snapshot at once. In pmap, pmap -x and
/// pmap -d, where procps prints [heap], [vvar] and [vdso] as "[ anon ]",
/// the heap is recognised as the first anonymous rw region after the
/// executable's mappings and its BSS tail, within the 1 GiB the kernel
/// randomises brk over, and [vvar] + [vdso] by their shape.
std::vector<Category> classify(const Snapshot& s);

}  // namespace snap
