#include "engine/module_info.h"

#include <algorithm>
#include <iterator>
#include <string>

#include "util/text.h"
#include "util/wasm_sections.h"

namespace wasmhive::engine {
namespace {

enum SectionId : std::uint8_t {
  kCustom = 0,
  kType = 1,
  kImport = 2,
  kFunction = 3,
  kMemory = 5,
  kGlobal = 6,
  kExport = 7,
  kStart = 8,
};

constexpr std::uint8_t kMagic[] = {0x00, 0x61, 0x73, 0x6d};
constexpr std::uint8_t kVersion1[] = {0x01, 0x00, 0x00, 0x00};
constexpr std::uint8_t kLimitsMinOnly = 0x00;
constexpr std::uint8_t kLimitsMinMax = 0x01;

// A bounds-checked cursor over the module bytes. The first failure sticks: later
// reads return zeros, and `error()` tells where it went wrong.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes, std::size_t base = 0)
      : bytes_(bytes), base_(base) {}

  bool failed() const { return failed_; }
  bool at_end() const { return pos_ >= bytes_.size(); }
  std::size_t offset() const { return base_ + pos_; }
  std::size_t remaining() const { return bytes_.size() - pos_; }

  std::uint8_t byte() {
    if (!require(1, "byte")) return 0;
    return bytes_[pos_++];
  }

  std::uint32_t u32() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      std::uint8_t b = byte();
      if (failed_) return 0;
      value |= std::uint64_t{b & 0x7fu} << shift;
      if ((b & 0x80) == 0) {
        if (value > UINT32_MAX) return fail("LEB128 value does not fit in u32"), 0;
        return static_cast<std::uint32_t>(value);
      }
    }
    return fail("LEB128 too long"), 0;
  }

  std::span<const std::uint8_t> take(std::size_t n, const char* what) {
    if (!require(n, what)) return {};
    auto out = bytes_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

  // Skips a signed LEB128 of at most `bits` bits (constants in code).
  void skip_signed(int bits) {
    for (int shift = 0; shift < bits; shift += 7) {
      std::uint8_t b = byte();
      if (failed_ || (b & 0x80) == 0) return;
    }
    fail("LEB128 too long");
  }

  std::string name() {
    std::uint32_t len = u32();
    auto raw = take(len, "name");
    return std::string(raw.begin(), raw.end());
  }

  // A vector count, sanity-checked against the bytes left (each element takes at least one).
  std::uint32_t count(const char* what) {
    std::uint32_t n = u32();
    if (!failed_ && n > remaining()) fail(std::string(what) + " count larger than section");
    return failed_ ? 0 : n;
  }

  void fail(std::string why) { fail_at(offset(), std::move(why)); }
  void fail_at(std::size_t at, std::string why) {
    if (failed_) return;
    failed_ = true;
    error_ = "malformed module at byte " + std::to_string(at) + ": " + std::move(why);
  }
  Error error() const { return make_error(Errc::invalid_module, error_); }

 private:
  bool require(std::size_t n, const char* what) {
    if (failed_) return false;
    if (n > remaining()) {
      fail(std::string("unexpected end of ") + what);
      return false;
    }
    return true;
  }

  std::span<const std::uint8_t> bytes_;
  std::size_t base_;
  std::size_t pos_ = 0;
  bool failed_ = false;
  std::string error_;
};

std::optional<ValType> decode_valtype(std::uint8_t b) {
  switch (b) {
    case 0x7f:
      return ValType::i32;
    case 0x7e:
      return ValType::i64;
    case 0x7d:
      return ValType::f32;
    case 0x7c:
      return ValType::f64;
    case 0x7b:
      return ValType::v128;
    case 0x70:
      return ValType::funcref;
    case 0x6f:
      return ValType::externref;
    default:
      return std::nullopt;
  }
}

std::vector<ValType> read_valtypes(Reader& r) {
  std::vector<ValType> out;
  std::uint32_t n = r.count("value type");
  for (std::uint32_t i = 0; i < n && !r.failed(); ++i) {
    auto type = decode_valtype(r.byte());
    if (!type)
      r.fail("unknown value type");
    else
      out.push_back(*type);
  }
  return out;
}

