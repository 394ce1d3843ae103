#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>

int main(int argc, char** argv) {
  // The tools fit their text to COLUMNS (snap/emit/fit.h): whatever COLUMNS
  // the shell running ctest has must not change what a test sees. A test
  // that wants a width sets it on the command it runs.
  ::unsetenv("COLUMNS");
  doctest::Context context(argc, argv);
  return context.run();
}
