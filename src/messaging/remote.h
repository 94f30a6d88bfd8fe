// Names that live on other hosts. With a lattice (see lattice/lattice.h) the
// router asks it about every name no local component is registered under,
// before a local template may activate it, and hands it what must leave this
// host: messages for such names and every publication.
#pragma once

#include <optional>
#include <string_view>

#include "actor/message.h"

namespace wasmhive::messaging {

class Remote {
 public:
  virtual ~Remote() = default;
  // Whether `target` is owned by another host now.
  virtual bool elsewhere(std::string_view target) = 0;
  // Sends a message (kKindSend or kKindRequest, whose correlation id is the
  // request's here) to the host that owns `target`. An ABI code: kOk once it
  // is on its way; none when no other host owns `target`, which is then the
  // local router's to resolve.
  virtual std::optional<std::int32_t> forward(const actor::Message& message,
                                              std::string_view target) = 0;
  // A publication (message.topic) for the subscribers on other hosts: kOk,
  // kErrTooBig (more than NATS carries) or kErrBusy (it cannot take it now).
  virtual std::int32_t publish(const actor::Message& message) = 0;
  // A pattern got its first local subscriber, or lost its last.
  virtual void subscribed(std::string_view pattern) = 0;
  virtual void unsubscribed(std::string_view pattern) = 0;
};

}  // namespace wasmhive::messaging