MemoryLimits read_limits(Reader& r) {
  MemoryLimits limits;
  std::uint8_t flags = r.byte();
  if (flags != kLimitsMinOnly && flags != kLimitsMinMax) {
    r.fail("unsupported limits flags (shared or 64-bit memories are not supported)");
    return limits;
  }
  limits.min_pages = r.u32();
  if (flags == kLimitsMinMax) limits.max_pages = r.u32();
  return limits;
}

// What the section walk collects before export types can be resolved.
struct RawModule {
  std::vector<FuncType> types;
  std::vector<std::uint32_t> function_types;  // imported functions first, then own
  std::vector<GlobalType> globals;            // imported globals first, then own
  std::size_t custom_section_bytes = 0;       // kept so far, against kMaxHostCustomSectionBytes
  ModuleInfo info;
};

const FuncType* type_at(const RawModule& raw, std::uint32_t index) {
  return index < raw.types.size() ? &raw.types[index] : nullptr;
}

void read_type_section(Reader& r, RawModule& raw) {
  std::uint32_t n = r.count("type");
  for (std::uint32_t i = 0; i < n && !r.failed(); ++i) {
    if (r.byte() != 0x60) return r.fail("expected function type (0x60)");
    FuncType type;
    type.params = read_valtypes(r);
    type.results = read_valtypes(r);
    raw.types.push_back(std::move(type));
  }
}

GlobalType read_global_type(Reader& r) {
  GlobalType global{ValType::i32};
  std::size_t at = r.offset();
  auto type = decode_valtype(r.byte());
  if (!type) return r.fail_at(at, "unknown global value type"), global;
  global.type = *type;
  at = r.offset();
  std::uint8_t mutability = r.byte();
  if (mutability > 1) return r.fail_at(at, "unknown global mutability"), global;
  global.mutable_ = mutability == 1;
  return global;
}

// Opcodes of the constant expressions that initialise globals.
enum ConstOpcode : std::uint8_t {
  kEnd = 0x0b,
  kGlobalGet = 0x23,
  kI32Const = 0x41,
  kI64Const = 0x42,
  kF32Const = 0x43,
  kF64Const = 0x44,
  kRefNull = 0xd0,
  kRefFunc = 0xd2,
  kSimdPrefix = 0xfd,
};
constexpr std::uint32_t kV128Const = 12;  // after kSimdPrefix

// Arithmetic of the extended-const proposal (i32/i64 add, sub, mul). They
// have no immediates, so skipping them is free, and the reader does not refuse
// modules once V8 enables the proposal; whether they are valid is V8's call.
bool is_extended_const(std::uint8_t op) {
  return (op >= 0x6a && op <= 0x6c) || (op >= 0x7c && op <= 0x7e);
}

// Skips one constant instruction's immediates; false at `end` or a failure.
bool skip_const_instruction(Reader& r) {
  std::size_t at = r.offset();
  std::uint8_t op = r.byte();
  if (r.failed() || op == kEnd) return false;
  switch (op) {
    case kI32Const:
      r.skip_signed(32);
      break;
    case kI64Const:
      r.skip_signed(64);
      break;
    case kF32Const:
      r.take(4, "f32 constant");
      break;
    case kF64Const:
      r.take(8, "f64 constant");
      break;
    case kGlobalGet:
    case kRefFunc:
      r.u32();
      break;
    case kRefNull:
      r.byte();  // reference type
      break;
    case kSimdPrefix:
      if (r.u32() != kV128Const && !r.failed())
        r.fail_at(at, "unsupported SIMD instruction in constant expression");
      r.take(16, "v128 constant");
      break;
    default:
      if (!is_extended_const(op)) r.fail_at(at, "unsupported instruction in constant expression");
      break;
  }
  return !r.failed();
}

// Skips an initialiser up to and including its `end`; its values are the
// engine's business, only its length is ours.
void skip_const_expr(Reader& r) {
  while (skip_const_instruction(r)) {
  }
}

void read_import_section(Reader& r, RawModule& raw) {
  std::uint32_t n = r.count("import");
  for (std::uint32_t i = 0; i < n && !r.failed(); ++i) {
    ImportInfo import;
    import.module = r.name();
    import.name = r.name();
    switch (r.byte()) {
      case 0x00: {
        import.kind = ExternKind::function;
        std::uint32_t index = r.u32();
        const FuncType* type = type_at(raw, index);
        if (!r.failed() && !type)
          return r.fail("import refers to unknown type " + std::to_string(index));
        if (type) import.type = *type;
        raw.function_types.push_back(index);
        break;
      }
      case 0x01:
        import.kind = ExternKind::table;
        r.byte();  // element type
        read_limits(r);
        break;
      case 0x02:
        import.kind = ExternKind::memory;
        read_limits(r);
        break;
      case 0x03:
        import.kind = ExternKind::global;
        raw.globals.push_back(read_global_type(r));
        break;
      default:
        return r.fail("unknown import kind");
    }
    raw.info.imports.push_back(std::move(import));
  }
}

