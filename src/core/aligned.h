// A std::vector allocator whose storage starts on a 64-byte boundary (a cache line, an AVX-512
// vector, an AMX tile row): buffers that kernels read in whole lines or tile rows.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace edgemt {

template <class T>
struct CacheAligned {
  using value_type = T;
  static constexpr std::align_val_t kAlign{64};
  CacheAligned() = default;
  template <class U>
  CacheAligned(const CacheAligned<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlign)); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, kAlign); }
  template <class U>
  bool operator==(const CacheAligned<U>&) const { return true; }
};

template <class T>
using AlignedVector = std::vector<T, CacheAligned<T>>;

}  // namespace edgemt
