// The free() hook's check of itself (in_memory_test.cc): copies its
// argument into a block from malloc and frees it unwiped, as a copy left
// behind would be. Run under free_hook.cc with the argument as a needle, it
// must be reported.
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const size_t n = std::strlen(argv[1]);
  char* copy = static_cast<char*>(std::malloc(n + 64));
  if (copy == nullptr) return 1;
  std::memset(copy, 'x', n + 64);
  std::memcpy(copy + 32, argv[1], n);
  asm volatile("" : : "r"(copy) : "memory");  // the copy is made: keep it
  std::free(copy);
  return 0;
}