void read_function_section(Reader& r, RawModule& raw) {
  std::uint32_t n = r.count("function");
  for (std::uint32_t i = 0; i < n && !r.failed(); ++i) raw.function_types.push_back(r.u32());
}

void read_memory_section(Reader& r, RawModule& raw) {
  std::uint32_t n = r.count("memory");
  if (n > 1) return r.fail("more than one memory");
  if (n == 1) raw.info.memory = read_limits(r);
}

void read_global_section(Reader& r, RawModule& raw) {
  std::uint32_t n = r.count("global");
  for (std::uint32_t i = 0; i < n && !r.failed(); ++i) {
    raw.globals.push_back(read_global_type(r));
    skip_const_expr(r);
  }
}

void read_export_section(Reader& r, RawModule& raw) {
  std::uint32_t n = r.count("export");
  for (std::uint32_t i = 0; i < n && !r.failed(); ++i) {
    ExportInfo exp;
    exp.name = r.name();
    std::uint8_t kind = r.byte();
    std::uint32_t index = r.u32();
    if (kind > 3) return r.fail("unknown export kind");
    exp.kind = static_cast<ExternKind>(kind);
    if (exp.kind == ExternKind::function) {
      if (index >= raw.function_types.size()) return r.fail("export of unknown function");
      const FuncType* type = type_at(raw, raw.function_types[index]);
      if (!type) return r.fail("function refers to unknown type");
      exp.type = *type;
    }
    if (exp.kind == ExternKind::global) {
      if (index >= raw.globals.size()) return r.fail("export of unknown global");
      exp.global = raw.globals[index];
    }
    raw.info.exports.push_back(std::move(exp));
  }
}

bool is_host_custom_section(std::string_view name) {
  return std::find(std::begin(kHostCustomSections), std::end(kHostCustomSections), name) !=
         std::end(kHostCustomSections);
}

// Checks the header of any custom section; copies the contents of the ones the
// host reads (see kHostCustomSections for why only those).
void read_custom_section(Reader& r, RawModule& raw, std::size_t section_start) {
  if (r.at_end()) return r.fail("custom section without a name");
  std::uint32_t length = r.u32();
  if (r.failed()) return;
  std::size_t name_offset = r.offset();
  if (length > r.remaining())
    return r.fail("custom section name of " + std::to_string(length) +
                  " bytes runs past the end of the section");
  auto raw_name = r.take(length, "custom section name");
  std::string name(raw_name.begin(), raw_name.end());
  if (!is_valid_utf8(name)) return r.fail_at(name_offset, "custom section name is not valid UTF-8");
  if (!is_host_custom_section(name)) return;
  if (raw.info.find_custom_section(name))
    return r.fail_at(section_start, "custom section '" + name + "' appears more than once");
  raw.custom_section_bytes += r.remaining();
  if (raw.custom_section_bytes > kMaxHostCustomSectionBytes)
    return r.fail_at(section_start, "custom section '" + name + "' holds " +
                                        std::to_string(r.remaining()) + " bytes; the host reads " +
                                        std::to_string(kMaxHostCustomSectionBytes) +
                                        " bytes of custom sections at most");
  CustomSection section{std::move(name), r.offset(), {}};
  auto contents = r.take(r.remaining(), "custom section");
  section.bytes.assign(contents.begin(), contents.end());
  raw.info.custom_sections.push_back(std::move(section));
}

