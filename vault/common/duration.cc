#include <cctype>
#include <string>

#include "vault/options.h"

namespace vault {

bool ParseDuration(const std::string& text, int64_t* millis) {
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0 || i > 12) return false;  // no digits, or more than any sane duration
  const int64_t n = std::stoll(text.substr(0, i));
  const std::string unit = text.substr(i);
  int64_t scale;
  if (unit == "ms") scale = 1;
  else if (unit == "s") scale = 1000;
  else if (unit == "m") scale = 60 * 1000;
  else if (unit == "h") scale = 3600 * 1000;
  else if (unit == "d") scale = kMillisPerDay;
  else return false;
  if (n <= 0 || n > (int64_t{100} * 365 * kMillisPerDay) / scale) return false;
  *millis = n * scale;
  return true;
}

std::string FormatDuration(int64_t millis) {
  struct Unit { int64_t scale; const char* name; };
  static const Unit kUnits[] = {
      {kMillisPerDay, "d"}, {3600 * 1000, "h"}, {60 * 1000, "m"}, {1000, "s"}};
  for (const Unit& u : kUnits) {
    if (millis != 0 && millis % u.scale == 0) return std::to_string(millis / u.scale) + u.name;
  }
  return std::to_string(millis) + "ms";
}

}  // namespace vault
