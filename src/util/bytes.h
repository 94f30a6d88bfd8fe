// Little-endian fields in byte buffers, for records that cross a process
// boundary (hibernated images, lattice frames). The reader is bounds-checked:
// every read says whether the bytes were there, so parsers of untrusted input
// never step past the end.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace wasmhive {

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<std::uint8_t>& out) : out_(out) {}
  void uint(std::uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
  }
  void bytes(std::span<const std::uint8_t> data) {
    out_.insert(out_.end(), data.begin(), data.end());
  }
  void text(std::string_view data) { out_.insert(out_.end(), data.begin(), data.end()); }
  // A string of at most 65535 bytes, after its 2-byte length.
  void short_text(std::string_view data) {
    uint(data.size(), 2);
    text(data);
  }

 private:
  std::vector<std::uint8_t>& out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  std::size_t left() const { return bytes_.size() - at_; }
  // False, reading nothing, when fewer than `bytes` are left.
  bool uint(std::uint64_t& value, int bytes) {
    if (left() < static_cast<std::size_t>(bytes)) return false;
    value = 0;
    for (int i = 0; i < bytes; ++i) value |= std::uint64_t{bytes_[at_++]} << (8 * i);
    return true;
  }
  bool text(std::string_view& value, std::size_t size) {
    if (left() < size) return false;
    value = {reinterpret_cast<const char*>(bytes_.data() + at_), size};
    at_ += size;
    return true;
  }
  bool bytes(std::span<const std::uint8_t>& value, std::size_t size) {
    if (left() < size) return false;
    value = bytes_.subspan(at_, size);
    at_ += size;
    return true;
  }
  bool short_text(std::string_view& value) {
    std::uint64_t size = 0;
    return uint(size, 2) && text(value, size);
  }
  std::size_t offset() const { return at_; }
  std::span<const std::uint8_t> rest() {
    auto out = bytes_.subspan(at_);
    at_ = bytes_.size();
    return out;
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t at_ = 0;
};

}  // namespace wasmhive