// Walks the sections, calling `visit(id, reader_over_payload, payload_offset)` for each.
template <class Visit>
Result<void> for_each_section(std::span<const std::uint8_t> wasm, Visit&& visit) {
  Reader r(wasm);
  auto magic = r.take(4, "header");
  if (r.failed() || !std::equal(magic.begin(), magic.end(), kMagic))
    return make_error(Errc::invalid_module, "not a wasm module (bad magic bytes)");
  auto version = r.take(4, "header");
  if (r.failed() || !std::equal(version.begin(), version.end(), kVersion1))
    return make_error(Errc::invalid_module, "unsupported wasm binary version (expected 1)");
  while (!r.at_end() && !r.failed()) {
    std::size_t section_start = r.offset();
    std::uint8_t id = r.byte();
    std::uint32_t size = r.u32();
    std::size_t payload_offset = r.offset();
    auto payload = r.take(size, "section");
    if (r.failed()) break;
    Reader section(payload, payload_offset);
    visit(id, section, section_start);
    if (section.failed()) return section.error();
  }
  if (r.failed()) return r.error();
  return {};
}

}  // namespace

std::string_view to_string(ExternKind kind) {
  switch (kind) {
    case ExternKind::function:
      return "function";
    case ExternKind::table:
      return "table";
    case ExternKind::memory:
      return "memory";
    case ExternKind::global:
      return "global";
  }
  return "unknown";
}

std::string FuncType::to_string() const {
  static constexpr const char* kNames[] = {"i32",  "i64",     "f32",      "f64",
                                           "v128", "funcref", "externref"};
  auto list = [](const std::vector<ValType>& types) {
    std::string out = "(";
    for (std::size_t i = 0; i < types.size(); ++i) {
      if (i) out += ", ";
      out += kNames[static_cast<int>(types[i])];
    }
    return out + ")";
  };
  std::string out = list(params) + " -> ";
  if (results.size() == 1) return out + kNames[static_cast<int>(results[0])];
  return out + list(results);
}

const ExportInfo* ModuleInfo::find_export(std::string_view name) const {
  for (const auto& exp : exports)
    if (exp.name == name) return &exp;
  return nullptr;
}

const CustomSection* ModuleInfo::find_custom_section(std::string_view name) const {
  for (const auto& section : custom_sections)
    if (section.name == name) return &section;
  return nullptr;
}

Result<ModuleInfo> read_module_info(std::span<const std::uint8_t> wasm) {
  RawModule raw;
  auto walked = for_each_section(wasm, [&](std::uint8_t id, Reader& section, std::size_t start) {
    switch (id) {
      case kCustom:
        read_custom_section(section, raw, start);
        break;
      case kType:
        read_type_section(section, raw);
        break;
      case kImport:
        read_import_section(section, raw);
        break;
      case kFunction:
        read_function_section(section, raw);
        break;
      case kMemory:
        read_memory_section(section, raw);
        break;
      case kGlobal:
        read_global_section(section, raw);
        break;
      case kExport:
        read_export_section(section, raw);
        break;
      case kStart:
        raw.info.has_start_function = true;
        break;
      default:
        break;
    }
  });
  if (!walked) return walked.error();
  return std::move(raw.info);
}

Result<std::vector<std::uint8_t>> cap_memory(std::span<const std::uint8_t> wasm,
                                             std::uint32_t max_pages) {
  std::optional<std::size_t> memory_section_start, memory_section_end;
  std::optional<MemoryLimits> limits;
  auto walked = for_each_section(wasm, [&](std::uint8_t id, Reader& section, std::size_t start) {
    if (id != kMemory) return;
    std::uint32_t n = section.count("memory");
    if (n != 1) return;
    limits = read_limits(section);
    memory_section_start = start;
    memory_section_end = section.offset() + section.remaining();
  });
  if (!walked) return walked.error();
  if (!limits) return std::vector<std::uint8_t>(wasm.begin(), wasm.end());
  if (limits->min_pages > max_pages)
    return make_error(Errc::limit_exceeded, "module needs " + std::to_string(limits->min_pages) +
                                                " memory pages at start, the limit is " +
                                                std::to_string(max_pages));
  std::uint32_t capped = std::min(limits->max_pages.value_or(max_pages), max_pages);

  std::vector<std::uint8_t> payload;
  append_leb_u32(payload, 1);
  payload.push_back(kLimitsMinMax);
  append_leb_u32(payload, limits->min_pages);
  append_leb_u32(payload, capped);

  std::vector<std::uint8_t> out(wasm.begin(), wasm.begin() + *memory_section_start);
  out.push_back(kMemory);
  append_leb_u32(out, static_cast<std::uint32_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
  out.insert(out.end(), wasm.begin() + *memory_section_end, wasm.end());
  return out;
}

}  // namespace wasmhive::engine
